package dev.sinkgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.sinkgate.client.SinkException;
import dev.sinkgate.proto.v1.Durability;
import dev.sinkgate.proto.v1.SinkGrpc;
import dev.sinkgate.proto.v1.WriteRequest;
import dev.sinkgate.proto.v1.WriteResponse;
import dev.sinkgate.server.config.ConfigLoader;
import dev.sinkgate.server.grpc.SinkService;
import dev.sinkgate.server.grpc.StreamLimits;
import dev.sinkgate.server.log.FileLog;
import dev.sinkgate.server.log.FileLogSink;
import dev.sinkgate.server.log.FsyncPolicy;
import dev.sinkgate.server.log.LogReader;
import dev.sinkgate.server.log.LogRecord;
import dev.sinkgate.server.remote.RemoteRecordSink;
import dev.sinkgate.server.route.Route;
import dev.sinkgate.server.route.Router;
import dev.sinkgate.server.sink.Accepted;
import dev.sinkgate.server.sink.DiscardRecordSink;
import dev.sinkgate.server.sink.Record;
import dev.sinkgate.server.sink.RecordSink;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyServerBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Remote routes against real servers: a second gateway on loopback, several targets, DNS, a Unix socket. */
class RemoteRouteTest {
  @TempDir Path tmp;

  /** Keeps every record a sink was given, to see what crossed the wire besides what the log stores. */
  private static final class Capturing implements RecordSink {
    final List<Record> seen = new CopyOnWriteArrayList<>();
    private final RecordSink delegate;

    Capturing(RecordSink delegate) {
      this.delegate = delegate;
    }

    @Override
    public CompletableFuture<Accepted> append(Record record) {
      seen.add(record);
      return delegate.append(record);
    }

    @Override
    public void close() {
      delegate.close();
    }
  }

  private FileLogSink fileSink(String name) throws IOException {
    return new FileLogSink(name, FileLog.open(tmp.resolve(name), w -> {}), FsyncPolicy.ALWAYS, 4096, 64 << 20,
        Clock.systemUTC());
  }

  private static WriteRequest request(String sink, String data) {
    return WriteRequest.newBuilder().setSink(sink).setData(ByteString.copyFromUtf8(data)).build();
  }

  private static Route remote(String name, List<String> targets) {
    return new Route(name, RemoteRecordSink.open(name, targets, name, Duration.ofSeconds(5)), Route.DEFAULT_MAX_RECORD_BYTES);
  }

  private static int closedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Test
  void gatewaysChain_keyHeadersProducerIdAndSequenceArrive_andTheDownstreamOffsetComesBack() throws Exception {
    Capturing capture = new Capturing(fileSink("thumbs"));
    try (TestGateway downstream = new TestGateway(List.of(new Route("thumbs", capture, 1 << 20)));
        TestGateway upstream = new TestGateway(List.of(remote("thumbs", List.of("127.0.0.1:" + downstream.port()))))) {
      SinkGrpc.SinkBlockingStub stub = upstream.blocking(TestGateway.Transport.IN_PROCESS);
      stub.write(request("thumbs", "first"));
      WriteResponse r = stub.write(request("thumbs", "second").toBuilder()
          .setKey("user-7").putHeaders("content-type", "image/png").putHeaders("trace", "abc")
          .setProducerId("producer-1").setSequence(42).build());

      assertEquals(6, r.getWritten());
      assertEquals(Durability.DURABILITY_DOWNSTREAM, r.getDurability());
      assertEquals(1, r.getOffset(), "the downstream log's offset passes through");
      assertFalse(r.getDuplicate());
      Record seen = capture.seen.get(1);
      assertEquals("producer-1", seen.producerId());
      assertEquals(42, seen.sequence());
    }
    List<LogRecord> stored = LogReader.readAll(tmp.resolve("thumbs"));
    assertEquals(2, stored.size());
    LogRecord second = stored.get(1);
    assertEquals("second", new String(second.data(), StandardCharsets.UTF_8));
    assertEquals("user-7", second.key());
    assertEquals(Map.of("content-type", "image/png", "trace", "abc"), Map.copyOf(second.headers()));
  }

