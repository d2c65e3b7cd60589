package dev.sinkgate.server.remote;

/**
 * How many retries a route may add on top of its calls, so that an outage does not multiply
 * the load on the downstream: a token bucket in the style of Finagle's retry budget. Every
 * call deposits {@code ratio} tokens, every retry withdraws one, and a retry without a whole
 * token is not made. The bucket starts full at {@code burst} tokens and never holds more,
 * so a quiet route can still retry a few transient failures (with burst 0 it holds up to one).
 *
 * <p>Over any stretch of time, retries ≤ burst + ratio × calls; attempts ≤
 * (1 + ratio) × calls + burst. An immutable policy; {@link #newBucket()} makes the mutable,
 * thread-safe state one route uses.
 */
public final class RetryBudget {
  /** The default: retries may add 20% to the calls, plus a burst of 10. */
  public static final RetryBudget DEFAULT = new RetryBudget(0.2, 10);

  private final double ratio;
  private final int burst;

  private RetryBudget(double ratio, int burst) {
    this.ratio = ratio;
    this.burst = burst;
  }

  /**
   * Retries may add {@code ratio} × calls, plus up to {@code burst} retries saved up.
   *
   * @param ratio from 0 (no retries beyond the burst) to 1 (one retry per call)
   * @param burst from 0
   */
  public static RetryBudget of(double ratio, int burst) {
    if (!(ratio >= 0 && ratio <= 1)) {
      throw new IllegalArgumentException("ratio: " + ratio + " (expected: 0 to 1)");
    }
    if (burst < 0) {
      throw new IllegalArgumentException("burst: " + burst + " (expected: >= 0)");
    }
    return new RetryBudget(ratio, burst);
  }

  public double ratio() {
    return ratio;
  }

  public int burst() {
    return burst;
  }

  /** A new bucket, full. */
  Bucket newBucket() {
    return new Bucket();
  }

  @Override
  public String toString() {
    return "RetryBudget(ratio " + ratio + ", burst " + burst + ")";
  }

  /** The tokens of one route. */
  final class Bucket {
    private double tokens = burst;

    /** A call was made: deposit the ratio. */
    void deposit() {
      deposit(1);
    }

    /** {@code calls} calls were made: deposit the ratio for each. */
    synchronized void deposit(long calls) {
      tokens = Math.min(Math.max(burst, 1), tokens + ratio * calls); // room for one whole token even with burst 0
    }

    /** True (and one token fewer) if a retry may be made. */
    synchronized boolean tryWithdraw() {
      if (tokens < 1) {
        return false;
      }
      tokens -= 1;
      return true;
    }
  }
}
