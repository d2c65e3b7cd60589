package dev.sinkgate.server.remote;

import java.time.Duration;
import java.util.Objects;

/**
 * When a {@link CircuitBreakerSink} opens and for how long. Immutable.
 *
 * @param failureRate opens when at least this fraction of the last {@code window} calls
 *     failed (checked once the window is full), from 0 (exclusive) to 1
 * @param window how many of the latest calls the failure rate is taken over
 * @param consecutiveFailures opens after this many failures in a row, whatever the window
 *     says; 0 for no such rule
 * @param openFor how long the breaker stays open before letting probes through
 * @param halfOpenProbes how many calls a half-open breaker lets through at once
 */
public record BreakerPolicy(double failureRate, int window, int consecutiveFailures, Duration openFor,
    int halfOpenProbes) {
  /** The default: opens at 50% of 20 calls or 5 in a row, for 5 s, then 1 probe. */
  public static final BreakerPolicy DEFAULT = new BreakerPolicy(0.5, 20, 5, Duration.ofSeconds(5), 1);

  public BreakerPolicy {
    if (!(failureRate > 0 && failureRate <= 1)) {
      throw new IllegalArgumentException("failure_rate: " + failureRate + " (expected: above 0, at most 1)");
    }
    if (window < 1 || window > 10_000) {
      throw new IllegalArgumentException("window: " + window + " (expected: a call count from 1 to 10000)");
    }
    if (consecutiveFailures < 0) {
      throw new IllegalArgumentException("consecutive_failures: " + consecutiveFailures + " (expected: >= 0)");
    }
    Objects.requireNonNull(openFor, "openFor");
    if (openFor.isNegative() || openFor.isZero()) {
      throw new IllegalArgumentException("open_for: " + openFor + " (expected: > 0)");
    }
    if (halfOpenProbes < 1) {
      throw new IllegalArgumentException("half_open_probes: " + halfOpenProbes + " (expected: >= 1)");
    }
  }
}
