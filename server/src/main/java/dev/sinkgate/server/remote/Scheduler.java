package dev.sinkgate.server.remote;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The clock and timer of the resilience decorators: real time on a scheduled thread in the
 * gateway, a fake clock that a test advances by hand. Times are {@link System#nanoTime()}-like
 * (only differences mean anything), the same scale as {@code Record.deadlineNanos}.
 */
public interface Scheduler extends AutoCloseable {

  /** The current time in nanoseconds. */
  long nanoTime();

  /**
   * Runs {@code task} once, {@code delay} from now.
   *
   * @throws RejectedExecutionException once closed
   */
  void schedule(Runnable task, Duration delay);

  /** Stops running scheduled tasks (they are dropped) and releases the thread. Idempotent. */
  @Override
  void close();

  /** Real time, with one daemon thread named {@code name} that this scheduler owns. */
  static Scheduler system(String name) {
    ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    });
    return new Scheduler() {
      @Override
      public long nanoTime() {
        return System.nanoTime();
      }

      @Override
      public void schedule(Runnable task, Duration delay) {
        executor.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
      }

      @Override
      public void close() {
        executor.shutdownNow();
      }

      @Override
      public String toString() {
        return "Scheduler.system(" + name + ")";
      }
    };
  }
}
