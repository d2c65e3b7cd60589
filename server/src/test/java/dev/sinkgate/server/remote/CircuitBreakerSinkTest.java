package dev.sinkgate.server.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinkgate.proto.v1.Durability;
import dev.sinkgate.server.remote.CircuitBreaker.State;
import dev.sinkgate.server.sink.Accepted;
import dev.sinkgate.server.sink.Record;
import dev.sinkgate.server.sink.RecordRejectedException;
import dev.sinkgate.server.sink.RecordRejectedException.Reason;
import dev.sinkgate.server.sink.RecordSink;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** Every transition of the breaker, on a fake clock. */
class CircuitBreakerSinkTest {
  private static final Duration OPEN_FOR = Duration.ofSeconds(5);

  private final FakeScheduler clock = new FakeScheduler();
  private final ScriptedSink downstream = new ScriptedSink();

  private CircuitBreakerSink breaker(RecordSink delegate, double rate, int window, int consecutive, int probes) {
    return new CircuitBreakerSink("thumbs", delegate, new BreakerPolicy(rate, window, consecutive, OPEN_FOR, probes), clock);
  }

  private static RecordRejectedException unavailable() {
    return new RecordRejectedException(Reason.UNAVAILABLE, "downstream answered UNAVAILABLE: down");
  }


  @Test
  void closed_opensWhenTheFailureRateOverAFullWindowReachesTheLimit() {
    try (CircuitBreakerSink b = breaker(downstream, 0.5, 10, 0, 1)) {
      for (int i = 0; i < 9; i++) {
        if (i % 2 == 0) {
          downstream.thenFail(unavailable());
        }
        b.append(Record.of(new byte[1]));
      }
      assertEquals(State.CLOSED, b.state(), "5 failures of 9 calls: the window of 10 is not full yet");
      b.append(Record.of(new byte[1])); // a success: 5 of 10 failed
      assertEquals(State.OPEN, b.state());
    }
  }

  @Test
  void closed_staysClosedBelowTheRate_asOldFailuresLeaveTheWindow() {
    try (CircuitBreakerSink b = breaker(downstream, 0.5, 4, 0, 1)) {
      downstream.thenFail(unavailable()).thenFail(unavailable()).thenFail(new RecordRejectedException(
          Reason.INVALID, "bad")).thenFail(new RecordRejectedException(Reason.INVALID, "bad"));
      for (int i = 0; i < 4; i++) {
        b.append(Record.of(new byte[1])); // fail, fail, invalid, invalid: 2 of 4 count
      }
      assertEquals(State.OPEN, b.state());
    }
    ScriptedSink other = new ScriptedSink();
    try (CircuitBreakerSink b = breaker(other, 0.5, 4, 0, 1)) {
      other.thenFail(unavailable());
      for (int i = 0; i < 8; i++) {
        b.append(Record.of(new byte[1]));
        if (i == 4) {
          other.thenFail(unavailable());
        }
      }
      assertEquals(State.CLOSED, b.state(), "never more than 1 failure in the last 4 calls");
    }
  }

  @Test
  void closed_opensAfterConsecutiveFailures_beforeTheWindowIsFull() {
    try (CircuitBreakerSink b = breaker(downstream, 1.0, 100, 3, 1)) {
      downstream.thenFail(unavailable()).thenFail(unavailable());
      b.append(Record.of(new byte[1]));
      b.append(Record.of(new byte[1]));
      b.append(Record.of(new byte[1])); // a success breaks the run
      assertEquals(State.CLOSED, b.state());
      downstream.thenFail(unavailable()).thenFail(unavailable()).thenFail(unavailable());
      for (int i = 0; i < 3; i++) {
        b.append(Record.of(new byte[1]));
      }
      assertEquals(State.OPEN, b.state());
    }
  }

  @Test
  void invalidRecords_areNotDownstreamFailures_andNeverOpenIt() {
    downstream.always = new RecordRejectedException(Reason.INVALID, "downstream answered INVALID_ARGUMENT: bad");
    try (CircuitBreakerSink b = breaker(downstream, 0.5, 4, 2, 1)) {
      for (int i = 0; i < 20; i++) {
        assertEquals(Reason.INVALID, ScriptedSink.rejection(b.append(Record.of(new byte[1]))).reason());
      }
      assertEquals(State.CLOSED, b.state());
      assertEquals(20, downstream.appends.get());
    }
  }

