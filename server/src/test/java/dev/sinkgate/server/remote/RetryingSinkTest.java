package dev.sinkgate.server.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinkgate.client.RetryPolicy;
import dev.sinkgate.server.sink.Accepted;
import dev.sinkgate.server.sink.Record;
import dev.sinkgate.server.sink.RecordRejectedException;
import dev.sinkgate.server.sink.RecordRejectedException.Reason;
import dev.sinkgate.server.sink.StreamFence;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The retry decorator on a fake clock: backoff, RetryInfo, deadlines, attempts, the budget, close. */
class RetryingSinkTest {
  private static final RetryPolicy POLICY = RetryPolicy.exponential(5, Duration.ofMillis(100), Duration.ofSeconds(1))
      .withJitter(0);
  private static final RetryBudget UNLIMITED = RetryBudget.of(1, 1_000_000);

  private final FakeScheduler clock = new FakeScheduler();
  private final ScriptedSink downstream = new ScriptedSink();

  private RetryingSink retrying(RetryPolicy policy, RetryBudget budget) {
    return new RetryingSink(downstream, policy, budget, clock, () -> 0.5);
  }

  private static RecordRejectedException unavailable(Duration retryAfter) {
    return new RecordRejectedException(Reason.UNAVAILABLE, "downstream answered UNAVAILABLE: down", retryAfter);
  }

  private static Record record() {
    return new Record("k", Map.of(), new byte[] {1, 2, 3}, Long.MAX_VALUE);
  }


  @Test
  void retryableFailures_areRetriedWithExponentialBackoff_untilOneSucceeds() {
    downstream.thenFail(unavailable(null)).thenFail(unavailable(null));
    try (RetryingSink sink = retrying(POLICY, UNLIMITED)) {
      CompletableFuture<Accepted> f = sink.append(record());
      assertFalse(f.isDone());
      clock.advance(Duration.ofMillis(99));
      assertEquals(1, downstream.appends.get(), "no retry before the first backoff");
      clock.advance(Duration.ofMillis(1));
      assertEquals(2, downstream.appends.get());
      clock.advance(Duration.ofMillis(200));
      assertEquals(3, downstream.appends.get());
      assertEquals(3, f.join().written());
      assertEquals(List.of(Duration.ofMillis(100), Duration.ofMillis(200)), clock.delays());
    }
  }

  @Test
  void aRecordWhoseCallWasCancelledWhileItWaitedForARetry_isNotTriedAgain() {
    downstream.thenFail(unavailable(null));
    StreamFence call = new StreamFence();
    try (RetryingSink sink = retrying(POLICY, UNLIMITED)) {
      CompletableFuture<Accepted> f = sink.append(new Record("", Map.of(), new byte[4], Long.MAX_VALUE, call, 0));
      call.cancel(); // the client gave up while the record waited out its backoff
      clock.advance(Duration.ofSeconds(1));
      assertEquals(1, downstream.appends.get(), "no attempt after the cancel");
      assertEquals(Reason.UNAVAILABLE, ScriptedSink.rejection(f).reason(), "answered with its last failure");
    }
  }

  @Test
  void nonRetryableFailure_isAnsweredAtOnce_withoutRetry() {
    RecordRejectedException invalid = new RecordRejectedException(Reason.INVALID, "downstream answered INVALID_ARGUMENT: bad");
    downstream.thenFail(invalid);
    try (RetryingSink sink = retrying(POLICY, UNLIMITED)) {
      CompletableFuture<Accepted> f = sink.append(record());
      assertSame(invalid, ScriptedSink.rejection(f));
      assertEquals(1, downstream.appends.get());
      assertEquals(0, clock.pending());
    }
  }

