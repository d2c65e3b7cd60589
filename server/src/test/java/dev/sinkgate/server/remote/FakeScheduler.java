package dev.sinkgate.server.remote;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.RejectedExecutionException;

/** A {@link Scheduler} on a fake clock: tasks run, on the test's thread, when {@link #advance} passes their time. */
public final class FakeScheduler implements Scheduler {
  private record Task(long at, long order, Runnable run) {}

  private final PriorityQueue<Task> tasks =
      new PriorityQueue<>(Comparator.comparingLong(Task::at).thenComparingLong(Task::order));
  private final List<Duration> delays = new ArrayList<>();
  private long now = 1_000_000_000L;
  private long order;
  private boolean closed;

  @Override
  public synchronized long nanoTime() {
    return now;
  }

  @Override
  public synchronized void schedule(Runnable task, Duration delay) {
    if (closed) {
      throw new RejectedExecutionException("scheduler closed");
    }
    delays.add(delay);
    tasks.add(new Task(now + delay.toNanos(), order++, task));
  }

  /** Moves the clock forward by {@code d}, running every task that falls due, in time order. */
  public void advance(Duration d) {
    long until;
    synchronized (this) {
      until = now + d.toNanos();
    }
    while (true) {
      Task next;
      synchronized (this) {
        next = tasks.peek();
        if (next == null || next.at() > until) {
          now = until;
          return;
        }
        tasks.poll();
        now = next.at();
      }
      next.run().run();
    }
  }

  /** Runs tasks until none is left, advancing the clock to each; returns how far it went. */
  public Duration runAll() {
    long start = nanoTime();
    while (true) {
      Task next;
      synchronized (this) {
        next = tasks.peek();
      }
      if (next == null) {
        return Duration.ofNanos(nanoTime() - start);
      }
      advance(Duration.ofNanos(next.at() - nanoTime()));
    }
  }

  public synchronized int pending() {
    return tasks.size();
  }

  /** Every delay asked for, in order. */
  public synchronized List<Duration> delays() {
    return List.copyOf(delays);
  }

  @Override
  public synchronized void close() {
    closed = true;
    tasks.clear();
  }

  public synchronized boolean closed() {
    return closed;
  }
}
