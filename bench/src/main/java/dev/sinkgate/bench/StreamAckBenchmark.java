package dev.sinkgate.bench;

import com.google.protobuf.ByteString;
import dev.sinkgate.client.SinkClient;
import dev.sinkgate.client.StreamWriter;
import dev.sinkgate.proto.v1.Durability;
import dev.sinkgate.proto.v1.SinkGrpc;
import dev.sinkgate.proto.v1.WriteAck;
import dev.sinkgate.proto.v1.WriteRequest;
import dev.sinkgate.server.Gateway;
import dev.sinkgate.server.route.Route;
import dev.sinkgate.server.route.Router;
import dev.sinkgate.server.sink.DiscardRecordSink;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * JMH: the streaming ack path end to end, on the in-process transport: a
 * {@link StreamWriter} (the client's default window of 1024 records) writes 100 B records
 * over one {@code WriteStream} to the real {@link Gateway} with a {@code discard} route
 * (drain gate, {@code WriteStreamHandler}'s flow control and slots, routing, the sink's
 * future, cumulative acks). The baseline, the floor, is the same client and transport
 * against a bare {@code SinkImplBase} that acknowledges cumulatively and does nothing else
 * (no routing, automatic flow control). The ratio gateway ÷ floor is what the gateway's
 * stream path costs; the client's share is the same on both sides.
 *
 * <p>One operation is one record written; each measurement iteration is one stream, closed
 * (every record acknowledged, the stream completed) at the end of the iteration, which
 * fails the run if any record went unacknowledged. Scores are records per second.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class StreamAckBenchmark {
  /** The route the records go to: a discard route on the gateway; the floor ignores it. */
  static final String ROUTE = "discard";
  /** Payload bytes per record. */
  static final int RECORD_BYTES = 100;

  /** A server on the in-process transport, a client on it, and the stream of the current iteration. */
  public abstract static class Target {
    private final String name = "sinkgate-jmh-" + UUID.randomUUID();
    private ManagedChannel channel;
    private SinkClient client;
    StreamWriter stream;
    final WriteRequest record = WriteRequest.newBuilder()
        .setSink(ROUTE)
        .setData(ByteString.copyFrom(randomBytes(RECORD_BYTES)))
        .build();

    /** Starts the server under {@code name} on the in-process transport. */
    abstract void startServer(String name) throws IOException;

    /** Stops the server; idempotent. */
    abstract void stopServer();

    @Setup(Level.Trial)
    public void start() throws IOException {
      startServer(name);
      // directExecutor: the acks are handled on the thread that delivers them, as the
      // gateway's event loop does, so neither side pays a hand-off to a pool thread.
      channel = InProcessChannelBuilder.forName(name).directExecutor().build();
      client = SinkClient.builder(channel).deadline(Duration.ofSeconds(30)).build();
    }

    @Setup(Level.Iteration)
    public void openStream() {
      stream = client.openStream();
    }

    /** Completes the iteration's stream and checks that the server acknowledged every record. */
    @TearDown(Level.Iteration)
    public void closeStream() {
      StreamWriter s = stream;
      stream = null;
      s.close();
      if (s.acknowledged() != s.written()) {
        throw new IllegalStateException(s.written() + " records written, " + s.acknowledged()
            + " acknowledged (expected: all of them)");
      }
    }

    @TearDown(Level.Trial)
    public void stop() throws InterruptedException {
      if (client != null) {
        client.close();
      }
      if (channel != null) {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
      stopServer();
    }
  }

  /** The gateway with one {@code discard} route, as {@code sinkgate} serves it (minus TCP). */
  @State(Scope.Thread)
  public static class GatewayTarget extends Target {
    private Gateway gateway;

    @Override
    void startServer(String name) throws IOException {
      Router router = new Router(List.of(new Route(ROUTE, new DiscardRecordSink(), Route.DEFAULT_MAX_RECORD_BYTES)));
      gateway = Gateway.builder(router).inProcess(name).drainTimeout(Duration.ofSeconds(5)).build().start();
    }

    @Override
    void stopServer() {
      if (gateway != null) {
        gateway.close();
      }
    }
  }

  /** The floor: a bare Sink service that acknowledges cumulatively and keeps nothing. */
  @State(Scope.Thread)
  public static class FloorTarget extends Target {
    private Server server;

    @Override
    void startServer(String name) throws IOException {
      server = InProcessServerBuilder.forName(name).directExecutor().addService(new FloorSink()).build().start();
    }

    @Override
    void stopServer() {
      if (server != null) {
        server.shutdownNow();
      }
    }
  }

  /** One record to the gateway's discard route. */
  @Benchmark
  public void gateway(GatewayTarget target) {
    target.stream.write(target.record);
  }

  /** Baseline: one record to the bare service. */
  @Benchmark
  public void floor(FloorTarget target) {
    target.stream.write(target.record);
  }

  static byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    new Random(n).nextBytes(b);
    return b;
  }

  /** {@code WriteStream} with nothing but cumulative acks; {@code Write} is not served. */
  static final class FloorSink extends SinkGrpc.SinkImplBase {
    @Override
    public StreamObserver<WriteRequest> writeStream(StreamObserver<WriteAck> responses) {
      return new FloorStream((ServerCallStreamObserver<WriteAck>) responses);
    }
  }

  /**
   * Counts records and acknowledges the newest count whenever the client can take an ack,
   * as the gateway does (coalescing while it cannot); guarded by {@code this}.
   */
  static final class FloorStream implements StreamObserver<WriteRequest> {
    private final ServerCallStreamObserver<WriteAck> out;
    private long count;
    private long written;
    private long lastSent;
    private boolean ended;

    FloorStream(ServerCallStreamObserver<WriteAck> out) {
      this.out = out;
      out.setOnReadyHandler(this::onReady);
    }

    @Override
    public synchronized void onNext(WriteRequest request) {
      count++;
      written += request.getData().size();
      if (out.isReady()) {
        sendAck();
      }
    }

    private synchronized void onReady() {
      if (!ended) {
        sendAck();
      }
    }

    private void sendAck() {
      if (count == lastSent) {
        return;
      }
      lastSent = count;
      out.onNext(WriteAck.newBuilder()
          .setCount(count)
          .setWritten(written)
          .setDurability(Durability.DURABILITY_MEMORY)
          .build());
    }

    @Override
    public synchronized void onError(Throwable t) {
      ended = true;
    }

    @Override
    public synchronized void onCompleted() {
      sendAck();
      ended = true;
      out.onCompleted();
    }
  }
}
