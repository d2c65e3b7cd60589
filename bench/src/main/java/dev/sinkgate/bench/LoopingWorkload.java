package dev.sinkgate.bench;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;

/**
 * The threads of a {@link Workload}: each repeats one {@link Step} until the workload is
 * closed or a step throws. {@link #close()} stops and joins them, then lets the subclass
 * release what it opened ({@link #release()}), then rethrows the first failure.
 */
abstract class LoopingWorkload implements Workload {
  /** One iteration of a thread's loop, e.g. append a record and wait for its acknowledgement. */
  @FunctionalInterface
  interface Step {
    void run() throws Exception;
  }

  private final List<Thread> threads = new ArrayList<>();
  private final AtomicReference<Throwable> failure = new AtomicReference<>();
  private volatile boolean stopping;
  private boolean closed;

  /**
   * Starts {@code count} daemon threads named {@code name-i}; thread {@code i} repeats
   * {@code steps.apply(i)}, so each thread may have its own state.
   */
  protected final void startThreads(String name, int count, IntFunction<Step> steps) {
    for (int i = 0; i < count; i++) {
      Step step = steps.apply(i);
      Thread t = new Thread(() -> loop(step), name + "-" + i);
      t.setDaemon(true);
      threads.add(t);
    }
    threads.forEach(Thread::start);
  }

  private void loop(Step step) {
    try {
      while (!stopping) {
        step.run();
      }
    } catch (Exception e) {
      failure.compareAndSet(null, e);
    }
  }

  /** Releases what the workload opened; called once, after every thread has stopped. */
  protected abstract void release() throws IOException;

  @Override
  public final Throwable failure() {
    return failure.get();
  }

  /** Stops the threads (each finishes its current step), releases, rethrows the first failure. Idempotent. */
  @Override
  public final void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    stopping = true;
    boolean interrupted = false;
    try {
      for (Thread t : threads) {
        while (t.isAlive()) {
          try {
            t.join();
          } catch (InterruptedException e) {
            interrupted = true;
          }
        }
      }
    } finally {
      release();
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
    Throwable failed = failure.get();
    if (failed != null) {
      throw new IOException(this + " failed: " + failed, failed);
    }
  }
}