  @Test
  void retryInfo_isAFloor_neverRetriedSooner() {
    downstream.thenFail(unavailable(Duration.ofSeconds(3)));
    try (RetryingSink sink = retrying(POLICY, UNLIMITED)) {
      CompletableFuture<Accepted> f = sink.append(record());
      clock.advance(Duration.ofMillis(2999));
      assertEquals(1, downstream.appends.get(), "retried before the downstream's RetryInfo delay");
      clock.advance(Duration.ofMillis(1));
      assertEquals(2, downstream.appends.get());
      assertEquals(3, f.join().written());
    }
  }

  @Test
  void noAttemptStartsPastTheRecordsDeadline_theLastFailureIsTheAnswer() {
    downstream.always = unavailable(Duration.ofMillis(10));
    try (RetryingSink sink = retrying(POLICY, UNLIMITED)) {
      Record r = new Record("k", Map.of(), new byte[1], clock.nanoTime() + Duration.ofMillis(250).toNanos());
      CompletableFuture<Accepted> f = sink.append(r);
      Duration ran = clock.runAll();
      // Attempts at 0 and 100 ms; the next would start at 300 ms, past the 250 ms deadline.
      assertEquals(2, downstream.appends.get());
      assertEquals(Duration.ofMillis(100), ran);
      RecordRejectedException e = ScriptedSink.rejection(f);
      assertEquals(Reason.UNAVAILABLE, e.reason());
      assertEquals(Duration.ofMillis(10), e.retryAfter(), "the caller gets the downstream's RetryInfo");
    }
  }

  @Test
  void attempts_stopAtMaxAttempts() {
    downstream.always = unavailable(null);
    try (RetryingSink sink = retrying(POLICY.withMaxAttempts(3), UNLIMITED)) {
      CompletableFuture<Accepted> f = sink.append(record());
      clock.runAll();
      assertEquals(3, downstream.appends.get());
      assertEquals(Reason.UNAVAILABLE, ScriptedSink.rejection(f).reason());
    }
  }

  @Test
  void duringATotalOutage_theBudgetKeepsAttemptsWithinOnePlusRatioTimesCalls() {
    downstream.always = unavailable(null);
    double ratio = 0.2;
    int calls = 500;
    try (RetryingSink sink = retrying(POLICY, RetryBudget.of(ratio, 0))) {
      List<CompletableFuture<Accepted>> answers = new ArrayList<>();
      for (int i = 0; i < calls; i++) {
        answers.add(sink.append(record()));
        clock.advance(Duration.ofMillis(10)); // a steady stream of calls while the downstream is down
      }
      clock.runAll();
      int attempts = downstream.appends.get();
      assertTrue(attempts <= (1 + ratio) * calls, () -> attempts + " attempts for " + calls + " calls");
      assertTrue(attempts > calls, "the budget allowed no retry at all: " + attempts);
      assertTrue(answers.stream().allMatch(CompletableFuture::isCompletedExceptionally));
    }
  }

  @Test
  void theBurst_letsAQuietRouteRetry_andIsCountedInTheBound() {
    downstream.always = unavailable(null);
    int calls = 3;
    int burst = 4;
    try (RetryingSink sink = retrying(POLICY, RetryBudget.of(0.1, burst))) {
      for (int i = 0; i < calls; i++) {
        sink.append(record());
      }
      clock.runAll();
      // 3 calls deposit 0.3 tokens: the 4 retries all come from the burst.
      assertEquals(calls + burst, downstream.appends.get());
    }
  }

  @Test
  void close_failsRecordsWaitingForARetry_thenClosesTheSchedulerAndTheDownstream() {
    RecordRejectedException down = unavailable(null);
    downstream.thenFail(down);
    RetryingSink sink = retrying(POLICY, UNLIMITED);
    CompletableFuture<Accepted> f = sink.append(record());
    assertFalse(f.isDone());
    sink.close();
    sink.close(); // idempotent
    assertSame(down, ScriptedSink.rejection(f));
    assertTrue(clock.closed());
    assertTrue(downstream.closed.get());
    assertEquals(1, downstream.appends.get());
  }
}
