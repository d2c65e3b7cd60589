package dev.sinkgate.bench.grpc;

import com.sun.net.httpserver.HttpServer;
import dev.sinkgate.proto.v1.Durability;
import dev.sinkgate.proto.v1.SinkGrpc;
import dev.sinkgate.proto.v1.WriteAck;
import dev.sinkgate.proto.v1.WriteRequest;
import dev.sinkgate.proto.v1.WriteResponse;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.internal.ThreadExecutorMap;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The floor: a bare grpc-java server for {@code sinkgate.v1.Sink}, what a hand-written
 * server on the same stack costs. It answers every unary write at once with
 * {@code written = size}, and on a stream acknowledges cumulatively whenever the client can
 * take an ack, coalesced to one per batch of records the transport delivers in one event
 * loop task (as the gateway does), with grpc-java's default flow control. No routing, no
 * records, no futures: the gateway's own cost is what it adds over this.
 *
 * <p>The transport settings are the gateway's ({@code Gateway.start}): Netty (epoll when
 * available), {@code directExecutor}, the same inbound message limit and keep-alive
 * permission. It counts records and bytes and serves them at {@code /metrics} under the
 * gateway's metric names with {@code route="floor"}, so the harness checks both alike.
 *
 * <pre>java -cp … dev.sinkgate.bench.grpc.FloorServer --listen 127.0.0.1:0 --metrics-listen 127.0.0.1:0</pre>
 * prints {@code floor: serving on 127.0.0.1:PORT, metrics on http://127.0.0.1:PORT/metrics}
 * on stderr and serves until SIGTERM.
 */
public final class FloorServer implements AutoCloseable {
  /** The gateway's inbound limit for its default routes: max(16 MiB, 4 MiB record + 1 MiB). */
  static final int MAX_MESSAGE_BYTES = 16 << 20;
  static final String ROUTE = "floor";

  private final LongAdder records = new LongAdder();
  private final LongAdder bytes = new LongAdder();
  private final LongAdder acksSent = new LongAdder();
  private final AtomicInteger streamsOpen = new AtomicInteger();
  private final Server server;
  private final HttpServer metrics;

  private FloorServer(InetSocketAddress listen, InetSocketAddress metricsListen) throws IOException {
    server = NettyServerBuilder.forAddress(listen)
        .permitKeepAliveTime(10, TimeUnit.SECONDS)
        .directExecutor()
        .maxInboundMessageSize(MAX_MESSAGE_BYTES)
        .addService(new Service())
        .build()
        .start();
    HttpServer m = null;
    try {
      if (metricsListen != null) {
        m = HttpServer.create(metricsListen, 0);
        m.createContext("/metrics", exchange -> {
          byte[] body = metricsText().getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4");
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
        m.start();
      }
    } catch (IOException | RuntimeException e) {
      server.shutdownNow();
      throw e;
    }
    metrics = m;
  }

  /** Starts a floor server on {@code listen}, with a metrics endpoint on {@code metricsListen} unless null. */
  public static FloorServer start(InetSocketAddress listen, InetSocketAddress metricsListen) throws IOException {
    return new FloorServer(listen, metricsListen);
  }

  public int port() {
    return ((InetSocketAddress) server.getListenSockets().get(0)).getPort();
  }

  /** The metrics endpoint's port, or -1 without one. */
  public int metricsPort() {
    return metrics == null ? -1 : metrics.getAddress().getPort();
  }

  public long records() {
    return records.sum();
  }

  String metricsText() {
    return "# HELP sinkgate_records_accepted_total Records accepted.\n"
        + "# TYPE sinkgate_records_accepted_total counter\n"
        + "sinkgate_records_accepted_total{route=\"" + ROUTE + "\"} " + records.sum() + "\n"
        + "# HELP sinkgate_bytes_accepted_total Payload bytes accepted.\n"
        + "# TYPE sinkgate_bytes_accepted_total counter\n"
        + "sinkgate_bytes_accepted_total{route=\"" + ROUTE + "\"} " + bytes.sum() + "\n"
        + "# HELP sinkgate_streams_open Open WriteStream calls.\n"
        + "# TYPE sinkgate_streams_open gauge\n"
        + "sinkgate_streams_open " + streamsOpen.get() + "\n"
        + "# HELP floor_acks_sent_total WriteAck messages sent (the floor's only; records / acks is the coalescing).\n"
        + "# TYPE floor_acks_sent_total counter\n"
        + "floor_acks_sent_total " + acksSent.sum() + "\n";
  }

  @Override
  public void close() throws InterruptedException {
    if (metrics != null) {
      metrics.stop(0);
    }
    server.shutdown();
    if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
      server.shutdownNow();
      server.awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private final class Service extends SinkGrpc.SinkImplBase {
    @Override
    public void write(WriteRequest request, StreamObserver<WriteResponse> responses) {
      int n = request.getData().size();
      records.increment();
      bytes.add(n);
      responses.onNext(WriteResponse.newBuilder().setWritten(n).setDurability(Durability.DURABILITY_MEMORY).build());
      responses.onCompleted();
    }

    @Override
    public StreamObserver<WriteRequest> writeStream(StreamObserver<WriteAck> acks) {
      ServerCallStreamObserver<WriteAck> out = (ServerCallStreamObserver<WriteAck>) acks;
      streamsOpen.incrementAndGet();
      return new StreamObserver<>() {
        private final Object lock = new Object();
        private long count;
        private long written;
        private long sent = -1;
        private boolean ended;

        {
          out.setOnReadyHandler(() -> {
            synchronized (lock) {
              ack();
            }
          });
          out.setOnCancelHandler(this::end);
        }

        private boolean ackScheduled;

        @Override
        public void onNext(WriteRequest r) {
          int n = r.getData().size();
          records.increment();
          bytes.add(n);
          EventExecutor loop = ThreadExecutorMap.currentExecutor();
          synchronized (lock) {
            count++;
            written += n;
            if (loop == null) {
              if (out.isReady()) {
                ack();
              }
            } else if (!ackScheduled) {
              // One ack for every record this read delivers, as the gateway does (see its
              // WriteStreamHandler): sent once the event loop's current task is done.
              ackScheduled = true;
              loop.execute(() -> {
                synchronized (lock) {
                  ackScheduled = false;
                  if (out.isReady()) {
                    ack();
                  }
                }
              });
            }
          }
        }

        private void ack() {
          if (!ended && count != sent) {
            sent = count;
            acksSent.increment();
            out.onNext(WriteAck.newBuilder().setCount(count).setWritten(written)
                .setDurability(Durability.DURABILITY_MEMORY).build());
          }
        }

        @Override
        public void onError(Throwable t) {
          end();
        }

        @Override
        public void onCompleted() {
          synchronized (lock) {
            ack();
            if (!ended) {
              out.onCompleted();
            }
          }
          end();
        }

        private void end() {
          synchronized (lock) {
            if (ended) {
              return;
            }
            ended = true;
          }
          streamsOpen.decrementAndGet();
        }
      };
    }
  }

  public static void main(String[] args) throws IOException, InterruptedException {
    InetSocketAddress listen = new InetSocketAddress("127.0.0.1", 0);
    InetSocketAddress metricsListen = null;
    for (int i = 0; i < args.length; i++) {
      String value = i + 1 < args.length ? args[i + 1] : null;
      switch (args[i]) {
        case "--listen" -> listen = address(args[i], value);
        case "--metrics-listen" -> metricsListen = address(args[i], value);
        default -> {
          System.err.println("floor: unknown option '" + args[i] + "' (expected: --listen HOST:PORT,"
              + " --metrics-listen HOST:PORT)");
          System.exit(2);
        }
      }
      i++;
    }
    FloorServer floor = start(listen, metricsListen);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        floor.close();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        stopped.countDown();
      }
    }, "floor-shutdown"));
    System.err.println("floor: serving on " + listen.getHostString() + ":" + floor.port()
        + (metricsListen == null ? "" : ", metrics on http://" + metricsListen.getHostString() + ":" + floor.metricsPort() + "/metrics"));
    stopped.await();
  }

  private static InetSocketAddress address(String flag, String value) {
    int colon = value == null ? -1 : value.lastIndexOf(':');
    if (colon < 1) {
      System.err.println("floor: " + flag + " '" + value + "' (expected: HOST:PORT)");
      System.exit(2);
    }
    return new InetSocketAddress(value.substring(0, colon), Integer.parseInt(value.substring(colon + 1)));
  }
}
