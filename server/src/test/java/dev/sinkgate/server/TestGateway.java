package dev.sinkgate.server;

import dev.sinkgate.proto.v1.SinkGrpc;
import dev.sinkgate.server.grpc.StreamLimits;
import dev.sinkgate.server.log.FileLog;
import dev.sinkgate.server.log.FileLogSink;
import dev.sinkgate.server.log.FsyncPolicy;
import dev.sinkgate.server.route.Route;
import dev.sinkgate.server.route.Router;
import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A real gateway for tests, served both in-process and on a loopback port, with the
 * channels a test opens against it. Closing it closes the channels, then drains the
 * gateway (which closes every route's sink).
 */
final class TestGateway implements AutoCloseable {
  final Gateway gateway;
  final String inProcessName = "sinkgate-test-" + UUID.randomUUID();
  private final List<ManagedChannel> channels = new ArrayList<>();

  TestGateway(List<Route> routes) throws IOException {
    this(routes, StreamLimits.DEFAULT);
  }

  TestGateway(List<Route> routes, StreamLimits limits) throws IOException {
    gateway = Gateway.builder(new Router(routes))
        .inProcess(inProcessName)
        .listen(List.of(new InetSocketAddress("127.0.0.1", 0)))
        .streamLimits(limits)
        .drainTimeout(Duration.ofSeconds(10))
        .build()
        .start();
  }

  /** The transports every behaviour is checked on. */
  enum Transport { IN_PROCESS, LOOPBACK }

  ManagedChannel channel(Transport t) {
    ManagedChannel c = t == Transport.IN_PROCESS
        ? InProcessChannelBuilder.forName(inProcessName).directExecutor().build()
        : NettyChannelBuilder.forAddress(gateway.boundAddresses().get(0)).usePlaintext().build();
    synchronized (channels) {
      channels.add(c);
    }
    return c;
  }

  SinkGrpc.SinkBlockingStub blocking(Transport t) {
    return SinkGrpc.newBlockingStub(channel(t));
  }

  SinkGrpc.SinkStub async(Transport t) {
    return SinkGrpc.newStub(channel(t));
  }

  /**
   * Waits until the draining gateway refuses new calls (its gate closes after health goes
   * NOT_SERVING), probing with writes to a route that does not exist, so nothing is stored.
   */
  void awaitNewCallsRefused(Transport t) throws InterruptedException {
    SinkGrpc.SinkBlockingStub probe = blocking(t);
    dev.sinkgate.proto.v1.WriteRequest nowhere = dev.sinkgate.proto.v1.WriteRequest.newBuilder()
        .setSink("nosuch").setData(com.google.protobuf.ByteString.copyFromUtf8("x")).build();
    Poll.until(Duration.ofSeconds(10), () -> {
      try {
        probe.write(nowhere);
        return false;
      } catch (io.grpc.StatusRuntimeException refused) {
        return refused.getStatus().getCode() == io.grpc.Status.Code.UNAVAILABLE;
      }
    }, () -> "new calls refused once draining");
  }

  int port() {
    return gateway.boundAddresses().get(0).getPort();
  }

  /** A route to a file log in {@code dir} that syncs before it acknowledges; the log's warnings go to {@code warnings}. */
  static Route fileRoute(String name, Path dir, List<String> warnings) throws IOException {
    FileLog log = FileLog.open(dir, warnings::add);
    return new Route(name, new FileLogSink(name, log, FsyncPolicy.ALWAYS, 4096, 64L << 20, Clock.systemUTC()),
        Route.DEFAULT_MAX_RECORD_BYTES);
  }

  @Override
  public void close() {
    try {
      synchronized (channels) {
        for (ManagedChannel c : channels) {
          c.shutdownNow();
        }
        for (ManagedChannel c : channels) {
          c.awaitTermination(5, TimeUnit.SECONDS);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      gateway.close();
    }
  }
}
