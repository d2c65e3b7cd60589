package dev.sinkgate.cli;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * When each record of a benchmark is due, shared by all its workers.
 *
 * <p>With a rate, record {@code i} is due at {@code start + i / rate}, however long the
 * records before it took (an open loop). A worker that fell behind sends an overdue record
 * at once, and its latency counts from when it was due: a stall then shows as the latency
 * every record waiting behind it saw, instead of being hidden by sending fewer records
 * ("coordinated omission"). Without a rate (0), a record is due when a worker takes it
 * (a closed loop, as fast as the gateway answers).
 *
 * <p>Bounded by a count, a duration, or both, whichever ends first. Thread-safe.
 */
final class Schedule {
  /** {@link #take()}'s answer once the run is over. */
  static final long DONE = Long.MIN_VALUE;

  private final long start;
  private final double rate;
  private final long count;
  private final long durationNanos;
  private final LongSupplier nanoTime;
  private final AtomicLong next = new AtomicLong();

  /**
   * @param start the {@code nanoTime} the run starts at
   * @param rate records per second, or 0 for as fast as possible
   * @param count records in all, or 0 for no limit
   * @param duration how long records are due, or null for no limit (not null if count is 0)
   */
  Schedule(long start, double rate, long count, Duration duration, LongSupplier nanoTime) {
    if (!(rate >= 0) || Double.isInfinite(rate)) {
      throw new IllegalArgumentException("rate: " + rate + " (expected: >= 0, 0 for unlimited)");
    }
    if (count < 0) {
      throw new IllegalArgumentException("count: " + count + " (expected: >= 0, 0 for no limit)");
    }
    if (count == 0 && duration == null) {
      throw new IllegalArgumentException("a schedule needs a count or a duration (expected: at least one)");
    }
    this.start = start;
    this.rate = rate;
    this.count = count == 0 ? Long.MAX_VALUE : count;
    this.durationNanos = duration == null ? Long.MAX_VALUE : duration.toNanos();
    this.nanoTime = nanoTime;
  }

  /** True if records are due at fixed times (a rate was given). */
  boolean paced() {
    return rate > 0;
  }

  /**
   * Takes the next record: the {@code nanoTime} it is due at (the caller waits until then
   * and measures latency from it), or {@link #DONE} when the count or duration is reached.
   */
  long take() {
    long i = next.getAndIncrement();
    if (i >= count) {
      return DONE;
    }
    long due = rate > 0 ? start + (long) (i * 1e9 / rate) : nanoTime.getAsLong();
    return due - start >= durationNanos ? DONE : due;
  }
}
