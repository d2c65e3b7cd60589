package dev.sinkgate.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * One status line on a terminal, redrawn in place ({@code '\r'}) at most once per
 * interval, and erased by {@link #clear()} before the command prints its result. A
 * disabled progress (not a terminal, or {@code --no-progress}) draws nothing and says
 * {@link #due()} never, so callers need not compute the text. Not thread-safe: one
 * thread draws.
 */
final class Progress {
  static final Duration DEFAULT_INTERVAL = Duration.ofMillis(250);

  private final PrintWriter err;
  private final LongSupplier nanoTime;
  private final long intervalNanos;
  private final boolean enabled;
  private long lastDrawn;
  private int drawnWidth;
  private boolean drawnOnce;

  Progress(PrintWriter err, LongSupplier nanoTime, Duration interval, boolean enabled) {
    this.err = err;
    this.nanoTime = nanoTime;
    this.intervalNanos = interval.toNanos();
    this.enabled = enabled;
  }

  /** Progress on {@code io}'s stderr if it is a terminal and {@code wanted}. */
  static Progress on(StdIo io, boolean wanted) {
    return new Progress(io.err(), io.nanoTime(), DEFAULT_INTERVAL, wanted && io.terminal());
  }

  /** True if a line should be drawn now: enabled, and the interval has passed since the last one. */
  boolean due() {
    return enabled && (!drawnOnce || nanoTime.getAsLong() - lastDrawn >= intervalNanos);
  }

  /** Draws {@code line} over the previous one (if enabled). */
  void draw(String line) {
    if (!enabled) {
      return;
    }
    StringBuilder s = new StringBuilder("\r").append(line);
    for (int i = line.length(); i < drawnWidth; i++) {
      s.append(' '); // cover the rest of a longer previous line
    }
    err.print(s);
    err.flush();
    drawnWidth = line.length();
    lastDrawn = nanoTime.getAsLong();
    drawnOnce = true;
  }

  /** Erases the line, leaving the cursor at the start of it. */
  void clear() {
    if (!enabled || drawnWidth == 0) {
      return;
    }
    err.print("\r" + " ".repeat(drawnWidth) + "\r");
    err.flush();
    drawnWidth = 0;
  }
}
