package dev.sinkgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.sinkgate.client.DataSink;
import dev.sinkgate.proto.v1.Durability;
import dev.sinkgate.proto.v1.SinkGrpc;
import dev.sinkgate.proto.v1.WriteRequest;
import dev.sinkgate.proto.v1.WriteResponse;
import dev.sinkgate.server.log.FileLog;
import dev.sinkgate.server.log.FileLogSink;
import dev.sinkgate.server.log.FsyncPolicy;
import dev.sinkgate.server.metrics.PrometheusScrape;
import dev.sinkgate.server.metrics.PrometheusText;
import dev.sinkgate.server.metrics.SinkMetrics;
import dev.sinkgate.server.route.Route;
import dev.sinkgate.server.route.Router;
import dev.sinkgate.server.sink.DataSinkRecordSink;
import dev.sinkgate.server.sink.DiscardRecordSink;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The counters and the {@code GET /metrics} endpoint, end to end: a real gateway on
 * loopback, real writes through gRPC, a real HTTP scrape parsed strictly.
 */
class MetricsEndpointTest {
  private static final String ACCEPTED = "sinkgate_records_accepted_total{route=\"%s\"}";
  private static final String BYTES = "sinkgate_bytes_accepted_total{route=\"%s\"}";
  private static final String DUPLICATE = "sinkgate_records_duplicate_total{route=\"%s\"}";
  private static final String REFUSED = "sinkgate_records_refused_total{route=\"%s\",code=\"%s\"}";
  private static final String UNROUTED = "sinkgate_records_unrouted_total{code=\"%s\"}";

  @TempDir
  Path tmp;

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final List<AutoCloseable> opened = Collections.synchronizedList(new ArrayList<>());

  @AfterEach
  void closeAll() throws Exception {
    Collections.reverse(opened);
    for (AutoCloseable c : opened) {
      c.close();
    }
  }

  /** Routes {@code trash} (discard) and {@code audit} (a file log, records up to 1 KiB), metrics on loopback port 0. */
  private Gateway gateway(Route... extra) throws IOException {
    FileLog log = FileLog.open(tmp.resolve("audit"), w -> {});
    List<Route> routes = new ArrayList<>(List.of(
        new Route("trash", new DiscardRecordSink(), Route.DEFAULT_MAX_RECORD_BYTES),
        new Route("audit", new FileLogSink("audit", log, FsyncPolicy.ALWAYS, 4096, 64L << 20, Clock.systemUTC()), 1024)));
    routes.addAll(List.of(extra));
    Gateway gw = Gateway.builder(new Router(routes))
        .listen(List.of(new InetSocketAddress("127.0.0.1", 0)))
        .metricsListen(new InetSocketAddress("127.0.0.1", 0))
        .drainTimeout(Duration.ofSeconds(10))
        .build()
        .start();
    opened.add(gw);
    return gw;
  }

