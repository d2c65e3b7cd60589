package dev.sinkgate.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ScheduleTest {
  private static final long START = 5_000_000_000L;
  private final AtomicLong now = new AtomicLong(START);

  @Test
  void take_withRate_dueAtFixedTimesHoweverLateTheCallerIs() {
    Schedule s = new Schedule(START, 1000, 4, null, now::get);

    now.addAndGet(Duration.ofSeconds(1).toNanos()); // the caller stalled for a second
    assertEquals(START, s.take());
    assertEquals(START + 1_000_000, s.take());
    assertEquals(START + 2_000_000, s.take());
    assertEquals(START + 3_000_000, s.take());
    assertEquals(Schedule.DONE, s.take(), "the count is reached");
    assertEquals(Schedule.DONE, s.take(), "and stays reached");
  }

  @Test
  void take_withRateAndDuration_endsWithTheLastRecordDueBeforeTheEnd() {
    Schedule s = new Schedule(START, 10, 0, Duration.ofMillis(250), now::get);

    assertEquals(START, s.take());
    assertEquals(START + 100_000_000, s.take());
    assertEquals(START + 200_000_000, s.take());
    assertEquals(Schedule.DONE, s.take(), "record 3 would be due at 300 ms, after the duration");
  }

  @Test
  void take_unlimited_dueWhenTakenUntilTheDurationPassed() {
    Schedule s = new Schedule(START, 0, 0, Duration.ofSeconds(2), now::get);

    now.set(START + 7);
    assertEquals(START + 7, s.take());
    now.set(START + Duration.ofMillis(1999).toNanos());
    assertEquals(now.get(), s.take());
    now.set(START + Duration.ofSeconds(2).toNanos());
    assertEquals(Schedule.DONE, s.take());
  }

  @Test
  void take_countAndDuration_whicheverComesFirst() {
    Schedule s = new Schedule(START, 0, 2, Duration.ofHours(1), now::get);

    assertEquals(START, s.take());
    assertEquals(START, s.take());
    assertEquals(Schedule.DONE, s.take());
  }

  @Test
  void new_withoutCountOrDuration_isRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new Schedule(START, 100, 0, null, now::get));

    assertEquals("a schedule needs a count or a duration (expected: at least one)", e.getMessage());
  }
}
