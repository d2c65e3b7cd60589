package dev.sinkgate.server.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.sinkgate.proto.v1.Durability;
import dev.sinkgate.proto.v1.SinkGrpc;
import dev.sinkgate.proto.v1.WriteRequest;
import dev.sinkgate.proto.v1.WriteResponse;
import dev.sinkgate.server.Gateway;
import dev.sinkgate.server.route.Route;
import dev.sinkgate.server.route.Router;
import dev.sinkgate.server.sink.Accepted;
import dev.sinkgate.server.sink.Record;
import dev.sinkgate.server.sink.RecordRejectedException;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.inprocess.InProcessChannelBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A failed fsync ends a file route: the records it was meant to cover fail
 * {@code UNAVAILABLE} naming the failure, every later record fails at once, the route
 * reports itself unhealthy, and the file is never forced again (after a failed fsync the
 * kernel may have dropped the dirty pages, so a later success would prove nothing: the
 * {@link FaultyFiles} here let the next force succeed, as such a kernel would).
 */
class FsyncFailureTest {
  private static final Duration INTERVAL = Duration.ofHours(1); // passes only when the fake ticker says so
  private static final Clock CLOCK = Clock.fixed(Instant.ofEpochMilli(1_700_000_000_000L), ZoneOffset.UTC);
  private static final String FSYNC_FAILED = "fsync of 00000000000000000000.log failed"
      + " (java.io.IOException: simulated fsync failure";

  @TempDir
  Path tmp;

  private final FaultyFiles files = new FaultyFiles();
  private final AtomicInteger healthChanges = new AtomicInteger();

  /** A sink named {@code audit} over {@link #files}. */
  private FileLogSink auditSink(FsyncPolicy fsync, LongSupplier ticker) throws IOException {
    FileLog log = FileLog.open(tmp.resolve("audit"), FileLog.Options.DEFAULT, CLOCK, files, w -> {});
    FileLogSink sink = new FileLogSink("audit", log, fsync, INTERVAL, 1024, 1L << 20, CLOCK, ticker);
    sink.onHealthChange(healthChanges::incrementAndGet);
    return sink;
  }

  private static Record record(String data) {
    return new Record("", Map.of(), data.getBytes(StandardCharsets.UTF_8), Long.MAX_VALUE);
  }