  private SinkGrpc.SinkBlockingStub blocking(Gateway gw) {
    return SinkGrpc.newBlockingStub(channel(gw)).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  private ManagedChannel channel(Gateway gw) {
    ManagedChannel c = NettyChannelBuilder.forAddress(gw.boundAddresses().get(0)).usePlaintext().build();
    opened.add(() -> {
      c.shutdownNow();
      c.awaitTermination(5, TimeUnit.SECONDS);
    });
    return c;
  }

  private static URI metricsUri(Gateway gw, String path) {
    InetSocketAddress a = gw.metricsAddress().orElseThrow();
    return URI.create("http://127.0.0.1:" + a.getPort() + path);
  }

  private HttpResponse<String> get(URI uri) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private PrometheusScrape scrape(Gateway gw) throws IOException, InterruptedException {
    HttpResponse<String> r = get(metricsUri(gw, "/metrics"));
    assertEquals(200, r.statusCode(), r::body);
    assertEquals(PrometheusText.CONTENT_TYPE, r.headers().firstValue("Content-Type").orElse(""));
    return PrometheusScrape.parse(r.body());
  }

  private static WriteRequest record(String sink, int bytes) {
    return WriteRequest.newBuilder().setSink(sink).setData(ByteString.copyFrom(new byte[bytes])).build();
  }

  private static Status.Code refusal(Runnable write) {
    return assertThrows(StatusRuntimeException.class, write::run).getStatus().getCode();
  }

  private static void awaitIdle(Gateway gw) throws InterruptedException {
    Poll.until(Duration.ofSeconds(10), () -> {
      SinkMetrics.Snapshot s = gw.metrics().snapshot();
      return s.callsInFlight() == 0 && s.streamsOpen() == 0;
    }, () -> "no call in flight: " + gw.metrics().snapshot());
  }

  @Test
  void metrics_countEveryAnsweredRecordPerRouteAndCode_unaryAndStreamed() throws Exception {
    Gateway gw = gateway();
    PrometheusScrape before = scrape(gw);
    for (String route : List.of("trash", "audit")) {
      assertEquals(0, before.value(ACCEPTED.formatted(route)), "every route appears at 0 from the start");
      assertEquals(0, before.value(BYTES.formatted(route)));
      assertEquals(0, before.value(DUPLICATE.formatted(route)));
      assertFalse(before.has(REFUSED.formatted(route, "INVALID_ARGUMENT")));
    }
    assertEquals(0, before.value("sinkgate_calls_in_flight"));
    assertEquals(0, before.value("sinkgate_streams_open"));

    SinkGrpc.SinkBlockingStub stub = blocking(gw);
    for (int i = 0; i < 5; i++) {
      stub.write(record("trash", 100));
    }
    for (int seq = 1; seq <= 3; seq++) {
      stub.write(record("audit", 200).toBuilder().setProducerId("p1").setSequence(seq).build());
    }
    WriteResponse retry = stub.write(record("audit", 200).toBuilder().setProducerId("p1").setSequence(2).build());
    assertTrue(retry.getDuplicate());
    assertEquals(Status.Code.INVALID_ARGUMENT, refusal(() -> stub.write(record("audit", 2000))));
    assertEquals(Status.Code.NOT_FOUND, refusal(() -> stub.write(record("nosuch", 10))));
    assertEquals(Status.Code.INVALID_ARGUMENT, refusal(() -> stub.write(record("bad name!", 10))));

    SinkGrpc.SinkStub async = SinkGrpc.newStub(channel(gw));
    List<WriteRequest> toTrash = Collections.nCopies(7, record("trash", 50));
    StreamingCall ok = StreamingCall.start(async, toTrash.iterator());
    assertEquals(Status.OK, ok.done.get(10, TimeUnit.SECONDS));
    // Two records stored, then one over audit's 1 KiB limit: the stream ends there, the fourth is not taken.
    List<WriteRequest> toAudit = List.of(record("audit", 10), record("audit", 10), record("audit", 2000),
        record("audit", 10));
    StreamingCall refused = StreamingCall.start(async, toAudit.iterator());
    assertEquals(Status.Code.INVALID_ARGUMENT, refused.done.get(10, TimeUnit.SECONDS).getCode());
    assertEquals(2, refused.ackedCount());
    awaitIdle(gw);

    PrometheusScrape after = scrape(gw);

    assertEquals(5 + 7, after.value(ACCEPTED.formatted("trash")));
    assertEquals(5 * 100 + 7 * 50, after.value(BYTES.formatted("trash")));
    assertEquals(0, after.value(DUPLICATE.formatted("trash")));
    assertFalse(after.samples().keySet().stream().anyMatch(s -> s.contains("refused_total{route=\"trash\"")),
        () -> "nothing refused on trash: " + after.samples());
    assertEquals(3 + 1 + 2, after.value(ACCEPTED.formatted("audit")), "the duplicate is acknowledged too");
    assertEquals(4 * 200 + 2 * 10, after.value(BYTES.formatted("audit")));
    assertEquals(1, after.value(DUPLICATE.formatted("audit")));
    assertEquals(2, after.value(REFUSED.formatted("audit", "INVALID_ARGUMENT")), "one unary, one streamed");
    assertEquals(1, after.value(UNROUTED.formatted("NOT_FOUND")));
    assertEquals(1, after.value(UNROUTED.formatted("INVALID_ARGUMENT")));
    assertEquals(0, after.value("sinkgate_calls_in_flight"));
    assertEquals(0, after.value("sinkgate_streams_open"));
    SinkMetrics.Snapshot snapshot = gw.metrics().snapshot();
    SinkMetrics.RouteCounts audit = snapshot.route("audit");
    assertEquals(new SinkMetrics.RouteCounts(6, 820, 1, java.util.Map.of(Status.Code.INVALID_ARGUMENT, 2L),
        audit.fsyncs()), audit, "the snapshot and the scrape agree");
    // fsync: always syncs each group it writes: at least once, at most once per record stored
    // (5) plus once for the segment the log starts.
    assertTrue(audit.fsyncs() >= 1 && audit.fsyncs() <= 6, "fsyncs " + audit.fsyncs());
    assertEquals(audit.fsyncs(), after.value("sinkgate_fsyncs_total{route=\"audit\"}"));
    assertEquals(0, after.value("sinkgate_fsyncs_total{route=\"trash\"}"), "discard does not sync");
  }

  @Test
  void counts_areExactUnderConcurrentStreamsAndUnaryWriters() throws Exception {
    Gateway gw = gateway();
    SinkGrpc.SinkStub async = SinkGrpc.newStub(channel(gw));
    List<StreamingCall> streams = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      streams.add(StreamingCall.start(async, Collections.nCopies(500, record("trash", 10 + i)).iterator()));
    }
    List<CompletableFuture<Void>> writers = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      SinkGrpc.SinkBlockingStub stub = blocking(gw);
      writers.add(CompletableFuture.runAsync(() -> {
        for (int n = 0; n < 50; n++) {
          stub.write(record("trash", 3));
        }
      }));
    }
    for (StreamingCall s : streams) {
      assertEquals(Status.OK, s.done.get(30, TimeUnit.SECONDS));
    }
    CompletableFuture.allOf(writers.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
    awaitIdle(gw);

    PrometheusScrape after = scrape(gw);

    assertEquals(4 * 500 + 4 * 50, after.value(ACCEPTED.formatted("trash")));
    assertEquals(500 * (10 + 11 + 12 + 13) + 4 * 50 * 3, after.value(BYTES.formatted("trash")));
  }

