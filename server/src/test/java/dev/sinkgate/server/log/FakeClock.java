package dev.sinkgate.server.log;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * A clock the test sets. It starts at the epoch (unless given a start), before any file's
 * mtime, so no segment is old until a test says so. Safe to read from a writer thread.
 */
final class FakeClock extends Clock {
  private volatile Instant now;

  FakeClock() {
    this(Instant.EPOCH);
  }

  FakeClock(Instant start) {
    now = start;
  }

  void set(Instant instant) {
    now = instant;
  }

  void advance(Duration d) {
    now = now.plus(d);
  }

  @Override
  public Instant instant() {
    return now;
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    throw new UnsupportedOperationException("the file log needs no zone");
  }
}
