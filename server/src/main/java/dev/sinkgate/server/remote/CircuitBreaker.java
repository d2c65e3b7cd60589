package dev.sinkgate.server.remote;

import dev.sinkgate.server.sink.RecordRejectedException;
import dev.sinkgate.server.sink.RecordRejectedException.Reason;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;

/**
 * The state of one route's circuit breaker, apart from what it guards: a caller asks for a
 * {@link Permit} before each call and reports the call's outcome with it. Unary records
 * ({@link CircuitBreakerSink}) and downstream streams ({@link StreamRetry}) are calls alike.
 *
 * <ul>
 *   <li><b>Closed</b>: calls pass. It opens when the failure rate over the last
 *       {@link BreakerPolicy#window()} calls reaches {@link BreakerPolicy#failureRate()}, or
 *       after {@link BreakerPolicy#consecutiveFailures()} failures in a row.
 *   <li><b>Open</b>: every call is refused at once with {@link Reason#UNAVAILABLE}, whose
 *       {@code retryAfter} is the time left open. After {@link BreakerPolicy#openFor()} it is
 *       half-open.
 *   <li><b>Half-open</b>: up to {@link BreakerPolicy#halfOpenProbes()} calls at a time pass as
 *       probes (the rest are refused); a probe's success closes the breaker with a fresh
 *       window, a probe's failure opens it again.
 * </ul>
 * Thread-safe. Tells time by a {@link Scheduler} it does not own.
 */
public final class CircuitBreaker {
  /** The breaker's state. */
  public enum State { CLOSED, OPEN, HALF_OPEN }

  /** Leave for one call; its outcome goes back through {@link #record}. */
  public static final class Permit {
    private final boolean probe;
    private final long period;

    private Permit(boolean probe, long period) {
      this.probe = probe;
      this.period = period;
    }
  }

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

  /** A closed breaker for {@code route} (named in refusals) per {@code policy}, telling time by {@code clock}. */
  public CircuitBreaker(String route, BreakerPolicy policy, Scheduler clock) {
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

  /**
   * Leave for one call.
   *
   * @throws RecordRejectedException {@link Reason#UNAVAILABLE}, retry after the time left
   *     open, while the breaker is open or its half-open probes are all out
   */
  public Permit acquire() {
    synchronized (this) {
      State s = state();
      if (s == State.OPEN || (s == State.HALF_OPEN && probesInFlight >= policy.halfOpenProbes())) {
        Duration left = s == State.OPEN ? Duration.ofNanos(openRemainingNanos()) : policy.openFor();
        throw new RecordRejectedException(Reason.UNAVAILABLE, "route '" + route + "': circuit breaker "
            + (s == State.OPEN ? "open" : "half-open, probing") + " after downstream failures; retry in "
            + left.toMillis() + "ms", left);
      }
      boolean probe = s == State.HALF_OPEN;
      if (probe) {
        probesInFlight++;
      }
      return new Permit(probe, halfOpenPeriod);
    }
  }

  /**
   * Whether a call's failure says the downstream is in trouble: retryable rejections
   * (unavailable, deadline, queue or storage full) and unexpected exceptions do; a record the
   * downstream refused as invalid is a working downstream's answer.
   */
  public static boolean counts(Throwable failure) {
    return !(failure instanceof RecordRejectedException r) || r.reason().retryable();
  }

  /** The outcome of the call {@code permit} let through; {@code success} for one that did not {@link #counts count}. */
  public synchronized void record(Permit permit, boolean success) {
    if (permit.probe) {
      if (permit.period != halfOpenPeriod || state != State.HALF_OPEN) {
        return; // a probe of an earlier half-open period, answered after it ended
      }
      probesInFlight--;
      if (success) {
        reset();
      } else {
        open();
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

  /** The call {@code permit} let through ended without an outcome (its caller left): a probe's place is freed. */
  public synchronized void release(Permit permit) {
    if (permit.probe && permit.period == halfOpenPeriod && state == State.HALF_OPEN) {
      probesInFlight--;
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
    Arrays.fill(outcomes, false);
  }

  private long openRemainingNanos() {
    return policy.openFor().toNanos() - (clock.nanoTime() - openedAt);
  }

  @Override
  public String toString() {
    return "CircuitBreaker(" + route + ", " + policy + ")";
  }
}
