package dev.sinkgate.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.sinkgate.client.DataSink;
import dev.sinkgate.client.RetryPolicy;
import dev.sinkgate.client.SinkClient;
import dev.sinkgate.client.SinkException;
import dev.sinkgate.client.StreamWriter;
import dev.sinkgate.proto.v1.Durability;
import dev.sinkgate.proto.v1.WriteRequest;
import dev.sinkgate.proto.v1.WriteResponse;
import dev.sinkgate.server.TestGateway.Transport;
import dev.sinkgate.server.log.FileLog;
import dev.sinkgate.server.log.FileLogSink;
import dev.sinkgate.server.log.FsyncPolicy;
import dev.sinkgate.server.log.LogReader;
import dev.sinkgate.server.log.LogRecord;
import dev.sinkgate.server.route.Route;
import dev.sinkgate.server.sink.DataSinkRecordSink;
import dev.sinkgate.server.sink.DiscardRecordSink;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The Java client against a real gateway, on both transports. */
class SinkClientTest {
  @TempDir Path dir;

  private Route fileRoute(String name) throws Exception {
    return new Route(name, new FileLogSink(name, FileLog.open(dir.resolve(name), w -> {}),
        FsyncPolicy.ALWAYS, 4096, 64 << 20, Clock.systemUTC()), Route.DEFAULT_MAX_RECORD_BYTES);
  }

