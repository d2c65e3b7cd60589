package dev.sinkgate.bench.grpc;

import dev.sinkgate.bench.Jcmd;
import dev.sinkgate.proto.v1.SinkGrpc;
import dev.sinkgate.proto.v1.WriteAck;
import dev.sinkgate.proto.v1.WriteRequest;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Memory an idle connection and an idle stream cost a server: a fresh floor and a fresh
 * gateway (one {@code discard} route) each get N idle connections, then S idle
 * WriteStreams on one more connection; after a full GC ({@code jcmd GC.run}) the heap in
 * use ({@code jcmd GC.heap_info}) and the RSS are read before and after each step. The
 * heap figure is the steadier one (RSS also moves with the heap's own sizing and Netty's
 * buffer pools); both are reported.
 */
final class IdleMemory {
  /** Bytes per idle connection and per idle stream for one server. */
  record Result(String server, int connections, int streams, double heapPerConnection, double rssPerConnection,
      double heapPerStream, double rssPerStream) {}

  private IdleMemory() {}

  static List<Result> measure(Path work, GrpcBenchOptions options, PrintStream log)
      throws IOException, InterruptedException {
    Path dir = Files.createDirectories(work.resolve("idle"));
    List<Result> out = new ArrayList<>();
    try (BenchServers servers = BenchServers.start(dir, options.serverJvm(), List.of("discard"))) {
      for (BenchServers.Target t : servers.targets()) {
        Result r = measure(t, options.idleConnections(), options.idleStreams());
        log.printf(Locale.ROOT, "bench-grpc: idle %s: %.0f B heap / %.0f B RSS per connection, %.0f B heap /"
            + " %.0f B RSS per stream%n", r.server(), r.heapPerConnection(), r.rssPerConnection(),
            r.heapPerStream(), r.rssPerStream());
        out.add(r);
      }
    }
    return out;
  }

  private static Result measure(BenchServers.Target t, int connections, int streams)
      throws IOException, InterruptedException {
    ServerProcess server = (ServerProcess) t.entry();
    // A first connection and stream, so that classes and pools that exist once are not charged to the first of N.
    openAndClose(server, t.route());
    long[] base = sample(server);
    List<ManagedChannel> channels = new ArrayList<>();
    List<StreamObserver<WriteRequest>> open = new ArrayList<>();
    try {
      // The first connection also carries the streams, so the stream step adds streams only.
      for (int i = 0; i < Math.max(1, connections); i++) {
        channels.add(connect(server));
      }
      long[] afterConnections = sample(server);
      SinkGrpc.SinkStub stub = SinkGrpc.newStub(channels.get(0));
      long before = openStreams(server);
      for (int i = 0; i < streams; i++) {
        open.add(stub.writeStream(new Ignore()));
      }
      awaitStreams(server, before + streams);
      long[] afterStreams = sample(server);
      return new Result(t.name(), channels.size(), streams,
          per(afterConnections[0] - base[0], channels.size()), per(afterConnections[1] - base[1], channels.size()),
          per(afterStreams[0] - afterConnections[0], streams),
          per(afterStreams[1] - afterConnections[1], streams));
    } finally {
      for (StreamObserver<WriteRequest> s : open) {
        s.onCompleted();
      }
      for (ManagedChannel c : channels) {
        c.shutdownNow();
      }
      for (ManagedChannel c : channels) {
        c.awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  private static double per(long bytes, int n) {
    return n == 0 ? Double.NaN : (double) bytes / n;
  }

  private static void openAndClose(ServerProcess server, String route) throws InterruptedException {
    ManagedChannel c = connect(server);
    try {
      SinkGrpc.newBlockingStub(c).write(WriteRequest.newBuilder().setSink(route).build());
    } finally {
      c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private static ManagedChannel connect(ServerProcess server) throws InterruptedException {
    ManagedChannel c = NettyChannelBuilder.forTarget(server.address()).usePlaintext().build();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    ConnectivityState s;
    while ((s = c.getState(true)) != ConnectivityState.READY) {
      if (System.nanoTime() - deadline > 0) {
        c.shutdownNow();
        throw new IllegalStateException("no connection to " + server + " within 20 s (state " + s + ")");
      }
      CountDownLatch changed = new CountDownLatch(1);
      c.notifyWhenStateChanged(s, changed::countDown);
      changed.await(100, TimeUnit.MILLISECONDS);
    }
    return c;
  }

  private static long openStreams(ServerProcess server) {
    return Metrics.sum(server.scrape(), "sinkgate_streams_open", null);
  }

  private static void awaitStreams(ServerProcess server, long n) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    long seen;
    while ((seen = openStreams(server)) < n) {
      if (System.nanoTime() - deadline > 0) {
        throw new IllegalStateException(server + " reports " + seen + " open streams, expected " + n);
      }
      Thread.sleep(50); // polling another process's counter: nothing to wait on
    }
  }

  /** Heap used after a full GC, and RSS, in bytes. */
  private static long[] sample(ServerProcess server) throws IOException, InterruptedException {
    return new long[] {Jcmd.heapUsedAfterGc(server.pid()), server.stats().rssBytes()};
  }

  private static final class Ignore implements StreamObserver<WriteAck> {
    @Override
    public void onNext(WriteAck value) {}

    @Override
    public void onError(Throwable t) {}

    @Override
    public void onCompleted() {}
  }
}