  @Test
  void gauges_showAnOpenStreamAndItsCall_untilTheStreamEnds() throws Exception {
    Gateway gw = gateway();
    StreamingCall open = StreamingCall.startOpen(SinkGrpc.newStub(channel(gw)), List.of(record("trash", 1)).iterator());
    Poll.until(Duration.ofSeconds(10), () -> open.ackedCount() == 1, () -> "the first record acknowledged");

    PrometheusScrape during = scrape(gw);
    open.cancel();
    awaitIdle(gw);
    PrometheusScrape after = scrape(gw);

    assertEquals(1, during.value("sinkgate_streams_open"));
    assertEquals(1, during.value("sinkgate_calls_in_flight"));
    assertEquals(1, during.value(ACCEPTED.formatted("trash")));
    assertEquals(0, after.value("sinkgate_streams_open"));
    assertEquals(0, after.value("sinkgate_calls_in_flight"));
  }

  @Test
  void endpoint_servesOnlyGetMetrics_otherPathsAre404_otherMethods405() throws Exception {
    Gateway gw = gateway();

    HttpResponse<String> root = get(metricsUri(gw, "/"));
    HttpResponse<String> other = get(metricsUri(gw, "/stats"));
    HttpResponse<String> post = http.send(HttpRequest.newBuilder(metricsUri(gw, "/metrics"))
        .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());

    assertEquals(404, root.statusCode());
    assertEquals(404, other.statusCode());
    MainRun.assertContains("this endpoint serves GET /metrics", other.body());
    assertEquals(405, post.statusCode());
    assertEquals("GET", post.headers().firstValue("Allow").orElse(""));
  }

  @Test
  void endpoint_staysUpWhileTheDrainWaitsForWrites_thenIsClosed() throws Exception {
    BlockingDataSink slow = new BlockingDataSink();
    Gateway gw = gateway(new Route("slow", new DataSinkRecordSink("slow", slow, Durability.DURABILITY_MEMORY, 16, 1 << 20),
        Route.DEFAULT_MAX_RECORD_BYTES));
    URI metrics = metricsUri(gw, "/metrics");
    CompletableFuture<WriteResponse> held = CompletableFuture.supplyAsync(() -> blocking(gw).write(record("slow", 3)));
    slow.awaitEntered();
    CompletableFuture<Boolean> drain = CompletableFuture.supplyAsync(() -> gw.drain(Duration.ofSeconds(10)));
    SinkGrpc.SinkBlockingStub probe = blocking(gw);
    Poll.until(Duration.ofSeconds(10), () -> refusal(() -> probe.write(record("nosuch", 1))) == Status.Code.UNAVAILABLE,
        () -> "the draining gateway refuses new calls");

    PrometheusScrape during = scrape(gw);
    slow.release();
    assertEquals(3, held.get(10, TimeUnit.SECONDS).getWritten());
    assertTrue(drain.get(10, TimeUnit.SECONDS), "a clean drain");

    assertEquals(1, during.value("sinkgate_calls_in_flight"), "the held write, and no refused probe");
    assertEquals(0, during.value(ACCEPTED.formatted("slow")));
    assertThrows(ConnectException.class, () -> get(metrics), "the endpoint is closed after the drain");
  }

  @Test
  void start_onABusyMetricsPort_failsNamingTheAddress_andClosesTheRoutes() throws Exception {
    AtomicBoolean closed = new AtomicBoolean();
    DataSink watched = new DataSink() {
      @Override
      public int write(byte[] data) {
        return data.length;
      }

      @Override
      public void close() {
        closed.set(true);
      }
    };
    try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      Gateway.Builder b = Gateway.builder()
          .route("watched", watched)
          .listen(List.of(new InetSocketAddress("127.0.0.1", 0)))
          .metricsListen(new InetSocketAddress("127.0.0.1", busy.getLocalPort()));
      Gateway gw = b.build();

      IOException e = assertThrows(IOException.class, gw::start);

      MainRun.assertContains("cannot serve metrics on 127.0.0.1:" + busy.getLocalPort(), e.getMessage());
      assertTrue(closed.get(), "the route's sink is closed when the start fails");
    }
  }
}
