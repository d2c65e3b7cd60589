package dev.sinkgate.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ProgressTest {
  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  private final StringWriter screen = new StringWriter();

  private Progress progress(boolean enabled) {
    return new Progress(new PrintWriter(screen), now::get, Duration.ofMillis(250), enabled);
  }

  @Test
  void draw_firstAtOnceThenAtMostOncePerInterval() {
    Progress p = progress(true);

    assertTrue(p.due(), "the first line is due at once");
    p.draw("1 records");
    now.addAndGet(Duration.ofMillis(249).toNanos());
    assertFalse(p.due(), "not again within the interval");
    now.addAndGet(Duration.ofMillis(1).toNanos());
    assertTrue(p.due(), "due again once the interval passed");
  }

  @Test
  void draw_redrawsInPlaceAndCoversALongerPreviousLine() {
    Progress p = progress(true);

    p.draw("123456");
    p.draw("abc");

    assertEquals("\r123456\rabc   ", screen.toString());
  }

  @Test
  void clear_erasesTheLineAndLeavesTheCursorAtItsStart() {
    Progress p = progress(true);
    p.draw("abc");

    p.clear();
    p.clear(); // nothing left to erase

    assertEquals("\rabc\r   \r", screen.toString());
  }

  @Test
  void disabled_drawsNothingAndIsNeverDue() {
    Progress p = progress(false);

    assertFalse(p.due());
    p.draw("abc");
    p.clear();

    assertEquals("", screen.toString());
  }
}
