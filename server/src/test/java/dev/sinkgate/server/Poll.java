package dev.sinkgate.server;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waits for a condition with a deadline, instead of sleeping a fixed time. */
public final class Poll {
  private Poll() {}

  public static void until(Duration timeout, BooleanSupplier condition, Supplier<String> whatWasExpected)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("timed out after " + timeout + " waiting for: " + whatWasExpected.get());
      }
      Thread.sleep(5);
    }
  }
}
