package dev.sinkgate.client;

import java.time.Duration;
import java.util.Objects;

/**
 * When a failed call is tried again: exponential backoff with jitter, bounded by a number
 * of attempts (and, in {@link SinkClient}, by the call's deadline). A server's
 * {@code RetryInfo} delay is a floor: the client never retries sooner than advised.
 * Only {@link SinkException#retryable()} failures are retried. Immutable.
 */
public final class RetryPolicy {
  private final int maxAttempts;
  private final Duration initialBackoff;
  private final Duration maxBackoff;
  private final double multiplier;
  private final double jitter;

  private RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff, double multiplier, double jitter) {
    this.maxAttempts = maxAttempts;
    this.initialBackoff = initialBackoff;
    this.maxBackoff = maxBackoff;
    this.multiplier = multiplier;
    this.jitter = jitter;
  }

  /** One attempt, no retries. */
  public static RetryPolicy none() {
    return new RetryPolicy(1, Duration.ZERO, Duration.ZERO, 1, 0);
  }

  /** The default: 5 attempts, backoff from 50 ms doubling up to 2 s, ±20% jitter. */
  public static RetryPolicy defaults() {
    return exponential(5, Duration.ofMillis(50), Duration.ofSeconds(2));
  }

  /**
   * Up to {@code maxAttempts} attempts in all; the n-th retry waits
   * {@code min(maxBackoff, initialBackoff × 2^(n-1))}, with ±20% jitter.
   */
  public static RetryPolicy exponential(int maxAttempts, Duration initialBackoff, Duration maxBackoff) {
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts: " + maxAttempts + " (expected: >= 1)");
    }
    Objects.requireNonNull(initialBackoff, "initialBackoff");
    Objects.requireNonNull(maxBackoff, "maxBackoff");
    if (initialBackoff.isNegative() || maxBackoff.compareTo(initialBackoff) < 0) {
      throw new IllegalArgumentException("backoff: initial " + initialBackoff + ", max " + maxBackoff
          + " (expected: 0 <= initial <= max)");
    }
    return new RetryPolicy(maxAttempts, initialBackoff, maxBackoff, 2.0, 0.2);
  }

  /** The same policy with {@code fraction} jitter: each delay is scaled by a random factor in [1-f, 1+f]. */
  public RetryPolicy withJitter(double fraction) {
    if (!(fraction >= 0 && fraction <= 1)) {
      throw new IllegalArgumentException("jitter: " + fraction + " (expected: 0 to 1)");
    }
    return new RetryPolicy(maxAttempts, initialBackoff, maxBackoff, multiplier, fraction);
  }

  /** The same policy with {@code attempts} attempts in all. */
  public RetryPolicy withMaxAttempts(int attempts) {
    if (attempts < 1) {
      throw new IllegalArgumentException("maxAttempts: " + attempts + " (expected: >= 1)");
    }
    return new RetryPolicy(attempts, initialBackoff, maxBackoff, multiplier, jitter);
  }

  public int maxAttempts() {
    return maxAttempts;
  }

  /**
   * The wait before retry number {@code retry} (1 for the first retry), given a uniform
   * random number in [0, 1) and the server's advised delay (null if none). Public so other
   * retry loops (the gateway's retrying routes) share this arithmetic.
   */
  public Duration delay(int retry, double random, Duration advised) {
    double base = initialBackoff.toNanos() * Math.pow(multiplier, retry - 1);
    double capped = Math.min(base, maxBackoff.toNanos());
    double jittered = capped * (1 - jitter + 2 * jitter * random);
    Duration backoff = Duration.ofNanos((long) jittered);
    return advised != null && advised.compareTo(backoff) > 0 ? advised : backoff;
  }

  @Override
  public String toString() {
    return maxAttempts == 1 ? "RetryPolicy.none()"
        : "RetryPolicy.exponential(" + maxAttempts + " attempts, " + initialBackoff.toMillis() + "ms.."
            + maxBackoff.toMillis() + "ms, jitter " + jitter + ")";
  }
}
