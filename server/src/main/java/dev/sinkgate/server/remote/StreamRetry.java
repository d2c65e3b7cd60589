package dev.sinkgate.server.remote;

import dev.sinkgate.client.RetryPolicy;
import dev.sinkgate.server.sink.RecordRejectedException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;

/**
 * A route's {@code retry:}, retry budget and {@code breaker:} as they apply to downstream
 * streams, where a failed stream is reopened and its unacknowledged records resent:
 * <ul>
 *   <li>each stream is one call of the {@link CircuitBreaker} (if the route has one): opening
 *       one asks for a permit ({@link #admit()}), and the stream's outcome is its first
 *       acknowledgement (a success) or its failure before any ({@link #outcome});
 *   <li>the {@code n}-th reopening in a row without progress waits {@link RetryPolicy#delay},
 *       never less than the failure's {@code retryAfter} (the downstream's RetryInfo, or the
 *       breaker's time left open), while {@code n < max_attempts};
 *   <li>each reopening takes a token of the {@link RetryBudget}; each record the downstream
 *       acknowledges deposits the ratio ({@link #delivered}). So an outage adds at most
 *       {@code burst + ratio × delivered} reopenings.
 * </ul>
 * When {@link #delay} says no more (attempts or budget spent, or a failure that is not
 * retryable), the caller decides: a spool's forwarder falls back to its own slower backoff
 * (it never gives up its records), a client stream's records fail with the last failure.
 * Thread-safe; the breaker may be shared with the route's unary path.
 */
public final class StreamRetry {
  private final RetryPolicy policy;
  private final RetryBudget.Bucket budget;
  private final CircuitBreaker breaker;
  private final DoubleSupplier random;

  /**
   * @param breaker the route's breaker, or null for none
   * @param random the jitter, uniform in [0, 1)
   */
  public StreamRetry(RetryPolicy policy, RetryBudget budget, CircuitBreaker breaker, DoubleSupplier random) {
    this.policy = Objects.requireNonNull(policy, "policy");
    this.budget = budget.newBucket();
    this.breaker = breaker;
    this.random = Objects.requireNonNull(random, "random");
  }

  /** One attempt per stream, the default budget, no breaker: what a route without {@code retry:} and {@code breaker:} gets. */
  public static StreamRetry none() {
    return new StreamRetry(RetryPolicy.none(), RetryBudget.DEFAULT, null, () -> ThreadLocalRandom.current().nextDouble());
  }

  /**
   * Leave to open a stream: the breaker's permit (null without a breaker), to hand back to
   * {@link #outcome} once the stream made progress or failed.
   *
   * @throws RecordRejectedException UNAVAILABLE with the time left open, while the breaker is open
   */
  CircuitBreaker.Permit admit() {
    return breaker == null ? null : breaker.acquire();
  }

  /** The outcome of a stream {@link #admit} let open: {@code failure} null once it made progress. */
  void outcome(CircuitBreaker.Permit permit, Throwable failure) {
    if (permit != null) {
      breaker.record(permit, failure == null || !CircuitBreaker.counts(failure));
    }
  }

  /** A stream {@link #admit} let open ended saying nothing of the downstream (its caller left). */
  void release(CircuitBreaker.Permit permit) {
    if (permit != null) {
      breaker.release(permit);
    }
  }

  /** {@code records} more records were acknowledged by the downstream: each deposits into the budget. */
  void delivered(long records) {
    budget.deposit(records);
  }

  /**
   * The wait before reopening after {@code failures} streams in a row failed without progress
   * (1 for the first), the last with {@code cause}; null when the policy's attempts or the
   * budget are spent or {@code cause} is not retryable. A non-null answer took a budget token.
   */
  public Duration delay(int failures, RecordRejectedException cause) {
    if (!cause.reason().retryable() || failures >= policy.maxAttempts() || !budget.tryWithdraw()) {
      return null;
    }
    return policy.delay(failures, random.getAsDouble(), cause.retryAfter());
  }

  @Override
  public String toString() {
    return "StreamRetry(" + policy + (breaker == null ? "" : ", " + breaker) + ")";
  }
}
