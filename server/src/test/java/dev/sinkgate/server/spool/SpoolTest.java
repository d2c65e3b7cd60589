package dev.sinkgate.server.spool;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.rpc.RetryInfo;
import dev.sinkgate.proto.v1.Durability;
import dev.sinkgate.server.Poll;
import dev.sinkgate.server.config.SpoolConfig;
import dev.sinkgate.server.grpc.Statuses;
import dev.sinkgate.server.log.FsyncPolicy;
import dev.sinkgate.server.log.LogFiles;
import dev.sinkgate.server.log.MutableClock;
import dev.sinkgate.server.log.LogReader;
import dev.sinkgate.server.log.LogRecord;
import dev.sinkgate.server.sink.Accepted;
import dev.sinkgate.server.sink.Record;
import dev.sinkgate.server.sink.RecordRejectedException;
import dev.sinkgate.server.sink.RecordRejectedException.Reason;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The spool against a real downstream (a file log in another directory) on real files:
 * outages, permanent refusals, a full spool, restarts. Backoff runs on a {@link FakePause}.
 */
class SpoolTest {
  private static final long SEGMENT = 4096;
  private static final Duration WAIT = Duration.ofSeconds(20);

  @TempDir
  Path tmp;

  private final List<String> warnings = new CopyOnWriteArrayList<>();
  private final FakePause pause = new FakePause();
  private final List<AutoCloseable> opened = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = opened.size() - 1; i >= 0; i--) {
      opened.get(i).close();
    }
  }

  private Path spoolDir() {
    return tmp.resolve("spool");
  }

  private Downstream downstream() throws IOException {
    Downstream d = new Downstream(tmp.resolve("downstream"));
    opened.add(d);
    return d;
  }

  private SpoolingSink open(Downstream down, long maxBytes, FsyncPolicy fsync, int commitEvery, LogFiles files)
      throws IOException {
    return open(down, maxBytes, fsync, commitEvery, 100, files);
  }

  private SpoolingSink open(Downstream down, long maxBytes, FsyncPolicy fsync, int commitEvery, int batch,
      LogFiles files) throws IOException {
    SpoolConfig config = new SpoolConfig(spoolDir(), maxBytes, fsync, fsync == FsyncPolicy.INTERVAL
        ? Duration.ofHours(1) : null, SEGMENT);
    Forwarder.Settings settings = new Forwarder.Settings(commitEvery, Duration.ofHours(1), batch, Backoff.DEFAULT, pause);
    SpoolingSink spool = Spool.open("thumbs", config, down, Clock.systemUTC(), warnings::add, settings, files);
    opened.add(spool);
    return spool;
  }

  private SpoolingSink open(Downstream down) throws IOException {
    return open(down, 1L << 20, FsyncPolicy.ALWAYS, 10, LogFiles.SYSTEM);
  }

  private static Record record(String data, int n) {
    return new Record("key-" + n, Map.of("n", Integer.toString(n)), data.getBytes(UTF_8), Long.MAX_VALUE);
  }

  private List<LogRecord> stored() throws IOException {
    return LogReader.readAll(tmp.resolve("downstream"));
  }

  private void awaitStored(int n) throws InterruptedException {
    Poll.until(WAIT, () -> {
      try {
        return stored().size() >= n;
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }, () -> n + " records stored downstream; warnings: " + warnings);
  }

  private static long segments(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.getFileName().toString().endsWith(".log")).count();
    }
  }

  /** Waits until the segments behind the cursor are deleted: the spool keeps only the one being written. */
  private void awaitOnlyTheActiveSegment() throws InterruptedException {
    Poll.until(WAIT, () -> {
      try {
        return segments(spoolDir()) == 1;
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }, () -> "only the active segment left behind the cursor");
  }

  /**
   * Checks for {@code window} that the downstream saw only {@code seen} records. Absence
   * cannot be awaited on a latch: this gives a forwarder that wrongly follows the file
   * beyond the acknowledged end the time to take what it should not.
   */
  private static void assertNotForwardedFor(Duration window, Downstream down, int seen) throws InterruptedException {
    long end = System.nanoTime() + window.toNanos();
    while (System.nanoTime() - end < 0) {
      assertEquals(seen, down.seen().size(), () -> "forwarded past the acknowledged end: " + down.seen());
      Thread.sleep(5);
    }
  }

  private static RecordRejectedException refusal(Throwable t) {
    return assertInstanceOf(RecordRejectedException.class, t instanceof CompletionException ? t.getCause() : t);
  }

  @Test
  void downstreamDown_spoolAcknowledgesAndForwardsInOrderOnceItIsBack() throws Exception {
    Downstream down = downstream();
    down.refuse = r -> new RecordRejectedException(Reason.UNAVAILABLE, "downstream down for the test");
    SpoolingSink spool = open(down);
    for (int i = 0; i < 30; i++) {
      Accepted a = spool.append(record("record-" + i, i)).join();
      assertEquals(Durability.DURABILITY_SYNCED, a.durability());
      assertEquals(i, a.offset());
    }
    Poll.until(WAIT, () -> pause.count() == 1, () -> "a backoff after the first refusal");
    pause.release();
    Poll.until(WAIT, () -> pause.count() == 2, () -> "a second backoff");
    pause.release();
    Poll.until(WAIT, () -> pause.count() == 3, () -> "a third backoff");
    assertEquals(List.of(Duration.ofMillis(100), Duration.ofMillis(200), Duration.ofMillis(400)), pause.pauses());
    assertTrue(down.seen().stream().allMatch(s -> s.sequence() == 1), () -> "retries the same record: " + down.seen());
    assertTrue(spool.healthy(), "a spool stays healthy while its downstream is down");

    down.refuse = r -> null;
    pause.free();
    awaitStored(30);

    List<LogRecord> stored = stored();
    assertEquals(30, stored.size());
    for (int i = 0; i < 30; i++) {
      assertEquals("record-" + i, new String(stored.get(i).data(), UTF_8));
      assertEquals("key-" + i, stored.get(i).key());
      assertEquals(Map.of("n", Integer.toString(i)), stored.get(i).headers());
    }
    List<Downstream.Seen> accepted = down.seen().subList(3, down.seen().size());
    for (int i = 0; i < 30; i++) {
      assertEquals(new Downstream.Seen(spool.producerId(), i + 1, "record-" + i), accepted.get(i));
    }
    assertEquals(1, down.maxInFlight(), "one record in flight at a time");
    Poll.until(WAIT, () -> spool.committedCursor() == 30, () -> "the cursor committed at the end of the backlog");
  }

  @Test
  void retryableRefusalWithRetryAfter_waitsThatLong() throws Exception {
    Downstream down = downstream();
    down.refuse = r -> new RecordRejectedException(Reason.QUEUE_FULL, "busy", Duration.ofMillis(750));
    SpoolingSink spool = open(down);
    spool.append(record("x", 0)).join();
    Poll.until(WAIT, () -> pause.count() == 1, () -> "a backoff");
    assertEquals(List.of(Duration.ofMillis(750)), pause.pauses());
    down.refuse = r -> null;
    pause.free();
    awaitStored(1);
  }

  @Test
  void permanentRefusal_movesTheRecordToTheDeadLetterLog_andTheRecordsBehindItAreForwarded() throws Exception {
    Downstream down = downstream();
    down.refuse = r -> r.data().toString(UTF_8).equals("bad")
        ? new RecordRejectedException(Reason.INVALID, "INVALID_ARGUMENT: not a thumbnail (expected: PNG)")
        : null;
    SpoolingSink spool = open(down);
    spool.append(record("a", 0)).join();
    spool.append(record("bad", 1)).join();
    spool.append(record("c", 2)).join();
    awaitStored(2);

    assertEquals(List.of("a", "c"), stored().stream().map(r -> new String(r.data(), UTF_8)).toList());
    Poll.until(WAIT, () -> spool.deadLettered() == 1, () -> "one dead letter counted");
    List<LogRecord> dead = LogReader.readAll(spool.deadLetterPath());
    assertEquals(1, dead.size());
    assertEquals("bad", new String(dead.get(0).data(), UTF_8));
    assertEquals("key-1", dead.get(0).key());
    Map<String, String> headers = dead.get(0).headers();
    assertEquals("1", headers.get("n"), "the record's own headers are kept");
    assertEquals("INVALID: INVALID_ARGUMENT: not a thumbnail (expected: PNG)", headers.get(Forwarder.STATUS_HEADER));
    assertEquals("thumbs", headers.get(Forwarder.ROUTE_HEADER));
    assertEquals("1", headers.get(Forwarder.OFFSET_HEADER));
    assertEquals(0, pause.count(), "a permanent refusal is not retried");
    assertTrue(warnings.stream().anyMatch(w -> w.contains("dead-letter")), () -> "warnings: " + warnings);
  }

  @Test
  void aDownstreamMissingTheRoute_isWaitedOut_notDeadLettered() throws Exception {
    Downstream down = downstream();
    down.refuse = r -> new RecordRejectedException(Reason.NO_SUCH_ROUTE, "NOT_FOUND: no route named 'thumbs'");
    SpoolingSink spool = open(down);
    spool.append(record("a", 0)).join();
    spool.append(record("b", 1)).join();
    Poll.until(WAIT, () -> pause.count() == 1, () -> "the forwarder backing off");
    assertEquals(0, spool.deadLettered(), "a missing route is the downstream's configuration, not the record's fault");

    down.refuse = r -> null; // the downstream's route is back
    pause.free();
    awaitStored(2);
    assertEquals(List.of("a", "b"), stored().stream().map(r -> new String(r.data(), UTF_8)).toList());
    assertEquals(0, spool.deadLettered());
  }

  @Test
  void longBacklog_drainsOneRecordAtATime_readingItOnce_andDeletesTheSegmentsBehindTheCursor() throws Exception {
    Downstream down = downstream();
    down.refuse = r -> new RecordRejectedException(Reason.UNAVAILABLE, "down");
    CountingReads files = new CountingReads();
    SpoolingSink spool = open(down, 1L << 20, FsyncPolicy.ALWAYS, 10, 10, files);
    String payload = "p".repeat(900);
    for (int i = 0; i < 200; i++) {
      spool.append(record(payload + i, i)).join();
    }
    long backlogSegments = segments(spoolDir());
    assertTrue(backlogSegments >= 40, () -> backlogSegments + " segments (expected: the backlog spans 40 or more)");
    long backlogBytes;
    try (Stream<Path> list = Files.list(spoolDir())) {
      backlogBytes = list.filter(p -> p.getFileName().toString().endsWith(".log")).mapToLong(p -> p.toFile().length())
          .sum();
    }
    Poll.until(WAIT, () -> pause.count() == 1, () -> "the forwarder waiting out the outage");
    long readBefore = files.bytesRead.get();

    down.refuse = r -> null;
    pause.free();
    awaitStored(200);
    // Streamed: each byte read about once (a batch's end re-reads at most the rest of its segment),
    // one record held at a time, however long the backlog.
    long read = files.bytesRead.get() - readBefore;
    assertTrue(read > 0 && read <= 2 * backlogBytes,
        () -> read + " bytes read to forward a backlog of " + backlogBytes + " (expected: at most twice that)");
    Poll.until(WAIT, () -> spool.committedCursor() == 200, () -> "cursor at 200, is " + spool.committedCursor());
    awaitOnlyTheActiveSegment();
    List<LogRecord> stored = stored();
    for (int i = 0; i < 200; i++) {
      assertEquals(payload + i, new String(stored.get(i).data(), UTF_8));
    }
    assertEquals(1, down.maxInFlight(), "the forwarder holds one record at a time, never the backlog");
  }

  @Test
  void fullSpool_refusesWithResourceExhaustedAndRetryInfo_andLosesNothingAcknowledged() throws Exception {
    Downstream down = downstream();
    down.refuse = r -> new RecordRejectedException(Reason.UNAVAILABLE, "down");
    SpoolingSink spool = open(down, 2 * SEGMENT, FsyncPolicy.ALWAYS, 10, LogFiles.SYSTEM);
    List<String> acknowledged = new ArrayList<>();
    Throwable refused = null;
    for (int i = 0; i < 100 && refused == null; i++) {
      String data = "r".repeat(400) + i;
      try {
        spool.append(record(data, i)).join();
        acknowledged.add(data);
      } catch (CompletionException e) {
        refused = e;
      }
    }
    assertNotNull(refused, "a spool of two segments must fill up within 100 records of 400 bytes");
    RecordRejectedException full = refusal(refused);
    assertEquals(Reason.STORAGE_FULL, full.reason());
    assertNotNull(full.retryAfter());
    assertTrue(full.getMessage().contains("capacity of 8192 bytes"), full.getMessage());
    StatusRuntimeException status = Statuses.toException(full, "", "thumbs");
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, status.getStatus().getCode());
    assertTrue(StatusProto.fromThrowable(status).getDetailsList().stream().anyMatch(d -> d.is(RetryInfo.class)),
        "RESOURCE_EXHAUSTED carries RetryInfo");

    down.refuse = r -> null;
    pause.free();
    awaitStored(acknowledged.size());
    assertEquals(acknowledged, stored().stream().map(r -> new String(r.data(), UTF_8)).toList());
    Poll.until(WAIT, () -> spool.committedCursor() == acknowledged.size(), () -> "the backlog committed");
    awaitOnlyTheActiveSegment();
    assertEquals(Durability.DURABILITY_SYNCED, spool.append(record("after", 999)).join().durability(),
        "room freed by forwarding takes records again");
  }

  @Test
  void restart_resumesFromTheCommittedCursor_replayingWithTheSameProducerIdAndSequences() throws Exception {
    Downstream down = downstream();
    SpoolingSink spool = open(down, 1L << 20, FsyncPolicy.ALWAYS, 1000, LogFiles.SYSTEM);
    for (int i = 0; i < 20; i++) {
      spool.append(record("r" + i, i)).join();
    }
    awaitStored(20);
    Poll.until(WAIT, () -> spool.committedCursor() == 20, () -> "the cursor committed once caught up");
    String producer = spool.producerId();
    spool.close();
    assertTrue(down.closed, "the spool closes its downstream");
    // As a crash after the commit at offset 5 leaves it: the cursor behind what was forwarded.
    new SpoolState(spoolDir(), LogFiles.SYSTEM).commitCursor(5);

    Downstream again = downstream();
    SpoolingSink reopened = open(again, 1L << 20, FsyncPolicy.ALWAYS, 1000, LogFiles.SYSTEM);
    assertEquals(producer, reopened.producerId(), "the producer id persists in the spool's directory");
    reopened.append(record("r20", 20)).join();
    Poll.until(WAIT, () -> again.seen().size() == 16, () -> "15 replays and one new record; saw " + again.seen());
    for (int i = 0; i < 16; i++) {
      assertEquals(new Downstream.Seen(producer, 6 + i, "r" + (5 + i)), again.seen().get(i));
    }
    Poll.until(WAIT, () -> reopened.committedCursor() == 21, () -> "cursor at 21");
  }

  @Test
  void forwarder_neverPassesTheAcknowledgedEnd_norForwardsARecordAFailedFsyncRefused() throws Exception {
    HeldSync files = new HeldSync();
    Downstream down = downstream();
    SpoolingSink spool = open(down, 1L << 20, FsyncPolicy.ALWAYS, 10, files);
    spool.append(record("a", 0)).join();
    awaitStored(1);

    files.arm(false);
    CompletableFuture<Accepted> b = spool.append(record("b", 1));
    files.awaitHeld();
    assertEquals(2, LogReader.readAll(spoolDir()).size(), "b is written and readable, its fsync held");
    assertEquals(1, spool.end(), "b is not acknowledged yet");
    assertNotForwardedFor(Duration.ofMillis(300), down, 1);
    files.release();
    assertEquals(Durability.DURABILITY_SYNCED, b.join().durability());
    awaitStored(2);

    files.arm(true);
    CompletableFuture<Accepted> c = spool.append(record("c", 2));
    files.awaitHeld();
    assertEquals(3, LogReader.readAll(spoolDir()).size(), "c is written and readable, its fsync held");
    assertNotForwardedFor(Duration.ofMillis(300), down, 2);
    files.release();
    assertEquals(Reason.UNAVAILABLE, refusal(assertThrows(CompletionException.class, c::join)).reason());
    assertTrue(!spool.healthy(), "a failed fsync makes the spool unhealthy");
    spool.close(); // joins the forwarder: whatever it would forward, it has by now
    assertEquals(List.of("a", "b"), down.seen().stream().map(Downstream.Seen::data).toList());
  }

  @Test
  void cursor_isCommittedEveryIntervalOnTheClockWhileDraining_notPerRecord() throws Exception {
    Downstream down = downstream();
    java.util.concurrent.Semaphore gate = new java.util.concurrent.Semaphore(0);
    down.refuse = r -> {
      gate.acquireUninterruptibly();
      return null;
    };
    MutableClock clock = new MutableClock();
    SpoolConfig config = new SpoolConfig(spoolDir(), 1L << 20, FsyncPolicy.ALWAYS, null, SEGMENT);
    SpoolingSink spool = Spool.open("thumbs", config, down, clock, warnings::add,
        new Forwarder.Settings(1000, Duration.ofSeconds(5), 100, Backoff.DEFAULT, pause), LogFiles.SYSTEM);
    opened.add(() -> {
      gate.release(1000);
      spool.close();
    });
    for (int i = 0; i < 5; i++) {
      spool.append(record("t" + i, i)).join();
    }
    gate.release(2);
    awaitStored(2);
    // The third is at the downstream, held by the gate: the forwarder is done with the second.
    Poll.until(WAIT, () -> down.seen().size() == 3, () -> "the third record at the downstream");
    assertEquals(0, spool.committedCursor(), "two records in and no interval passed: nothing committed");
    clock.advance(Duration.ofSeconds(5));
    gate.release();
    Poll.until(WAIT, () -> spool.committedCursor() == 3, () -> "a commit once the interval passed, at 3; is "
        + spool.committedCursor());
    assertEquals(3, new SpoolState(spoolDir(), LogFiles.SYSTEM).cursor(), "the commit is on disk");
    gate.release(2);
    Poll.until(WAIT, () -> spool.committedCursor() == 5, () -> "caught up: committed at once");
  }

  @Test
  void cursorPastTheLogsEnd_onReopening_forwardsTheNewRecordsAsANewProducer() throws Exception {
    Downstream down = downstream();
    SpoolingSink spool = open(down);
    spool.append(record("old", 0)).join();
    awaitStored(1);
    String first = spool.producerId();
    spool.close();
    // As a spool restored from an older copy leaves it: sequence 51 was sent, offset 1 is next.
    new SpoolState(spoolDir(), LogFiles.SYSTEM).commitCursor(50);

    Downstream again = downstream();
    SpoolingSink reopened = open(again);
    assertTrue(!reopened.producerId().equals(first), "offsets will be reused: a new producer id");
    assertTrue(warnings.stream().anyMatch(w -> w.contains("cursor 50 is past its log's end 1")), () -> "" + warnings);
    reopened.append(record("new", 1)).join();
    Poll.until(WAIT, () -> again.seen().size() == 1, () -> "the new record forwarded");
    assertEquals(new Downstream.Seen(reopened.producerId(), 2, "new"), again.seen().get(0));
  }

  @Test
  void intervalSpool_acknowledgesWritten_andForwardsWithoutWaitingForTheInterval() throws Exception {
    Downstream down = downstream();
    SpoolingSink spool = open(down, 1L << 20, FsyncPolicy.INTERVAL, 10, LogFiles.SYSTEM);
    for (int i = 0; i < 3; i++) {
      assertEquals(Durability.DURABILITY_WRITTEN, spool.append(record("w" + i, i)).join().durability());
    }
    // The interval is an hour: the forwarder syncs what it forwards itself.
    awaitStored(3);
  }

  @Test
  void closedSpool_refusesUnavailable_andCloseIsIdempotent() throws Exception {
    Downstream down = downstream();
    SpoolingSink spool = open(down);
    spool.close();
    spool.close();
    assertEquals(Reason.UNAVAILABLE, refusal(assertThrows(CompletionException.class,
        () -> spool.append(record("late", 0)).join())).reason());
    assertTrue(!spool.healthy());
  }

  @Test
  void tooSmallMaxBytes_isRefusedNamingTheBound() throws Exception {
    Downstream down = new Downstream(tmp.resolve("downstream"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> open(down, SEGMENT, FsyncPolicy.ALWAYS, 10, LogFiles.SYSTEM));
    assertTrue(e.getMessage().contains("expected: at least twice segment_bytes 4096"), e.getMessage());
    assertTrue(down.closed, "a failed open closes the downstream it was given");
  }
}
