package dev.sinkgate.server.log;

import dev.sinkgate.proto.v1.Durability;
import dev.sinkgate.server.sink.Accepted;
import dev.sinkgate.server.sink.QueueBudget;
import dev.sinkgate.server.sink.Record;
import dev.sinkgate.server.sink.RecordRejectedException;
import dev.sinkgate.server.sink.RecordSink;
import dev.sinkgate.server.sink.StreamFence;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.LongSupplier;

/**
 * The {@code file} route: a {@link FileLog} behind one writer thread that group-commits.
 *
 * <p>Idempotent writes: the writer checks each record with a producer id, in queue order,
 * against the log's producer table and against the records before it in the same group.
 * A record whose sequence is not above its producer's last is not written; it is answered
 * {@link Accepted#duplicate()} with the original's offset (0 when older than the
 * producer's last 64 records). The table advances only once a group is written, so a group
 * refused for a full disk or a failed write advances nothing.
 *
 * <p>Writers enqueue records (bounded by a {@link QueueBudget}); the writer thread takes
 * everything queued, appends it with one write, syncs once (with {@link FsyncPolicy#ALWAYS})
 * and completes the whole group. While one sync runs, the next group gathers, so
 * concurrent writers share each fsync and throughput grows with concurrency. With
 * {@link FsyncPolicy#INTERVAL} the group is acknowledged once written and the writer, the
 * only thread that touches the log, syncs when the interval is due (it waits on the queue
 * no longer than that), and on close.
 *
 * <p>A failed sync is fatal for the log: the route answers {@code UNAVAILABLE} from then
 * on and never retries the sync on the same file (after a failed fsync the kernel may
 * have dropped the dirty pages, so a later "successful" fsync proves nothing).
 *
 * <p>A full disk is not: the group that did not fit fails with
 * {@link RecordRejectedException.Reason#STORAGE_FULL}; the log is cut back and the next
 * group tries again, so writes resume once space is freed.
 *
 * <p>A refused record trips its stream's {@link StreamFence}, and the writer refuses every
 * later record of a tripped stream instead of writing it: the stream's client resends from
 * the refused record, so a later one written now would be stored ahead of it and twice.
 */
public final class FileLogSink implements RecordSink {
  private static final int MAX_GROUP_RECORDS = 4096;
  /**
   * Records that must be queued for the writer to hand a group's acknowledgements to
   * {@link #acks}. Fewer are better gathered while the writer wakes the callers, into a
   * larger next group (measured with bench/: with 8 closed-loop writers, handing off at
   * any queue made groups smaller and throughput lower; with 64, it raised throughput).
   */
  private static final int HAND_OFF_QUEUED = 16;
  private static final long MAX_GROUP_BYTES = 8L << 20;
  private static final Pending CLOSE = new Pending(null, null);

  private final String name;
  private final FileLog log;
  private final FsyncPolicy fsync;
  private final Clock clock;
  private final long syncIntervalNanos;
  private final LongSupplier ticker;
  private final QueueBudget budget;
  private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
  private final Thread writer;
  /**
   * Completes the futures of a committed group when many records are already queued, so
   * that the writer starts the next write and fsync at once instead of first waking every
   * waiting caller (and running their callbacks: gRPC answers). Otherwise the writer
   * completes the group itself: a hand-off would only add latency. See {@link #acknowledge}.
   */
  private final ExecutorService acks;
  /** Groups handed to {@link #acks} and not yet completed; while any are, later ones follow them. */
  private final AtomicInteger acksPending = new AtomicInteger();
  /** Appends hold the read lock and close the write lock, so no record is queued after the close marker. */
  private final ReentrantReadWriteLock closeLock = new ReentrantReadWriteLock();
  private volatile boolean closed;
  private volatile String failure;
  private final List<Runnable> healthListeners = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final List<Runnable> writtenListeners = new java.util.concurrent.CopyOnWriteArrayList<>();
  /** Work for the writer thread, the only one that touches the log (see {@link #onWriter}). */
  private final java.util.concurrent.ConcurrentLinkedQueue<Runnable> tasks =
      new java.util.concurrent.ConcurrentLinkedQueue<>();
  /** The offset after the last record stored for good: acknowledged, never cut back. Writer thread writes it. */
  private volatile long writtenEnd;
  /** The offset up to which stored records are known synced ({@code <= writtenEnd}). Writer thread writes it. */
  private volatile long syncedEnd;
  /** Writer thread only: when retention by age is next checked, in {@link #ticker} nanos. */
  private long retentionDueNanos;
  /** Writer thread only: records were written since the last sync ({@link FsyncPolicy#INTERVAL}). */
  private boolean unsynced;
  /** Writer thread only: when the pending interval sync is due, in {@link #ticker} nanos. */
  private long syncDueNanos;