  @Test
  void aListOfHostPortTargets_isRoundRobined_bothServersReceive() throws Exception {
    CountingRecordSink a = new CountingRecordSink(new DiscardRecordSink());
    CountingRecordSink b = new CountingRecordSink(new DiscardRecordSink());
    try (TestGateway first = new TestGateway(List.of(new Route("thumbs", a, 1024)));
        TestGateway second = new TestGateway(List.of(new Route("thumbs", b, 1024)));
        TestGateway upstream = new TestGateway(List.of(remote("thumbs",
            List.of("127.0.0.1:" + first.port(), "127.0.0.1:" + second.port()))))) {
      SinkGrpc.SinkBlockingStub stub = upstream.blocking(TestGateway.Transport.IN_PROCESS);
      // Round-robin spreads calls once both connections are ready; keep writing until both saw some.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      int writes = 0;
      while ((a.appends.get() == 0 || b.appends.get() == 0) && System.nanoTime() < deadline) {
        assertEquals(Durability.DURABILITY_DOWNSTREAM, stub.write(request("thumbs", "x")).getDurability());
        writes++;
      }
      assertTrue(a.appends.get() > 0 && b.appends.get() > 0, "one server never received: " + a.appends + "/" + b.appends);
      assertEquals(writes, a.appends.get() + b.appends.get());
    }
  }

  @Test
  void aDnsTarget_resolvesTheName() throws Exception {
    CountingRecordSink counted = new CountingRecordSink(new DiscardRecordSink());
    try (TestGateway downstream = new TestGateway(List.of(new Route("thumbs", counted, 1024)));
        TestGateway upstream = new TestGateway(List.of(remote("thumbs", List.of("dns:///localhost:" + downstream.port()))))) {
      WriteResponse r = upstream.blocking(TestGateway.Transport.IN_PROCESS).write(request("thumbs", "via-dns"));
      assertEquals(7, r.getWritten());
      assertEquals(1, counted.appends.get());
    }
  }

  @Test
  void aUnixSocketTarget_reachesAServerOnThatSocket() throws Exception {
    Path socket = tmp.resolve("sink.sock");
    CountingRecordSink counted = new CountingRecordSink(new DiscardRecordSink());
    Router router = new Router(List.of(new Route("thumbs", counted, 1024)));
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    Server server = NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
        .channelType(EpollServerDomainSocketChannel.class)
        .bossEventLoopGroup(group)
        .workerEventLoopGroup(group)
        .directExecutor()
        .addService(new SinkService(router, StreamLimits.DEFAULT))
        .build()
        .start();
    try (TestGateway upstream = new TestGateway(List.of(remote("thumbs", List.of("unix:" + socket))))) {
      WriteResponse r = upstream.blocking(TestGateway.Transport.IN_PROCESS).write(request("thumbs", "via-uds"));
      assertEquals(Durability.DURABILITY_DOWNSTREAM, r.getDurability());
      assertEquals(1, counted.appends.get());
    } finally {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
      router.close();
    }
  }