  @Test
  void open_failsFastWithUnavailable_andTheOpenTimeLeftAsRetryAfter() {
    downstream.always = unavailable();
    try (CircuitBreakerSink b = breaker(downstream, 1.0, 100, 2, 1)) {
      b.append(Record.of(new byte[1]));
      b.append(Record.of(new byte[1]));
      assertEquals(State.OPEN, b.state());
      clock.advance(Duration.ofSeconds(2));
      RecordRejectedException e = ScriptedSink.rejection(b.append(Record.of(new byte[1])));
      assertEquals(Reason.UNAVAILABLE, e.reason());
      assertEquals(Duration.ofSeconds(3), e.retryAfter());
      assertTrue(e.getMessage().contains("circuit breaker open"), e.getMessage());
      assertEquals(2, downstream.appends.get(), "an open breaker does not call the downstream");
    }
  }

  /** A downstream whose answers the test gives by hand, to hold probes in flight. */
  private static final class HeldSink implements RecordSink {
    final List<CompletableFuture<Accepted>> calls = new ArrayList<>();

    @Override
    public synchronized CompletableFuture<Accepted> append(Record record) {
      CompletableFuture<Accepted> f = new CompletableFuture<>();
      calls.add(f);
      return f;
    }

    @Override
    public void close() {}
  }

  private void openByFailures(CircuitBreakerSink b, HeldSink held) {
    for (int i = 0; i < 2; i++) {
      b.append(Record.of(new byte[1]));
      held.calls.get(held.calls.size() - 1).completeExceptionally(unavailable());
    }
    assertEquals(State.OPEN, b.state());
  }

  @Test
  void halfOpen_afterOpenFor_letsOnlyTheProbesThrough_andASuccessCloses() {
    HeldSink held = new HeldSink();
    try (CircuitBreakerSink b = breaker(held, 1.0, 100, 2, 2)) {
      openByFailures(b, held);
      clock.advance(OPEN_FOR);
      assertEquals(State.HALF_OPEN, b.state());
      CompletableFuture<Accepted> probe1 = b.append(Record.of(new byte[1]));
      b.append(Record.of(new byte[1]));
      RecordRejectedException third = ScriptedSink.rejection(b.append(Record.of(new byte[1])));
      assertEquals(Reason.UNAVAILABLE, third.reason());
      assertEquals(4, held.calls.size(), "2 failures + 2 probes reached the downstream, the third waited");
      held.calls.get(2).complete(new Accepted(1, Durability.DURABILITY_DOWNSTREAM, 0));
      assertEquals(1, probe1.join().written());
      assertEquals(State.CLOSED, b.state());
      b.append(Record.of(new byte[1]));
      assertEquals(5, held.calls.size(), "closed again: calls pass");
    }
  }

  @Test
  void halfOpen_aFailedProbe_opensAgainForTheFullTime() {
    HeldSink held = new HeldSink();
    try (CircuitBreakerSink b = breaker(held, 1.0, 100, 2, 1)) {
      openByFailures(b, held);
      clock.advance(OPEN_FOR);
      b.append(Record.of(new byte[1]));
      held.calls.get(2).completeExceptionally(unavailable());
      assertEquals(State.OPEN, b.state());
      clock.advance(OPEN_FOR.minusMillis(1));
      assertEquals(State.OPEN, b.state());
      assertEquals(Duration.ofMillis(1), ScriptedSink.rejection(b.append(Record.of(new byte[1]))).retryAfter());
      clock.advance(Duration.ofMillis(1));
      assertEquals(State.HALF_OPEN, b.state());
    }
  }

  @Test
  void halfOpen_aLateAnswerFromAnEarlierPeriodsProbe_neitherClosesTheBreakerNorFreesAProbeSlot() {
    HeldSink held = new HeldSink();
    try (CircuitBreakerSink b = breaker(held, 1.0, 100, 2, 2)) {
      openByFailures(b, held);
      clock.advance(OPEN_FOR);
      b.append(Record.of(new byte[1])); // probe A of the first half-open period (call 2), still in flight
      b.append(Record.of(new byte[1])); // probe B (call 3)
      held.calls.get(3).completeExceptionally(unavailable()); // B fails: open again
      assertEquals(State.OPEN, b.state());
      clock.advance(OPEN_FOR);
      assertEquals(State.HALF_OPEN, b.state(), "the second half-open period");
      b.append(Record.of(new byte[1])); // probe C
      b.append(Record.of(new byte[1])); // probe D: both slots of this period taken
      held.calls.get(2).complete(new Accepted(1, Durability.DURABILITY_DOWNSTREAM, 0)); // A answers, late

      assertEquals(State.HALF_OPEN, b.state(), "a probe of an earlier period does not close the breaker");
      assertEquals(Reason.UNAVAILABLE, ScriptedSink.rejection(b.append(Record.of(new byte[1]))).reason(),
          "nor does it free one of this period's probe slots");
      assertEquals(6, held.calls.size());
    }
  }
}