  private static SinkClient client(TestGateway gw, Transport t) {
    return SinkClient.builder(gw.channel(t)).deadline(Duration.ofSeconds(30)).build();
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void sink_isABlockingDataSinkBoundToItsRoute(Transport t) throws Exception {
    try (TestGateway gw = new TestGateway(List.of(fileRoute("audit")));
        SinkClient client = client(gw, t)) {
      DataSink audit = client.sink("audit");
      assertEquals(5, audit.write("hello".getBytes(StandardCharsets.UTF_8)));
      assertEquals(0, audit.write(new byte[0]));
      assertTrue(audit.toString().contains("sink(audit)"), audit.toString());
    }
    List<LogRecord> stored = LogReader.readAll(dir.resolve("audit"));
    assertEquals(List.of("hello", ""), stored.stream().map(r -> new String(r.data(), StandardCharsets.UTF_8)).toList());
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void writeAsync_completesWithTheResponseAndFailuresAreSinkExceptions(Transport t) throws Exception {
    try (TestGateway gw = new TestGateway(List.of(fileRoute("audit")));
        SinkClient client = client(gw, t)) {
      List<CompletableFuture<WriteResponse>> futures = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        futures.add(client.writeAsync(WriteRequest.newBuilder().setSink("audit")
            .setData(ByteString.copyFromUtf8("r" + i)).setKey("k").build()));
      }
      List<Long> offsets = new ArrayList<>();
      for (CompletableFuture<WriteResponse> f : futures) {
        WriteResponse r = f.get(30, TimeUnit.SECONDS);
        assertEquals(Durability.DURABILITY_SYNCED, r.getDurability());
        offsets.add(r.getOffset());
      }
      Collections.sort(offsets);
      for (int i = 0; i < 100; i++) {
        assertEquals(i, offsets.get(i), "each record got its own offset");
      }

      SinkException e = assertThrows(SinkException.class, () -> client.write("nope", new byte[1]));
      assertEquals(Status.Code.NOT_FOUND, e.code());
      assertFalse(e.retryable());
      assertTrue(e.description().contains("no route named 'nope'"), e.description());
    }
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void streamWriter_100kRecordsAreAcknowledgedAndStoredInOrder(Transport t) throws Exception {
    int n = 100_000;
    long bytes = 0;
    try (TestGateway gw = new TestGateway(List.of(fileRoute("default")));
        SinkClient client = client(gw, t)) {
      StreamWriter w = client.openStream(512);
      for (int i = 0; i < n; i++) {
        byte[] data = ("rec-" + i).getBytes(StandardCharsets.UTF_8);
        bytes += data.length;
        w.write(WriteRequest.newBuilder().setData(ByteString.copyFrom(data)).putHeaders("i", Integer.toString(i)).build());
        assertTrue(w.inFlight() <= 512, "in flight " + w.inFlight() + " exceeds the window");
      }
      w.close();
      assertEquals(n, w.acknowledged());
      assertEquals(bytes, w.acknowledgedBytes());
      assertEquals(Durability.DURABILITY_SYNCED, w.durability());
    }
    List<LogRecord> stored = LogReader.readAll(dir.resolve("default"));
    assertEquals(n, stored.size());
    for (int i = 0; i < n; i++) {
      assertArrayEquals(("rec-" + i).getBytes(StandardCharsets.UTF_8), stored.get(i).data(), "record " + i);
      assertEquals(Integer.toString(i), stored.get(i).headers().get("i"));
    }
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void flush_returnsOnlyOnceEverythingWrittenIsAcknowledged(Transport t) throws Exception {
    BlockingDataSink slow = new BlockingDataSink();
    try (TestGateway gw = new TestGateway(List.of(new Route("slow",
            new DataSinkRecordSink("slow", slow, Durability.DURABILITY_MEMORY, 100, 1 << 20), 1024)));
        SinkClient client = client(gw, t)) {
      StreamWriter w = client.openStream(16);
      for (int i = 0; i < 5; i++) {
        w.write("slow", ("r" + i).getBytes(StandardCharsets.UTF_8));
      }
      CompletableFuture<Void> flushed = CompletableFuture.runAsync(w::flush);
      slow.awaitEntered();
      assertFalse(flushed.isDone(), "flush returned before the sink accepted anything");
      assertTrue(w.acknowledged() < 5);
      slow.release();
      flushed.get(30, TimeUnit.SECONDS);
      assertEquals(5, w.acknowledged(), "flush returned with records unacknowledged");
      w.close();
      assertEquals(List.of("r0", "r1", "r2", "r3", "r4"), slow.stored());
    }
  }

  @ParameterizedTest
  @EnumSource(value = Transport.class, names = "LOOPBACK")
  void streamWriter_behindASlowSink_neverExceedsItsWindowAndLosesNothing(Transport t) throws Exception {
    int window = 32;
    int n = 3_000;
    AtomicInteger stored = new AtomicInteger();
    DataSink slow = data -> {
      // Slow enough that the writer must wait for acks, fast enough to finish quickly.
      if (stored.incrementAndGet() % 100 == 0) {
        try {
          Thread.sleep(20);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return data.length;
    };
    try (TestGateway gw = new TestGateway(List.of(new Route("slow",
            new DataSinkRecordSink("slow", slow, Durability.DURABILITY_MEMORY, 100_000, 1L << 30), 1 << 20)));
        SinkClient client = client(gw, t)) {
      StreamWriter w = client.openStream(window);
      int maxInFlight = 0;
      byte[] payload = new byte[2048];
      for (int i = 0; i < n; i++) {
        w.write("slow", payload);
        maxInFlight = Math.max(maxInFlight, w.inFlight());
      }
      w.close();
      assertTrue(maxInFlight <= window, "in flight reached " + maxInFlight + " with a window of " + window);
      assertEquals(n, w.acknowledged());
      assertEquals(n, stored.get(), "every record reached the sink exactly once");
    }
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void streamWriter_failedStream_reportsWhichRecordsWereNotAcknowledged(Transport t) throws Exception {
    try (TestGateway gw = new TestGateway(List.of(new Route("trash", new DiscardRecordSink(), 1024)));
        SinkClient client = client(gw, t)) {
      StreamWriter w = client.openStream(64);
      w.write("trash", "a".getBytes(StandardCharsets.UTF_8));
      w.write("trash", "b".getBytes(StandardCharsets.UTF_8));
      w.write("missing", "c".getBytes(StandardCharsets.UTF_8));
      StreamWriter.StreamFailedException e = assertThrows(StreamWriter.StreamFailedException.class, w::close);
      assertEquals(Status.Code.NOT_FOUND, e.code());
      assertEquals(2, e.acknowledged());
      assertEquals(1, e.unacknowledged().size());
      assertEquals("c", e.unacknowledged().get(0).getData().toStringUtf8());
      assertTrue(e.description().contains("record 2 of this stream"), e.description());
      assertThrows(IllegalStateException.class, () -> w.write("trash", new byte[1]), "writes after close are refused");
    }
  }

  @ParameterizedTest
  @EnumSource(value = Transport.class, names = "LOOPBACK")
  void close_withWritesInFlight_waitsForThemWithinTheCloseTimeout(Transport t) throws Exception {
    BlockingDataSink slow = new BlockingDataSink();
    TestGateway gw = new TestGateway(List.of(new Route("slow",
        new DataSinkRecordSink("slow", slow, Durability.DURABILITY_MEMORY, 100, 1 << 20), 1024)));
    try {
      // A client built from a target owns its channel: close() shuts it down gracefully.
      SinkClient client = SinkClient.builder("127.0.0.1:" + gw.port()).closeTimeout(Duration.ofSeconds(20)).build();
      CompletableFuture<WriteResponse> inFlight = client.writeAsync(
          WriteRequest.newBuilder().setSink("slow").setData(ByteString.copyFromUtf8("held")).build());
      slow.awaitEntered();
      CompletableFuture<Void> closed = CompletableFuture.runAsync(client::close);
      assertFalse(closed.isDone());
      slow.release();
      assertEquals(4, inFlight.get(20, TimeUnit.SECONDS).getWritten(), "the in-flight write finished");
      closed.get(20, TimeUnit.SECONDS);
      assertThrows(IllegalStateException.class, () -> client.write("slow", new byte[1]));
      client.close(); // idempotent
    } finally {
      slow.release();
      gw.close();
    }
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void close_ofAClientOnAGivenChannel_leavesTheChannelToItsOwner(Transport t) throws Exception {
    try (TestGateway gw = new TestGateway(List.of(new Route("trash", new DiscardRecordSink(), 1024)))) {
      var channel = gw.channel(t);
      SinkClient first = SinkClient.builder(channel).build();
      first.write("trash", new byte[3]);
      first.close();
      assertFalse(channel.isShutdown(), "the client closed a channel it does not own");
      try (SinkClient second = SinkClient.builder(channel).build()) {
        assertEquals(3, second.write("trash", new byte[3]).getWritten());
      }
    }
  }

  @Test
  void embeddedGateway_mountsAnyObjectsWriteMethodAsARoute() throws Exception {
    final class Bucket {
      final List<String> items = Collections.synchronizedList(new ArrayList<>());

      int write(byte[] data) {
        items.add(new String(data, StandardCharsets.UTF_8));
        return data.length;
      }
    }
    Bucket bucket = new Bucket();
    String name = "embedded-" + System.nanoTime();
    Gateway gateway = Gateway.builder().route("bucket", bucket::write).inProcess(name).build().start();
    try (SinkClient client = SinkClient.builder(InProcessChannelBuilder.forName(name).build()).build()) {
      WriteResponse r = client.write("bucket", "into the bucket".getBytes(StandardCharsets.UTF_8));
      assertEquals(15, r.getWritten());
      assertEquals(Durability.DURABILITY_MEMORY, r.getDurability());
      assertEquals(List.of("into the bucket"), bucket.items);
    } finally {
      gateway.close();
    }
  }

  @Test
  void chainedGateways_forwardThroughAClientSinkAndKeepTheDownstreamStatus() throws Exception {
    try (TestGateway downstream = new TestGateway(List.of(new Route("x", new DiscardRecordSink(), 1024)));
        SinkClient toDownstream = SinkClient.builder("127.0.0.1:" + downstream.port())
            .retryPolicy(RetryPolicy.none()).build()) {
      String name = "upstream-" + System.nanoTime();
      Gateway upstream = Gateway.builder()
          .route("forward", toDownstream.sink("x"))
          .route("broken", toDownstream.sink("missing"))
          .inProcess(name).build().start();
      try (SinkClient client = SinkClient.builder(InProcessChannelBuilder.forName(name).build())
          .retryPolicy(RetryPolicy.none()).build()) {
        assertEquals(6, client.write("forward", "hop-hop".substring(1).getBytes(StandardCharsets.UTF_8)).getWritten());
        SinkException e = assertThrows(SinkException.class, () -> client.write("broken", new byte[1]));
        assertEquals(Status.Code.NOT_FOUND, e.code(), "the downstream's NOT_FOUND is not turned into INTERNAL");
        assertTrue(e.description().contains("downstream answered"), e.description());
        assertTrue(e.description().contains("no route named 'missing'"), e.description());
      } finally {
        upstream.close();
      }
    }
  }

  @Test
  void connect_acceptsHostPortAndDnsTargets() throws Exception {
    try (TestGateway gw = new TestGateway(List.of(new Route("trash", new DiscardRecordSink(), 1024)))) {
      for (String target : List.of("127.0.0.1:" + gw.port(), "localhost:" + gw.port(), "dns:///localhost:" + gw.port())) {
        try (SinkClient client = SinkClient.connect(target)) {
          assertEquals(2, client.write("trash", new byte[2]).getWritten(), target);
          assertTrue(client.toString().contains(target), client.toString());
        }
      }
    }
  }

  @Test
  void builder_rejectsABlankTargetAndANonPositiveDeadline() {
    IllegalArgumentException blank = assertThrows(IllegalArgumentException.class, () -> SinkClient.builder(" "));
    assertTrue(blank.getMessage().contains("expected: host:port"), blank.getMessage());
    IllegalArgumentException deadline = assertThrows(IllegalArgumentException.class,
        () -> SinkClient.builder("localhost:1").deadline(Duration.ZERO));
    assertTrue(deadline.getMessage().contains("expected: > 0"), deadline.getMessage());
    assertThrows(IllegalArgumentException.class, () -> RetryPolicy.exponential(0, Duration.ZERO, Duration.ZERO));
  }

  @Test
  void directExecutor_completesOnTheTransportsThread_theDefaultHandsOffToGrpcsExecutor() throws Exception {
    String direct = completionThread(true);
    assertTrue(direct.contains("worker"), "direct: a Netty event loop thread, not " + direct);
    String handedOff = completionThread(false);
    assertTrue(handedOff.startsWith("grpc-default-executor"), "default: grpc's executor, not " + handedOff);
  }

  /** The thread that completes a writeAsync future; the sink holds the record until the callback is attached. */
  private static String completionThread(boolean directExecutor) throws Exception {
    BlockingDataSink slow = new BlockingDataSink();
    try (TestGateway gw = new TestGateway(List.of(new Route("slow",
        new DataSinkRecordSink("slow", slow, Durability.DURABILITY_MEMORY, 100, 1 << 20), 1024)))) {
      SinkClient.Builder b = SinkClient.builder("127.0.0.1:" + gw.port());
      try (SinkClient client = (directExecutor ? b.directExecutor() : b).build()) {
        CompletableFuture<String> thread = client.writeAsync(WriteRequest.newBuilder().setSink("slow")
            .setData(ByteString.copyFromUtf8("x")).build()).thenApply(r -> Thread.currentThread().getName());
        slow.awaitEntered();
        slow.release();
        return thread.get(30, TimeUnit.SECONDS);
      }
    }
  }
}