  /** A record to write, or (record null) a probe from {@link #writerPass()}. */
  private record Pending(Record record, CompletableFuture<Accepted> result) {}

  /** How often the writer deletes segments past their retention age while no roll does it. */
  static final long RETENTION_CHECK_NANOS = TimeUnit.MINUTES.toNanos(1);

  /** The sync interval of {@link FsyncPolicy#INTERVAL} when none is given. */
  public static final Duration DEFAULT_SYNC_INTERVAL = Duration.ofSeconds(1);

  /**
   * Takes ownership of an open {@code log} and starts its writer thread; an
   * {@link FsyncPolicy#INTERVAL} log syncs every {@link #DEFAULT_SYNC_INTERVAL}.
   */
  public FileLogSink(String name, FileLog log, FsyncPolicy fsync, int maxQueuedRecords,
      long maxQueuedBytes, Clock clock) {
    this(name, log, fsync, DEFAULT_SYNC_INTERVAL, maxQueuedRecords, maxQueuedBytes, clock);
  }

  /**
   * Takes ownership of an open {@code log} and starts its writer thread.
   *
   * @param syncInterval how often an {@link FsyncPolicy#INTERVAL} log syncs at most
   *     (ignored by the other policies)
   * @param clock stamps the records
   */
  public FileLogSink(String name, FileLog log, FsyncPolicy fsync, Duration syncInterval,
      int maxQueuedRecords, long maxQueuedBytes, Clock clock) {
    this(name, log, fsync, syncInterval, maxQueuedRecords, maxQueuedBytes, clock, System::nanoTime);
  }

