package dev.sinkgate.server.spool;

import java.time.Duration;

/**
 * How long the forwarder waits before retrying a record the downstream refused for a
 * reason that may pass: {@code initial} doubled per consecutive failure, capped at
 * {@code max}. A downstream's {@code RetryInfo} takes precedence (see {@link Forwarder}).
 */
record Backoff(Duration initial, Duration max) {
  /** 100 ms, doubling up to 5 s. */
  static final Backoff DEFAULT = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(5));

  Backoff {
    if (initial.isNegative() || initial.isZero()) {
      throw new IllegalArgumentException("initial: " + initial + " (expected: > 0)");
    }
    if (max.compareTo(initial) < 0) {
      throw new IllegalArgumentException("max: " + max + " (expected: >= initial " + initial + ")");
    }
  }

  /** The wait after {@code failures} consecutive failures (1 for the first). */
  Duration delay(int failures) {
    int doublings = Math.min(Math.max(failures - 1, 0), 30);
    Duration d = initial.multipliedBy(1L << doublings);
    return d.compareTo(max) > 0 ? max : d;
  }

  /** Waits a given time; the forwarder's runs on a fake in tests. */
  @FunctionalInterface
  interface Pause {
    void pause(Duration duration) throws InterruptedException;

    /** Sleeps the calling thread; an interrupt (the forwarder closing) ends it early. */
    Pause SLEEP = d -> Thread.sleep(d.toMillis());
  }
}
