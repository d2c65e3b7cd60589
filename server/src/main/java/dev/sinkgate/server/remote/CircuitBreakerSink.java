package dev.sinkgate.server.remote;

import dev.sinkgate.server.sink.Accepted;
import dev.sinkgate.server.sink.ForwardingRecordSink;
import dev.sinkgate.server.sink.Record;
import dev.sinkgate.server.sink.RecordRejectedException;
import dev.sinkgate.server.sink.RecordRejectedException.Reason;
import dev.sinkgate.server.sink.RecordSink;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Stops calling a downstream that keeps failing, so it can recover and callers hear at once.
 *
 * <ul>
 *   <li><b>Closed</b>: calls pass. It opens when the failure rate over the last
 *       {@link BreakerPolicy#window()} calls reaches {@link BreakerPolicy#failureRate()}, or
 *       after {@link BreakerPolicy#consecutiveFailures()} failures in a row.
 *   <li><b>Open</b>: every record fails at once with {@link Reason#UNAVAILABLE}, whose
 *       {@code retryAfter} is the time left open. After {@link BreakerPolicy#openFor()} it is
 *       half-open.
 *   <li><b>Half-open</b>: up to {@link BreakerPolicy#halfOpenProbes()} records at a time pass
 *       as probes (the rest fail fast); a probe's success closes the breaker with a fresh
 *       window, a probe's failure opens it again.
 * </ul>
 * Only failures that say the downstream is in trouble count: retryable rejections (unavailable,
 * deadline, queue or storage full) and unexpected exceptions. A record the downstream refused
 * as invalid is a working downstream's answer and counts as a success.
 */
public final class CircuitBreakerSink extends ForwardingRecordSink {
  /** The breaker's state. */
  public enum State { CLOSED, OPEN, HALF_OPEN }

  private final String route;
  private final BreakerPolicy policy;
  private final Scheduler clock;
  // Guarded by this.
  private State state = State.CLOSED;
  private final boolean[] outcomes; // true = failed, a ring over the last window calls
  private int recorded;
  private int failuresInWindow;
  private int consecutive;
  private long openedAt;
  private int probesInFlight;
  /** Counts half-open periods, so a probe's late answer from an earlier one is ignored. */
  private long halfOpenPeriod;

  /** Guards {@code delegate} (owned) per {@code policy}, telling time by {@code clock} (not owned). */
  public CircuitBreakerSink(String route, RecordSink delegate, BreakerPolicy policy, Scheduler clock) {
    super(delegate);
    this.route = Objects.requireNonNull(route, "route");
    this.policy = Objects.requireNonNull(policy, "policy");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.outcomes = new boolean[policy.window()];
  }

  /** The current state (half-open once the open time is over, even before the next call). */
  public synchronized State state() {
    if (state == State.OPEN && openRemainingNanos() <= 0) {
      state = State.HALF_OPEN;
      probesInFlight = 0;
      halfOpenPeriod++;
    }
    return state;
  }

  @Override
  public CompletableFuture<Accepted> append(Record record) {
    boolean probe;
    long period;
    synchronized (this) {
      State s = state();
      if (s == State.OPEN || (s == State.HALF_OPEN && probesInFlight >= policy.halfOpenProbes())) {
        Duration left = s == State.OPEN ? Duration.ofNanos(openRemainingNanos()) : policy.openFor();
        return CompletableFuture.failedFuture(new RecordRejectedException(Reason.UNAVAILABLE, "route '" + route
            + "': circuit breaker " + (s == State.OPEN ? "open" : "half-open, probing") + " after downstream failures;"
            + " retry in " + left.toMillis() + "ms", left));
      }
      probe = s == State.HALF_OPEN;
      period = halfOpenPeriod;
      if (probe) {
        probesInFlight++;
      }
    }
    CompletableFuture<Accepted> call;
    try {
      call = delegate.append(record);
    } catch (RuntimeException e) {
      call = CompletableFuture.failedFuture(e);
    }
    return call.whenComplete((a, t) -> record(probe, period, t == null || !counts(t)));
  }

  private static boolean counts(Throwable t) {
    Throwable c = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    return !(c instanceof RecordRejectedException r) || r.reason().retryable();
  }

  private synchronized void record(boolean probe, long period, boolean success) {
    if (probe) {
      if (period != halfOpenPeriod || state != State.HALF_OPEN) {
        return; // a probe of an earlier half-open period, answered after it ended
      }
      probesInFlight--;
      if (state == State.HALF_OPEN) {
        if (success) {
          reset();
        } else {
          open();
        }
      }
      return;
    }
    if (state != State.CLOSED) {
      return; // an answer to a call made before the breaker opened
    }
    int slot = recorded % outcomes.length;
    if (recorded >= outcomes.length && outcomes[slot]) {
      failuresInWindow--;
    }
    outcomes[slot] = !success;
    recorded++;
    if (!success) {
      failuresInWindow++;
      consecutive++;
    } else {
      consecutive = 0;
    }
    boolean windowFull = recorded >= outcomes.length;
    boolean rateTripped = windowFull && failuresInWindow >= policy.failureRate() * outcomes.length;
    boolean runTripped = policy.consecutiveFailures() > 0 && consecutive >= policy.consecutiveFailures();
    if (rateTripped || runTripped) {
      open();
    }
  }

  private void open() {
    state = State.OPEN;
    openedAt = clock.nanoTime();
  }

  private void reset() {
    state = State.CLOSED;
    recorded = 0;
    failuresInWindow = 0;
    consecutive = 0;
    java.util.Arrays.fill(outcomes, false);
  }

  private long openRemainingNanos() {
    return policy.openFor().toNanos() - (clock.nanoTime() - openedAt);
  }

  @Override
  public String toString() {
    return "CircuitBreakerSink(" + route + ", " + policy + ", " + delegate + ")";
  }
}