  private static RecordRejectedException rejected(CompletableFuture<Accepted> f) throws Exception {
    ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(30, TimeUnit.SECONDS));
    return assertInstanceOf(RecordRejectedException.class, e.getCause());
  }

  /** The route is failed: unhealthy, told its listeners once, and refuses a record at once, naming the fsync failure. */
  private void assertFailedForGood(FileLogSink sink) throws Exception {
    assertFalse(sink.healthy());
    assertEquals(1, healthChanges.get(), "health listener calls");
    CompletableFuture<Accepted> later = sink.append(record("later"));
    assertTrue(later.isDone(), "a record after the failure was queued instead of refused at once");
    RecordRejectedException e = rejected(later);
    assertEquals(RecordRejectedException.Reason.UNAVAILABLE, e.reason());
    assertTrue(e.getMessage().contains(FSYNC_FAILED), e.getMessage());
  }

  @Test
  void fsyncAlways_failedForce_failsItsGroupUnavailableAndEndsTheRouteWithoutForcingAgain() throws Exception {
    FileLogSink sink = auditSink(FsyncPolicy.ALWAYS, System::nanoTime);
    long forcesAfterFailure;
    try {
      assertEquals(Durability.DURABILITY_SYNCED, sink.append(record("before")).get(30, TimeUnit.SECONDS).durability());
      assertTrue(sink.healthy());
      files.failNextForce();

      RecordRejectedException e = rejected(sink.append(record("during")));

      assertEquals(RecordRejectedException.Reason.UNAVAILABLE, e.reason());
      assertTrue(e.getMessage().startsWith("route 'audit': file log "), e.getMessage());
      assertTrue(e.getMessage().contains(FSYNC_FAILED), e.getMessage());
      assertTrue(e.getMessage().endsWith("until the gateway restarts and recovers the log"), e.getMessage());
      forcesAfterFailure = files.forces();
      assertFailedForGood(sink);
    } finally {
      sink.close();
    }
    assertEquals(forcesAfterFailure, files.forces(), "forced again after the failure (close included)");
    // A restart recovers what was acknowledged, not the refused group (a resend would store it twice).
    try (FileLog reopened = FileLog.open(tmp.resolve("audit"), w -> {})) {
      assertEquals(1, reopened.nextOffset());
    }
    assertEquals(List.of("before"), LogReader.readAll(tmp.resolve("audit")).stream()
        .map(r -> new String(r.data(), StandardCharsets.UTF_8)).toList());
  }

  @Test
  void fsyncInterval_failedIntervalSync_endsTheRouteWithoutForcingAgain() throws Exception {
    AtomicLong nanos = new AtomicLong();
    FileLogSink sink = auditSink(FsyncPolicy.INTERVAL, nanos::get);
    long forcesAfterFailure;
    try {
      long forcesBefore = files.forces(); // creating the first segment forced it
      assertEquals(Durability.DURABILITY_WRITTEN, sink.append(record("written")).get(30, TimeUnit.SECONDS).durability());
      files.failNextForce();

      nanos.addAndGet(INTERVAL.toNanos());
      sink.writerPass().get(30, TimeUnit.SECONDS);

      forcesAfterFailure = files.forces();
      assertEquals(forcesBefore + 1, forcesAfterFailure, "the interval sync, and nothing else");
      assertFailedForGood(sink);
      sink.append(record("refused"));
      nanos.addAndGet(INTERVAL.toNanos() * 2);
      sink.writerPass().get(30, TimeUnit.SECONDS);
    } finally {
      sink.close();
    }
    assertEquals(forcesAfterFailure, files.forces(), "forced again after the failure (close included)");
  }

  private static WriteResponse write(ManagedChannel channel, String route, String data) {
    return SinkGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS).write(WriteRequest.newBuilder()
        .setSink(route).setData(ByteString.copyFrom(data, StandardCharsets.UTF_8)).build());
  }

  private static ServingStatus health(ManagedChannel channel, String route) {
    return HealthGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
        .check(HealthCheckRequest.newBuilder().setService(Gateway.healthName(route)).build()).getStatus();
  }

  @Test
  void gateway_failedFsync_answersUnavailableAndTakesOnlyThatRouteOutOfService() throws Exception {
    FileLogSink events = new FileLogSink("events", FileLog.open(tmp.resolve("events"), w -> {}),
        FsyncPolicy.ALWAYS, 1024, 1L << 20, CLOCK);
    Router router = new Router(List.of(new Route("audit", auditSink(FsyncPolicy.ALWAYS, System::nanoTime), 1024),
        new Route("events", events, 1024)));
    String name = "fsync-failure-" + UUID.randomUUID();
    Gateway gateway = Gateway.builder(router).inProcess(name).drainTimeout(Duration.ofSeconds(10)).build().start();
    ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    long forcesAfterFailure;
    try {
      assertEquals(Durability.DURABILITY_SYNCED, write(channel, "audit", "before").getDurability());
      assertEquals(ServingStatus.SERVING, health(channel, "audit"));
      files.failNextForce();

      StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> write(channel, "audit", "during"));

      assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
      String description = e.getStatus().getDescription();
      assertTrue(description.startsWith("route 'audit': file log ") && description.contains(FSYNC_FAILED),
          description);
      // The route leaves SERVING before its writers hear of the failure, so a probe after the error sees it.
      assertEquals(ServingStatus.NOT_SERVING, health(channel, "audit"));
      assertEquals(ServingStatus.SERVING, health(channel, "events"));
      assertEquals(Durability.DURABILITY_SYNCED, write(channel, "events", "unaffected").getDurability());
      StatusRuntimeException later = assertThrows(StatusRuntimeException.class,
          () -> write(channel, "audit", "later"));
      assertEquals(Status.Code.UNAVAILABLE, later.getStatus().getCode());
      assertTrue(later.getStatus().getDescription().contains(FSYNC_FAILED), later.getStatus().getDescription());
      forcesAfterFailure = files.forces();
    } finally {
      channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
      gateway.close();
    }
    assertEquals(forcesAfterFailure, files.forces(), "forced again after the failure (the gateway's close included)");
  }
}