  @Test
  void aDownstreamInvalidArgument_reachesTheCallerAsInvalidArgument_withTheDownstreamsDescription() throws Exception {
    try (TestGateway downstream = new TestGateway(List.of(new Route("thumbs", new DiscardRecordSink(), 4)));
        TestGateway upstream = new TestGateway(List.of(remote("thumbs", List.of("127.0.0.1:" + downstream.port()))))) {
      StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
          () -> upstream.blocking(TestGateway.Transport.IN_PROCESS).write(request("thumbs", "0123456789")));
      assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
      String d = e.getStatus().getDescription();
      assertTrue(d.contains("INVALID_ARGUMENT") && d.contains("record of 10 bytes is over route 'thumbs' limit of 4"), d);
    }
  }

  @Test
  void aDownstreamThatIsDown_answersUnavailableWithRetryInfo_afterTheRetries() throws Exception {
    String yaml = """
        sinks:
          thumbs:
            type: remote
            targets: ["127.0.0.1:%d"]
            timeout: 2s
            retry: { max_attempts: 3, initial_backoff: 10ms, max_backoff: 50ms }
            breaker: { failure_rate: 0.5, window: 20, open_for: 5s }
        """.formatted(closedPort());
    Router router = Routes.open(ConfigLoader.parse("remote.yaml", yaml).sinks(), System.out, w -> {});
    try (TestGateway upstream = new TestGateway(List.copyOf(router.routes().values()))) {
      StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
          () -> upstream.blocking(TestGateway.Transport.IN_PROCESS).write(request("thumbs", "lost?")));
      assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
      assertTrue(e.getStatus().getDescription().contains("downstream 127.0.0.1:"), e.getStatus().getDescription());
      assertTrue(SinkException.from(e).retryAfter().isPresent(), "no RetryInfo on " + e.getStatus());
    }
  }

  @Test
  void aSpoolInFrontOfADownstreamThatIsDown_acknowledgesUntilFull_thenResourceExhaustedWithRetryInfo_keepingEveryAcknowledgedRecord()
      throws Exception {
    Path spool = tmp.resolve("spool");
    String yaml = """
        sinks:
          thumbs:
            type: remote
            targets: ["127.0.0.1:%d"]
            timeout: 1s
            retry: { max_attempts: 2, initial_backoff: 10ms, max_backoff: 50ms }
            spool: { path: "%s", max_bytes: 64KiB, segment_bytes: 16KiB, fsync: always }
        """.formatted(closedPort(), spool);
    Router router = Routes.open(ConfigLoader.parse("spool.yaml", yaml).sinks(), System.out, w -> {});
    List<String> acknowledged = new java.util.ArrayList<>();
    try (TestGateway upstream = new TestGateway(List.copyOf(router.routes().values()))) {
      SinkGrpc.SinkBlockingStub stub = upstream.blocking(TestGateway.Transport.LOOPBACK);
      StatusRuntimeException full = null;
      for (int i = 0; i < 1000 && full == null; i++) {
        String data = i + ":" + "s".repeat(1000);
        try {
          WriteResponse r = stub.withDeadlineAfter(30, TimeUnit.SECONDS).write(request("thumbs", data));
          assertEquals(Durability.DURABILITY_SYNCED, r.getDurability(), "a spooled record is acknowledged as synced");
          acknowledged.add(data);
        } catch (StatusRuntimeException e) {
          full = e;
        }
      }
      assertTrue(full != null, "64 KiB of spool never filled with 1000 records of 1 KiB");
      assertEquals(Status.Code.RESOURCE_EXHAUSTED, full.getStatus().getCode(), full::toString);
      assertTrue(SinkException.from(full).retryAfter().isPresent(), "no RetryInfo on " + full.getStatus());
      assertTrue(acknowledged.size() >= 32, "records acknowledged before the spool was full: " + acknowledged.size());
    }
    List<String> spooled = new java.util.ArrayList<>();
    for (LogRecord r : LogReader.readAll(spool)) {
      spooled.add(new String(r.data(), StandardCharsets.UTF_8));
    }
    assertEquals(acknowledged, spooled, "the spool holds every acknowledged record, in order, and nothing else");
  }

  /** A downstream route that answers every record with {@code rejection}. */
  private static RecordSink refusing(dev.sinkgate.server.sink.RecordRejectedException rejection) {
    return new RecordSink() {
      @Override
      public CompletableFuture<Accepted> append(Record record) {
        return CompletableFuture.failedFuture(rejection);
      }

      @Override
      public void close() {}
    };
  }

  @Test
  void aDownstreamResourceExhausted_keepsItsCodeAndRetryInfo_andNotFoundStaysNotFound() throws Exception {
    var full = new dev.sinkgate.server.sink.RecordRejectedException(
        dev.sinkgate.server.sink.RecordRejectedException.Reason.QUEUE_FULL, "queue of 4096 records is full",
        Duration.ofMillis(700));
    try (TestGateway downstream = new TestGateway(List.of(new Route("thumbs", refusing(full), 1024)));
        TestGateway upstream = new TestGateway(List.of(remote("thumbs", List.of("127.0.0.1:" + downstream.port())),
            new Route("elsewhere", RemoteRecordSink.open("elsewhere", List.of("127.0.0.1:" + downstream.port()),
                "nosuch", Duration.ofSeconds(5)), 1024)))) {
      SinkGrpc.SinkBlockingStub stub = upstream.blocking(TestGateway.Transport.IN_PROCESS);
      StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> stub.write(request("thumbs", "x")));
      assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
      assertTrue(e.getStatus().getDescription().contains("RESOURCE_EXHAUSTED: queue of 4096 records is full"),
          e.getStatus().getDescription());
      assertEquals(Duration.ofMillis(700), SinkException.from(e).retryAfter().orElse(null));

      StatusRuntimeException missing = assertThrows(StatusRuntimeException.class,
          () -> stub.write(request("elsewhere", "x")));
      assertEquals(Status.Code.NOT_FOUND, missing.getStatus().getCode());
      assertTrue(missing.getStatus().getDescription().contains("no route named 'nosuch'"),
          missing.getStatus().getDescription());
    }
  }

  /** A downstream route that, once told to hold, holds every record until the test lets go. */
  private static final class Holding implements RecordSink {
    final List<CompletableFuture<Accepted>> held = new CopyOnWriteArrayList<>();
    volatile boolean hold;

    @Override
    public CompletableFuture<Accepted> append(Record record) {
      if (!hold) {
        return CompletableFuture.completedFuture(new Accepted(record.data().size(), Durability.DURABILITY_MEMORY, 0));
      }
      CompletableFuture<Accepted> f = new CompletableFuture<>();
      held.add(f);
      return f;
    }

    void release() {
      held.forEach(f -> f.complete(new Accepted(0, Durability.DURABILITY_MEMORY, 0)));
    }

    @Override
    public void close() {
      release();
    }
  }

  @Test
  void eachAttempt_endsAtTheRouteTimeout_orAtTheCallersDeadline_whicheverComesFirst() throws Exception {
    Holding slow = new Holding();
    try (TestGateway downstream = new TestGateway(List.of(new Route("thumbs", slow, 1024)));
        TestGateway upstream = new TestGateway(List.of(
            new Route("thumbs", RemoteRecordSink.open("thumbs", List.of("127.0.0.1:" + downstream.port()), "thumbs",
                Duration.ofSeconds(1)), 1024),
            new Route("patient", RemoteRecordSink.open("patient", List.of("127.0.0.1:" + downstream.port()), "thumbs",
                Duration.ofSeconds(30)), 1024)))) {
      try {
        SinkGrpc.SinkBlockingStub stub = upstream.blocking(TestGateway.Transport.IN_PROCESS);
        for (String route : List.of("thumbs", "patient")) { // connected before any deadline counts (a loaded machine)
          Poll.until(Duration.ofSeconds(30), () -> {
            try {
              return stub.write(request(route, "warm-up")).getWritten() == 7;
            } catch (StatusRuntimeException connecting) {
              return false;
            }
          }, () -> "route " + route + " connected");
        }
        slow.hold = true;
        long start = System.nanoTime();
        StatusRuntimeException byTimeout = assertThrows(StatusRuntimeException.class,
            () -> stub.withDeadlineAfter(20, TimeUnit.SECONDS).write(request("thumbs", "x")));
        assertEquals(Status.Code.DEADLINE_EXCEEDED, byTimeout.getStatus().getCode());
        assertTrue(byTimeout.getStatus().getDescription().contains("answered DEADLINE_EXCEEDED"),
            byTimeout.getStatus().getDescription());
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(15), "the route timeout did not apply");

        start = System.nanoTime();
        StatusRuntimeException byCaller = assertThrows(StatusRuntimeException.class,
            () -> stub.withDeadlineAfter(1, TimeUnit.SECONDS).write(request("patient", "x")));
        assertEquals(Status.Code.DEADLINE_EXCEEDED, byCaller.getStatus().getCode());
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(15), "the caller's deadline did not apply");
        Poll.until(Duration.ofSeconds(10), () -> slow.held.size() == 2, () -> "both calls reached the downstream, saw " + slow.held.size());
      } finally {
        slow.release();
      }
    }
  }

  private Router teeRouter(int downstreamPort, String ack) throws Exception {
    String yaml = """
        sinks:
          audit:  { type: file, path: %s }
          thumbs: { type: remote, targets: ["127.0.0.1:%d"], timeout: 10s }
          both:   { type: tee, routes: [audit, thumbs], ack: %s }
        """.formatted(tmp.resolve("audit"), downstreamPort, ack);
    return Routes.open(ConfigLoader.parse("tee.yaml", yaml).sinks(),
        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), w -> {});
  }

  @Test
  void teeAll_answersOnceEveryRouteAccepted_atTheWeakestDurability_andFailsNamingTheRouteThatFailed() throws Exception {
    CountingRecordSink counted = new CountingRecordSink(new DiscardRecordSink());
    try (TestGateway downstream = new TestGateway(List.of(new Route("thumbs", counted, 1024)));
        TestGateway gw = new TestGateway(List.copyOf(teeRouter(downstream.port(), "all").routes().values()))) {
      WriteResponse r = gw.blocking(TestGateway.Transport.IN_PROCESS).write(request("both", "fan-out"));
      assertEquals(7, r.getWritten());
      assertEquals(Durability.DURABILITY_SYNCED, r.getDurability(), "weakest of SYNCED (file) and DOWNSTREAM");
      assertEquals(1, counted.appends.get());
    }
    assertEquals(1, LogReader.readAll(tmp.resolve("audit")).size());
    try (TestGateway gw = new TestGateway(List.copyOf(teeRouter(closedPort(), "all").routes().values()))) {
      StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
          () -> gw.blocking(TestGateway.Transport.IN_PROCESS).write(request("both", "half")));
      assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
      assertTrue(e.getStatus().getDescription().contains("route 'thumbs' failed"), e.getStatus().getDescription());
    }
  }

  @Test
  void aTeeListedBeforeItsRoutes_opensAfterThem_withTheSmallestSizeLimit_andClosesFirst() throws Exception {
    String yaml = """
        sinks:
          both: { type: tee, routes: [small, trash] }
          small: { type: discard, max_record_bytes: 8 }
          trash: { type: discard }
        """;
    try (Router router = Routes.open(ConfigLoader.parse("order.yaml", yaml).sinks(), System.out, w -> {})) {
      assertEquals(List.of("small", "trash", "both"), router.names(), "opened after its routes, so closed before them");
      assertEquals(8, router.routes().get("both").maxRecordBytes());
      Accepted a = router.resolve("both", 3).sink().append(Record.of(new byte[3])).get(5, TimeUnit.SECONDS);
      assertEquals(Durability.DURABILITY_MEMORY, a.durability());
    }
  }

  @Test
  void teeAny_answersAtTheFirstSuccess_whileAnotherRouteIsDown() throws Exception {
    try (TestGateway gw = new TestGateway(List.copyOf(teeRouter(closedPort(), "any").routes().values()))) {
      WriteResponse r = gw.blocking(TestGateway.Transport.IN_PROCESS).write(request("both", "one-is-enough"));
      assertEquals(Durability.DURABILITY_SYNCED, r.getDurability(), "answered by the file route");
    }
    List<LogRecord> audit = LogReader.readAll(tmp.resolve("audit"));
    assertEquals("one-is-enough", new String(audit.get(audit.size() - 1).data(), StandardCharsets.UTF_8));
  }
}
