package dev.sinkgate.server.spool;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinkgate.client.RetryPolicy;
import dev.sinkgate.client.SinkClient;
import dev.sinkgate.server.Poll;
import dev.sinkgate.server.config.SpoolConfig;
import dev.sinkgate.server.log.FsyncPolicy;
import dev.sinkgate.server.log.LogFiles;
import dev.sinkgate.server.log.LogReader;
import dev.sinkgate.server.log.LogRecord;
import dev.sinkgate.server.log.MutableClock;
import dev.sinkgate.server.remote.BreakerPolicy;
import dev.sinkgate.server.remote.CircuitBreaker;
import dev.sinkgate.server.remote.FakeScheduler;
import dev.sinkgate.server.remote.RetryBudget;
import dev.sinkgate.server.remote.Scheduler;
import dev.sinkgate.server.remote.StreamDownstream;
import dev.sinkgate.server.remote.StreamRetry;
import dev.sinkgate.server.sink.Record;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The spool forwarding over a real gRPC {@code WriteStream} (in-process transport) to a
 * {@link ScriptedStreamServer}: a window of records in flight, order and exactly-once through a
 * refusal mid-stream, a retryable failure, a lost connection and a silent stream. Backoff
 * runs on a {@link FakePause}.
 */
class StreamForwardingTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final int WINDOW = 16;

  @TempDir
  Path tmp;

  private final List<String> warnings = new CopyOnWriteArrayList<>();
  private final FakePause pause = new FakePause();
  private final ScriptedStreamServer sink = new ScriptedStreamServer();
  private final List<AutoCloseable> opened = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = opened.size() - 1; i >= 0; i--) {
      opened.get(i).close();
    }
    sink.stop();
  }

  private void startServer() throws IOException {
    sink.start();
  }

  private void stopServer() throws InterruptedException {
    sink.stop();
  }

  private SpoolingSink open(Clock clock) throws IOException {
    return open(clock, StreamRetry.none(), Scheduler.system("test-stream"));
  }

  private SpoolingSink open(Clock clock, StreamRetry retry, Scheduler scheduler) throws IOException {
    ManagedChannel channel = sink.channel();
    opened.add(() -> {
      channel.shutdownNow();
      channel.awaitTermination(10, TimeUnit.SECONDS);
    });
    SinkClient client = SinkClient.builder(channel).deadline(Duration.ofSeconds(5)).retryPolicy(RetryPolicy.none())
        .build();
    StreamDownstream downstream = new StreamDownstream("thumbs", client, "default", Duration.ofSeconds(2), WINDOW,
        1L << 20, retry, scheduler);
    SpoolConfig config = new SpoolConfig(tmp.resolve("spool"), 64L << 20, FsyncPolicy.ALWAYS, null, 4096);
    SpoolingSink spool = Spool.open("thumbs", config, downstream, clock, warnings::add,
        new Forwarder.Settings(1000, Duration.ofHours(1), 100, Backoff.DEFAULT, pause), LogFiles.SYSTEM);
    opened.add(spool);
    return spool;
  }

  private static void append(SpoolingSink spool, int n) {
    for (int i = 0; i < n; i++) {
      spool.append(new Record("key-" + i, Map.of("n", Integer.toString(i)), ("record " + i).getBytes(UTF_8),
          Long.MAX_VALUE)).join();
    }
  }

  private static List<Long> sequences(long from, long to) {
    return LongStream.rangeClosed(from, to).boxed().toList();
  }

  private void awaitStored(int n) throws InterruptedException {
    Poll.until(WAIT, () -> sink.stored().size() >= n,
        () -> n + " records stored downstream, stored " + sink.stored().size() + "; warnings: " + warnings);
  }

  @Test
  void backlog_keepsExactlyTheWindowInFlight_andArrivesInOrderOnce() throws Exception {
    sink.ackEvery(WINDOW, 100); // acks only once the whole window is in flight (or the last record)
    SpoolingSink spool = open(Clock.systemUTC());
    append(spool, 100); // the downstream is down: a backlog
    Poll.until(WAIT, () -> pause.count() >= 1, () -> "the forwarder backing off while the downstream is down");
    startServer();
    pause.free();

    awaitStored(100);
    assertEquals(sequences(1, 100), sink.stored());
    assertEquals(WINDOW, sink.maxUnacked(), "records in flight at most");
    Poll.until(WAIT, () -> spool.committedCursor() == 100, () -> "the cursor committed at the end, is "
        + spool.committedCursor());
    assertEquals(100, spool.forwarded());
    assertTrue(sink.received().stream().allMatch(r -> r.producerId().equals(spool.producerId())),
        "every record carries the spool's producer id");
  }

  @Test
  void recordRefusedMidStream_isDeadLettered_andTheRestArriveInOrderOnce() throws Exception {
    sink.ackEvery(4, 100);
    sink.failOnce(50, Status.INVALID_ARGUMENT.withDescription("record 49 is not welcome"));
    SpoolingSink spool = open(Clock.systemUTC());
    append(spool, 100);
    Poll.until(WAIT, () -> pause.count() >= 1, () -> "the forwarder backing off while the downstream is down");
    startServer();
    pause.free();

    awaitStored(99);
    List<Long> expected = new ArrayList<>(sequences(1, 100));
    expected.remove(Long.valueOf(50));
    assertEquals(expected, sink.stored());
    Poll.until(WAIT, () -> spool.deadLettered() == 1, () -> "one dead letter; warnings: " + warnings);
    assertTrue(warnings.stream().noneMatch(w -> w.contains("forwarding spool offset 50 failed")),
        () -> "a dead letter is not waited for: the next record goes at once; " + warnings);
    assertTrue(sink.streams() >= 2, "a new stream after the refusal, saw " + sink.streams());
    Poll.until(WAIT, () -> spool.committedCursor() == 100, () -> "the cursor past the dead letter");
    spool.close();
    List<LogRecord> dead = LogReader.readAll(spool.deadLetterPath());
    assertEquals(1, dead.size());
    assertEquals("record 49", new String(dead.get(0).data(), UTF_8));
    assertEquals("49", dead.get(0).headers().get(Forwarder.OFFSET_HEADER));
    assertTrue(dead.get(0).headers().get(Forwarder.STATUS_HEADER).contains("INVALID_ARGUMENT"),
        () -> "the status header names the downstream's code: " + dead.get(0).headers());
  }

  @Test
  void retryableFailureMidStream_backsOff_andResendsFromTheFailedRecord() throws Exception {
    startServer();
    sink.failOnce(50, Status.UNAVAILABLE.withDescription("busy"));
    SpoolingSink spool = open(Clock.systemUTC());
    append(spool, 100);

    Poll.until(WAIT, () -> pause.count() >= 1, () -> "the forwarder backing off after the failure");
    assertEquals(sequences(1, 49), sink.stored(), "the records before the failed one, and nothing after it");
    // UNAVAILABLE without RetryInfo advises 1 s, as on the unary path (RemoteRecordSink.rejection).
    assertEquals(Duration.ofSeconds(1), pause.pauses().get(0), "the downstream failure's advised wait");
    assertTrue(warnings.stream().anyMatch(w -> w.contains("forwarding spool offset 49 failed")), () -> warnings.toString());
    pause.free();

    awaitStored(100);
    assertEquals(sequences(1, 100), sink.stored());
    Poll.until(WAIT, () -> spool.forwarded() == 100, () -> "100 forwarded, is " + spool.forwarded());
  }

  @Test
  void connectionLostMidStream_resumesFromTheFirstUnacknowledged_storingEachRecordOnce() throws Exception {
    startServer();
    sink.ackLimit(20); // stores on, but acknowledges nothing past sequence 20
    SpoolingSink spool = open(Clock.systemUTC());
    append(spool, 100);
    Poll.until(WAIT, () -> sink.stored().size() >= 30, () -> "30 records stored, " + sink.stored().size());

    stopServer(); // the connection goes, with stored records unacknowledged
    Poll.until(WAIT, () -> pause.count() >= 1, () -> "the forwarder backing off while the downstream is gone");
    assertEquals(20, spool.forwarded(), "only acknowledged records count as forwarded");
    int receivedBefore = sink.received().size();
    sink.ackLimit(Long.MAX_VALUE);
    startServer();
    pause.free();

    awaitStored(100);
    assertEquals(sequences(1, 100), sink.stored());
    List<ScriptedStreamServer.Received> after = sink.received().subList(receivedBefore, sink.received().size());
    assertEquals(21, after.get(0).sequence(), "resent from the first unacknowledged record");
    assertTrue(after.get(0).duplicate(), "a stored but unacknowledged record is answered as a duplicate");
  }

  @Test
  void streamThatStopsAcknowledging_isCancelledAfterTheAckTimeout_andResent() throws Exception {
    MutableClock clock = new MutableClock();
    startServer();
    sink.ackLimit(0); // stores, never acknowledges
    SpoolingSink spool = open(clock);
    append(spool, 10);
    Poll.until(WAIT, () -> sink.stored().size() >= 10, () -> "10 records stored, " + sink.stored().size());
    assertEquals(0, pause.count());

    clock.advance(Duration.ofSeconds(3)); // past the 2 s ack timeout
    Poll.until(WAIT, () -> pause.count() >= 1, () -> "the silent stream cancelled; warnings: " + warnings);
    assertTrue(warnings.stream().anyMatch(w -> w.contains("no acknowledgement from the downstream for 2000 ms")),
        () -> warnings.toString());
    sink.ackLimit(Long.MAX_VALUE);
    pause.free();

    Poll.until(WAIT, () -> spool.forwarded() == 10, () -> "10 forwarded, is " + spool.forwarded());
    assertEquals(sequences(1, 10), sink.stored());
    assertTrue(sink.streams() >= 2, "resent on a new stream");
  }

  /** Waits until the forwarder paused {@code n} times, letting each earlier pause end. */
  private void stepPauses(int n) throws InterruptedException {
    for (int i = 1; i <= n; i++) {
      int want = i;
      Poll.until(WAIT, () -> pause.count() >= want, () -> want + " pauses, saw " + pause.pauses() + "; " + warnings);
      if (i < n) {
        pause.release();
      }
    }
  }

  @Test
  void routeRetryAndBreaker_timeTheReopening_andAnOpenBreakerIsWaitedOut_notHammered() throws Exception {
    FakeScheduler clock = new FakeScheduler();
    BreakerPolicy breakerPolicy = new BreakerPolicy(0.5, 20, 3, Duration.ofMinutes(10), 1);
    CircuitBreaker breaker = new CircuitBreaker("thumbs", breakerPolicy, clock);
    StreamRetry retry = new StreamRetry(RetryPolicy.exponential(3, Duration.ofMillis(10), Duration.ofMillis(40))
        .withJitter(0), RetryBudget.of(0.2, 10), breaker, () -> 0.5);
    startServer();
    // RESOURCE_EXHAUSTED without RetryInfo advises no wait, so the route's policy times the retries.
    sink.failStreams(Status.RESOURCE_EXHAUSTED.withDescription("busy"));
    SpoolingSink spool = open(Clock.systemUTC(), retry, clock);
    append(spool, 10);

    stepPauses(4);
    List<Duration> pauses = pause.pauses();
    assertEquals(Duration.ofMillis(10), pauses.get(0), "first reopening: the policy's initial backoff; " + pauses);
    assertEquals(Duration.ofMillis(20), pauses.get(1), "second: doubled; " + pauses);
    assertEquals(Duration.ofMillis(400), pauses.get(2),
        "max_attempts spent: the forwarder's own backoff (100 ms doubling); " + pauses);
    assertEquals(CircuitBreaker.State.OPEN, breaker.state(), "3 failed streams in a row open the breaker");
    assertEquals(Duration.ofMinutes(10), pauses.get(3), "an open breaker is waited out; " + pauses);
    assertEquals(3, sink.streams(), "no stream is opened while the breaker is open");

    sink.failStreams(null);
    clock.advance(Duration.ofMinutes(10)); // half-open: the next stream is the probe
    pause.free();
    awaitStored(10);
    assertEquals(sequences(1, 10), sink.stored());
    Poll.until(WAIT, () -> breaker.state() == CircuitBreaker.State.CLOSED, () -> "the probe's success closes the breaker");
    assertEquals(4, sink.streams(), "one probe stream carried the backlog");
  }

  @Test
  void retryBudgetSpent_theForwarderFallsBackToItsOwnBackoff() throws Exception {
    FakeScheduler clock = new FakeScheduler();
    StreamRetry retry = new StreamRetry(RetryPolicy.exponential(10, Duration.ofMillis(10), Duration.ofMillis(40))
        .withJitter(0), RetryBudget.of(0, 1), null, () -> 0.5);
    startServer();
    sink.failStreams(Status.RESOURCE_EXHAUSTED.withDescription("busy"));
    SpoolingSink spool = open(Clock.systemUTC(), retry, clock);
    append(spool, 5);

    stepPauses(3);
    assertEquals(List.of(Duration.ofMillis(10), Duration.ofMillis(200), Duration.ofMillis(400)), pause.pauses(),
        "one reopening from the budget's burst, then the forwarder's backoff");
    sink.failStreams(null);
    pause.free();
    awaitStored(5);
    assertEquals(sequences(1, 5), sink.stored());
  }
}
