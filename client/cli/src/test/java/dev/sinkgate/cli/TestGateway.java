package dev.sinkgate.cli;

import dev.sinkgate.client.DataSink;
import dev.sinkgate.client.RetryPolicy;
import dev.sinkgate.client.SinkClient;
import dev.sinkgate.proto.v1.Durability;
import dev.sinkgate.server.Gateway;
import dev.sinkgate.server.log.FileLog;
import dev.sinkgate.server.log.FileLogSink;
import dev.sinkgate.server.log.FsyncPolicy;
import dev.sinkgate.server.route.Route;
import dev.sinkgate.server.sink.DataSinkRecordSink;
import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A real gateway in the test JVM, on a loopback port (for sinkctl, which takes a target)
 * and in-process (for {@link Bench} driven directly). Closing it closes the clients it
 * made, then drains the gateway, which closes every route's sink.
 */
final class TestGateway implements AutoCloseable {
  private final Gateway gateway;
  private final String inProcessName = "sinkctl-test-" + UUID.randomUUID();
  private final List<Runnable> closers = new ArrayList<>();

  private TestGateway(Gateway.Builder builder) throws IOException {
    this.gateway = builder.inProcess(inProcessName)
        .listen(List.of(new InetSocketAddress("127.0.0.1", 0)))
        .drainTimeout(Duration.ofSeconds(5))
        .build()
        .start();
  }

  /** Starts a gateway with the routes {@code builder} holds. */
  static TestGateway start(Gateway.Builder builder) throws IOException {
    return new TestGateway(builder);
  }

  /** A route to a file log in {@code dir} that acknowledges after fsync, as a config's {@code type: file} does. */
  static Route fileRoute(String name, Path dir) throws IOException {
    FileLog log = FileLog.open(dir, w -> {});
    return new Route(name, new FileLogSink(name, log, FsyncPolicy.ALWAYS, 4096, 64L << 20, Clock.systemUTC()),
        Route.DEFAULT_MAX_RECORD_BYTES);
  }

  /** A route to {@code sink} that refuses records over {@code maxRecordBytes} with INVALID_ARGUMENT. */
  static Route limitedRoute(String name, DataSink sink, int maxRecordBytes) {
    return new Route(name, new DataSinkRecordSink(name, sink, Durability.DURABILITY_MEMORY, 4096, 64L << 20),
        maxRecordBytes);
  }

  /** {@code 127.0.0.1:PORT}, for {@code --target}. */
  String target() {
    return "127.0.0.1:" + gateway.boundAddresses().get(0).getPort();
  }

  /** A client on the in-process transport, with no retries; closed with the gateway. */
  SinkClient inProcessClient(Duration deadline) {
    ManagedChannel channel = InProcessChannelBuilder.forName(inProcessName).directExecutor().build();
    SinkClient client = SinkClient.builder(channel).deadline(deadline).retryPolicy(RetryPolicy.none()).build();
    closers.add(() -> {
      channel.shutdownNow();
      try {
        channel.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    closers.add(client::close); // closed first: the client does not own the channel
    return client;
  }

  @Override
  public void close() {
    for (int i = closers.size() - 1; i >= 0; i--) {
      closers.get(i).run();
    }
    gateway.close();
  }

  /** A sink that counts what it accepts. */
  static final class CountingSink implements DataSink {
    final AtomicLong records = new AtomicLong();
    final AtomicLong bytes = new AtomicLong();

    @Override
    public int write(byte[] data) {
      records.incrementAndGet();
      bytes.addAndGet(data.length);
      return data.length;
    }

    @Override
    public void close() {}
  }
}
