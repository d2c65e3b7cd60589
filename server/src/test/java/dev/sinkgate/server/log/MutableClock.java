package dev.sinkgate.server.log;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * A clock the test sets. It starts at the epoch (unless given a start), before any file's mtime, so no segment
 * is old until a test says so. Safe to read from the threads of the code under test.
 */
public final class MutableClock extends Clock {
  private volatile Instant now;

  public MutableClock() {
    this(Instant.EPOCH);
  }

  public MutableClock(Instant start) {
    now = start;
  }

  public void set(Instant instant) {
    now = instant;
  }

  public void advance(Duration d) {
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
