package dev.sinkgate.server.log;

import dev.sinkgate.proto.v1.Durability;
import dev.sinkgate.server.sink.Accepted;
import dev.sinkgate.server.sink.QueueBudget;
import dev.sinkgate.server.sink.Record;
import dev.sinkgate.server.sink.RecordRejectedException;
import dev.sinkgate.server.sink.RecordSink;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The {@code file} route: a {@link FileLog} behind one writer thread that group-commits.
 *
 * <p>Writers enqueue records (bounded by a {@link QueueBudget}); the writer thread takes
 * everything queued, appends it with one write, syncs once (with {@link FsyncPolicy#ALWAYS})
 * and completes the whole group. While one sync runs, the next group gathers, so
 * concurrent writers share each fsync and throughput grows with concurrency.
 *
 * <p>A failed sync is fatal for the log: the route answers {@code UNAVAILABLE} from then
 * on and never retries the sync on the same file (after a failed fsync the kernel may
 * have dropped the dirty pages, so a later "successful" fsync proves nothing).
 */
public final class FileLogSink implements RecordSink {
  private static final int MAX_GROUP_RECORDS = 4096;
  private static final long MAX_GROUP_BYTES = 8L << 20;
  private static final Pending CLOSE = new Pending(null, null);

  private final String name;
  private final FileLog log;
  private final FsyncPolicy fsync;
  private final Clock clock;
  private final QueueBudget budget;
  private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
  private final Thread writer;
  /** Appends hold the read lock and close the write lock, so no record is queued after the close marker. */
  private final ReentrantReadWriteLock closeLock = new ReentrantReadWriteLock();
  private volatile boolean closed;
  private volatile String failure;

  private record Pending(Record record, CompletableFuture<Accepted> result) {}

  /** Takes ownership of an open {@code log} and starts its writer thread. */
  public FileLogSink(String name, FileLog log, FsyncPolicy fsync, int maxQueuedRecords,
      long maxQueuedBytes, Clock clock) {
    this.name = name;
    this.log = log;
    this.fsync = fsync;
    this.clock = clock;
    this.budget = new QueueBudget("route '" + name + "'", maxQueuedRecords, maxQueuedBytes);
    this.writer = new Thread(this::runWriter, "sinkgate-filelog-" + name);
    writer.setDaemon(true);
    writer.start();
  }

  @Override
  public CompletableFuture<Accepted> append(Record record) {
    closeLock.readLock().lock();
    try {
      if (closed) {
        return CompletableFuture.failedFuture(unavailable("route '" + name + "' is closed"));
      }
      String failed = failure;
      if (failed != null) {
        return CompletableFuture.failedFuture(unavailable(failed));
      }
      budget.acquire(record.data().length);
      CompletableFuture<Accepted> result = new CompletableFuture<>();
      queue.add(new Pending(record, result));
      return result;
    } catch (RecordRejectedException e) {
      return CompletableFuture.failedFuture(e);
    } finally {
      closeLock.readLock().unlock();
    }
  }

  private void runWriter() {
    List<Pending> group = new ArrayList<>();
    List<FileLog.Entry> entries = new ArrayList<>();
    boolean closing = false;
    while (!closing || !queue.isEmpty()) {
      group.clear();
      entries.clear();
      try {
        Pending first = queue.take();
        closing |= gather(first, group);
        long bytes = first == CLOSE ? 0 : first.record().data().length;
        while (bytes < MAX_GROUP_BYTES && group.size() < MAX_GROUP_RECORDS) {
          Pending next = queue.poll();
          if (next == null) {
            break;
          }
          closing |= gather(next, group);
          if (next != CLOSE) {
            bytes += next.record().data().length;
          }
        }
      } catch (InterruptedException e) {
        closing = true;
        queue.drainTo(group);
        group.removeIf(p -> p == CLOSE);
      }
      try {
        commit(group, entries);
      } catch (RuntimeException e) {
        // A bug must not kill the writer and leave writers waiting forever: fail the group.
        for (Pending p : group) {
          if (!p.result().isDone()) {
            fail(p, e);
          }
        }
      }
    }
  }

  /** Adds {@code p} to the group unless it is the close marker; returns true for the marker. */
  private static boolean gather(Pending p, List<Pending> group) {
    if (p == CLOSE) {
      return true;
    }
    group.add(p);
    return false;
  }

  private void commit(List<Pending> group, List<FileLog.Entry> entries) {
    List<Pending> live = new ArrayList<>(group.size());
    for (Pending p : group) {
      if (p.record().expired()) {
        fail(p, new RecordRejectedException(RecordRejectedException.Reason.DEADLINE,
            "route '" + name + "': the deadline passed while the record was queued; it was not written"));
      } else if (failure != null) {
        fail(p, unavailable(failure));
      } else {
        live.add(p);
        entries.add(new FileLog.Entry(p.record().key(), p.record().headers(), p.record().data()));
      }
    }
    if (live.isEmpty()) {
      return;
    }
    long first;
    try {
      first = log.append(entries, clock.millis());
    } catch (IOException e) {
      if (log.broken()) {
        failure = "route '" + name + "': writing " + log.directory() + " failed and could not be undone ("
            + e + "); the route accepts no more records until the gateway restarts and recovers the log";
      }
      // The log cut itself back to before this group (or is broken), so nothing of it is acknowledged.
      for (Pending p : live) {
        fail(p, unavailable("route '" + name + "': writing " + log.directory() + " failed: " + e));
      }
      return;
    }
    Durability level = Durability.DURABILITY_WRITTEN;
    if (fsync == FsyncPolicy.ALWAYS) {
      try {
        log.sync();
        level = Durability.DURABILITY_SYNCED;
      } catch (IOException e) {
        failure = "route '" + name + "': fsync of " + log.directory() + " failed (" + e
            + "); the route accepts no more records until the gateway restarts and recovers the log";
        for (Pending p : live) {
          fail(p, unavailable(failure));
        }
        return;
      }
    }
    // Last first: a stream whose records share this group sees its head record complete
    // last, so it acknowledges the whole group with one cumulative ack instead of one each.
    for (int i = live.size() - 1; i >= 0; i--) {
      Pending p = live.get(i);
      budget.release(p.record().data().length);
      p.result().complete(new Accepted(p.record().data().length, level, first + i));
    }
  }

  private void fail(Pending p, RuntimeException e) {
    budget.release(p.record().data().length);
    p.result().completeExceptionally(e);
  }

  private static RecordRejectedException unavailable(String message) {
    return new RecordRejectedException(RecordRejectedException.Reason.UNAVAILABLE, message,
        Duration.ofSeconds(1));
  }

  /** True while the log accepts records (no fsync failure). */
  public boolean healthy() {
    return failure == null && !closed;
  }

  /**
   * Stops accepting, writes and syncs every record already queued, then closes the log.
   * Idempotent.
   */
  @Override
  public void close() {
    closeLock.writeLock().lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      queue.add(CLOSE);
    } finally {
      closeLock.writeLock().unlock();
    }
    boolean interrupted = false;
    while (writer.isAlive()) {
      try {
        writer.join();
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    try {
      log.close();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("route '" + name + "': closing " + log.directory(), e);
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public String toString() {
    return "file(" + log.directory() + ", fsync " + fsync.name().toLowerCase() + ")";
  }
}