  /** As above, with {@code ticker} (monotonic nanos, like {@link System#nanoTime()}) timing the interval sync. */
  FileLogSink(String name, FileLog log, FsyncPolicy fsync, Duration syncInterval,
      int maxQueuedRecords, long maxQueuedBytes, Clock clock, LongSupplier ticker) {
    if (syncInterval.isNegative() || syncInterval.isZero()) {
      throw new IllegalArgumentException("syncInterval: " + syncInterval + " (expected: > 0)");
    }
    this.name = name;
    this.log = log;
    this.fsync = fsync;
    this.syncIntervalNanos = syncInterval.toNanos();
    this.clock = clock;
    this.ticker = ticker;
    this.budget = new QueueBudget("route '" + name + "'", maxQueuedRecords, maxQueuedBytes);
    this.retentionDueNanos = ticker.getAsLong() + RETENTION_CHECK_NANOS;
    this.writtenEnd = log.nextOffset();
    this.syncedEnd = log.firstOffset(); // what recovery found may not be synced yet: see syncWritten()
    this.acks = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "sinkgate-filelog-" + name + "-acks");
      t.setDaemon(true);
      return t;
    });
    this.writer = new Thread(this::runWriter, "sinkgate-filelog-" + name);
    writer.setDaemon(true);
    writer.start();
  }

  @Override
  public CompletableFuture<Accepted> append(Record record) {
    closeLock.readLock().lock();
    try {
      if (closed) {
        return refuse(record, unavailable("route '" + name + "' is closed"));
      }
      String failed = failure;
      if (failed != null) {
        return refuse(record, unavailable(failed));
      }
      budget.acquire(record.data().size());
      CompletableFuture<Accepted> result = new CompletableFuture<>();
      queue.add(new Pending(record, result));
      return result;
    } catch (RecordRejectedException e) {
      return refuse(record, e);
    } finally {
      closeLock.readLock().unlock();
    }
  }

  private void runWriter() {
    List<Pending> group = new ArrayList<>();
    List<Pending> probes = new ArrayList<>();
    List<FileLog.Entry> entries = new ArrayList<>();
    boolean closing = false;
    while (!closing || !queue.isEmpty()) {
      group.clear();
      probes.clear();
      entries.clear();
      try {
        Pending next = nextOrNullWhenSyncDue();
        long bytes = 0;
        while (next != null) {
          closing |= gather(next, group, probes);
          if (next.record() != null) {
            bytes += next.record().data().size();
          }
          if (bytes >= MAX_GROUP_BYTES || group.size() >= MAX_GROUP_RECORDS) {
            break;
          }
          next = queue.poll();
        }
      } catch (InterruptedException e) {
        closing = true;
        List<Pending> rest = new ArrayList<>();
        queue.drainTo(rest);
        for (Pending p : rest) {
          gather(p, group, probes);
        }
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
      try {
        if (unsynced && ticker.getAsLong() - syncDueNanos >= 0) {
          syncUnsynced();
        }
        if (ticker.getAsLong() - retentionDueNanos >= 0) {
          retentionDueNanos = ticker.getAsLong() + RETENTION_CHECK_NANOS;
          enforceRetention();
        }
      } catch (RuntimeException e) {
        // A bug must not kill the writer: the route fails visibly instead (UNAVAILABLE, NOT_SERVING).
        markFailed(new IOException("unexpected " + e, e));
      }
      runTasks();
      if (!probes.isEmpty()) {
        // After the acks of what was committed before them.
        List<Pending> answered = List.copyOf(probes);
        acknowledge(() -> answered.forEach(probe -> probe.result().complete(null)));
      }
    }
    if (unsynced) {
      syncUnsynced(); // close syncs what the interval had not yet
    }
  }

  /**
   * The next queued item. With unsynced records (only under {@link FsyncPolicy#INTERVAL})
   * waits no longer than until the sync is due, and returns null if nothing came by then.
   */
  private Pending nextOrNullWhenSyncDue() throws InterruptedException {
    boolean retention = log.options().retentionAge() != null && failure == null;
    if (!unsynced && !retention) {
      return queue.take();
    }
    long due = unsynced ? syncDueNanos : retentionDueNanos;
    if (unsynced && retention && retentionDueNanos - syncDueNanos < 0) {
      due = retentionDueNanos;
    }
    long left = due - ticker.getAsLong();
    // When the sync is already due, still take what is queued: it joins the same sync.
    return left <= 0 ? queue.poll() : queue.poll(left, TimeUnit.NANOSECONDS);
  }

  /**
   * Sorts {@code p} into records and probes; returns true for the close marker, which is
   * neither.
   */
  private static boolean gather(Pending p, List<Pending> group, List<Pending> probes) {
    if (p == CLOSE) {
      return true;
    }
    (p.record() == null ? probes : group).add(p);
    return false;
  }

  /** The interval sync. After a failure nothing is synced again: see the class comment. */
  private void syncUnsynced() {
    unsynced = false;
    if (failure != null) {
      return;
    }
    try {
      log.sync();
      syncedEnd = writtenEnd;
    } catch (IOException e) {
      markFailed(e);
    }
  }

  /** Deletes segments past their retention. A failure to delete is reported, not fatal. */
  private void enforceRetention() {
    if (failure != null || log.options().retentionAge() == null) {
      return;
    }
    try {
      log.enforceRetention();
    } catch (IOException | RuntimeException e) {
      System.err.println("sinkgate: route '" + name + "': deleting segments past retention in "
          + log.directory() + " failed: " + e);
    }
  }

  /** Makes the route fail every record from now on, and tells the health listeners. */
  private void markFailed(IOException e) {
    failure = "route '" + name + "': " + e.getMessage()
        + "; the route accepts no more records until the gateway restarts and recovers the log";
    for (Runnable listener : healthListeners) {
      listener.run();
    }
  }

  /** A record of the group being committed that gets an answer if the group's write succeeds. */
  private record Live(Pending pending, GroupAdmission.Admitted admitted) {}

  private void commit(List<Pending> group, List<FileLog.Entry> entries) {
    List<Live> live = new ArrayList<>(group.size());
    GroupAdmission admission = new GroupAdmission(log, entries);
    long now = clock.millis();
    log.expireProducers(now);
    for (Pending p : group) {
      if (StreamFence.closed(p.record())) {
        fail(p, StreamFence.refusal(p.record(), name));
      } else if (p.record().expired()) {
        fail(p, new RecordRejectedException(RecordRejectedException.Reason.DEADLINE,
            "route '" + name + "': the deadline passed while the record was queued; it was not written"));
      } else if (failure != null) {
        fail(p, unavailable(failure));
      } else {
        live.add(new Live(p, admission.admit(p.record())));
      }
    }
    if (live.isEmpty()) {
      return;
    }
    long first = 0;
    try {
      if (!entries.isEmpty()) {
        first = log.append(entries, now);
      }
    } catch (LogFullException e) {
      // Cut back and still usable: refuse this group (and, by their fences, the later
      // records of its streams); the next group tries again. Its duplicates too: a stream
      // is answered in order, so none of its records may pass one that was refused.
      for (Live l : live) {
        fail(l.pending(), storageFull(e));
      }
      return;
    } catch (IOException e) {
      if (log.broken()) {
        markFailed(e);
      }
      // The log cut itself back to before this group (or is broken), so nothing of it is acknowledged.
      for (Live l : live) {
        fail(l.pending(), unavailable(failure != null ? failure
            : "route '" + name + "': writing " + log.directory() + " failed: " + e));
      }
      return;
    }
    Durability level = Durability.DURABILITY_WRITTEN;
    if (fsync == FsyncPolicy.ALWAYS) {
      // Also for a group of duplicates only: an original recovered after a crash may never
      // have been synced, and answering SYNCED for it must be true.
      try {
        log.sync();
        level = Durability.DURABILITY_SYNCED;
      } catch (IOException e) {
        log.discardUnsynced(); // this group is refused: it must not come back after a restart
        markFailed(e);
        for (Live l : live) {
          fail(l.pending(), unavailable(failure));
        }
        return;
      }
    } else if (fsync == FsyncPolicy.INTERVAL && !unsynced && !entries.isEmpty()) {
      // Due one interval after the oldest unsynced write: no acknowledged record stays
      // unsynced longer than that, and syncs are at least an interval apart.
      unsynced = true;
      syncDueNanos = ticker.getAsLong() + syncIntervalNanos;
    }
    if (!entries.isEmpty()) {
      // The records written, not the records answered: duplicates add nothing to the log.
      writtenEnd = first + entries.size();
    }
    if (level == Durability.DURABILITY_SYNCED) {
      syncedEnd = writtenEnd;
    }
    for (Runnable listener : writtenListeners) {
      listener.run();
    }
    Durability durability = level;
    long firstOffset = first;
    acknowledge(() -> {
      // Last first: a stream whose records share this group sees its head record complete
      // last, so it acknowledges the whole group with one cumulative ack instead of one each.
      for (int i = live.size() - 1; i >= 0; i--) {
        Live l = live.get(i);
        Pending p = l.pending();
        budget.release(p.record().data().size());
        p.result().complete(new Accepted(p.record().data().size(), durability, l.admitted().offset(firstOffset),
            l.admitted().duplicate()));
      }
    });
  }

  /**
   * Runs {@code completion} (completing a group's futures) on the writer thread unless
   * {@link #HAND_OFF_QUEUED} records wait for the next group or an earlier group is still
   * being completed there; then on {@link #acks}, in order. Writer thread only.
   */
  private void acknowledge(Runnable completion) {
    if (queue.size() < HAND_OFF_QUEUED && acksPending.get() == 0) {
      completion.run();
      return;
    }
    acksPending.incrementAndGet();
    acks.execute(() -> {
      try {
        completion.run();
      } finally {
        acksPending.decrementAndGet();
      }
    });
  }

  private RecordRejectedException storageFull(LogFullException e) {
    return new RecordRejectedException(RecordRejectedException.Reason.STORAGE_FULL,
        "route '" + name + "': " + e.getMessage() + "; the record was not written, retry once space is freed",
        Duration.ofSeconds(1));
  }

  private static CompletableFuture<Accepted> refuse(Record record, RecordRejectedException e) {
    StreamFence.trip(record);
    return CompletableFuture.failedFuture(e);
  }

  private void fail(Pending p, RuntimeException e) {
    StreamFence.trip(p.record()); // before completing: whoever the failure wakes finds the fence tripped
    budget.release(p.record().data().size());
    p.result().completeExceptionally(e);
  }

  private static RecordRejectedException unavailable(String message) {
    return new RecordRejectedException(RecordRejectedException.Reason.UNAVAILABLE, message,
        Duration.ofSeconds(1));
  }

  /**
   * Completes once the writer has handled everything queued before the call and then
   * checked whether an interval sync is due. Lets a test that advances a fake ticker know
   * when the writer has seen the new time, without sleeping.
   */
  CompletableFuture<Void> writerPass() {
    closeLock.readLock().lock();
    try {
      if (closed) {
        return CompletableFuture.completedFuture(null);
      }
      CompletableFuture<Accepted> done = new CompletableFuture<>();
      queue.add(new Pending(null, done));
      return done.thenApply(a -> null);
    } finally {
      closeLock.readLock().unlock();
    }
  }

  /**
   * The offset after the last record stored for good: acknowledged (or about to be) and
   * never cut back, unlike a record a failed write or fsync refused. A reader of the log
   * (the spool's forwarder) reads no further than this.
   */
  public long writtenEnd() {
    return writtenEnd;
  }

  /** The offset up to which the stored records are known synced; at most {@link #writtenEnd()}. */
  public long syncedEnd() {
    return syncedEnd;
  }

  /** Registers {@code listener} to run on the writer thread each time {@link #writtenEnd()} grows; it must not block. */
  public void onWritten(Runnable listener) {
    writtenListeners.add(listener);
  }

  /**
   * Syncs every record stored so far, whatever the fsync policy, and completes with the new
   * {@link #syncedEnd()}; fails UNAVAILABLE if the log failed or the sink is closed.
   */
  public CompletableFuture<Long> syncWritten() {
    return onWriter(() -> {
      if (syncedEnd < writtenEnd) {
        log.sync();
        syncedEnd = writtenEnd;
        unsynced = false;
      }
      return syncedEnd;
    });
  }

  /**
   * Deletes the log's closed segments whose records all lie below {@code offset} (see
   * {@link FileLog#trimBefore}), on the writer thread; completes with how many were deleted.
   */
  public CompletableFuture<Integer> trimBefore(long offset) {
    return onWriter(() -> log.trimBefore(offset));
  }

  /** Runs {@code task} on the writer thread, between groups, or fails UNAVAILABLE once the log failed or closed. */
  private <T> CompletableFuture<T> onWriter(java.util.concurrent.Callable<T> task) {
    CompletableFuture<T> result = new CompletableFuture<>();
    closeLock.readLock().lock();
    try {
      if (closed) {
        return CompletableFuture.failedFuture(unavailable("route '" + name + "' is closed"));
      }
      tasks.add(() -> {
        if (failure != null) {
          result.completeExceptionally(unavailable(failure));
          return;
        }
        try {
          result.complete(task.call());
        } catch (IOException e) {
          if (log.broken()) {
            markFailed(e);
          }
          result.completeExceptionally(unavailable("route '" + name + "': " + e.getMessage()));
        } catch (Exception e) {
          result.completeExceptionally(e);
        }
      });
      queue.add(new Pending(null, new CompletableFuture<>())); // wakes the writer
      return result;
    } finally {
      closeLock.readLock().unlock();
    }
  }

  /** Runs the queued {@link #onWriter} tasks: on the writer thread, or in close once it ended. */
  private void runTasks() {
    Runnable task;
    while ((task = tasks.poll()) != null) {
      task.run();
    }
  }

  /** True while the log accepts records (no fsync failure). */
  @Override
  public long fsyncs() {
    return log.syncCount();
  }

  @Override
  public boolean healthy() {
    return failure == null && !closed;
  }

  @Override
  public void onHealthChange(Runnable listener) {
    healthListeners.add(listener);
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
    acks.shutdown(); // the writer queued its last acks: let them all run before the log closes
    while (!acks.isTerminated()) {
      try {
        acks.awaitTermination(1, TimeUnit.MINUTES);
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    runTasks(); // queued before close, after the writer's last pass
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
    String every = fsync == FsyncPolicy.INTERVAL ? " every " + syncIntervalNanos / 1_000_000 + " ms" : "";
    return "file(" + log.directory() + ", fsync " + fsync.name().toLowerCase(java.util.Locale.ROOT) + every + ")";
  }
}
