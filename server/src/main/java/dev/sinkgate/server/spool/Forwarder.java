package dev.sinkgate.server.spool;

import dev.sinkgate.server.log.FileLogSink;
import dev.sinkgate.server.log.LogFiles;
import dev.sinkgate.server.log.LogRecord;
import dev.sinkgate.server.log.LogTail;
import dev.sinkgate.server.sink.Accepted;
import dev.sinkgate.server.sink.Record;
import dev.sinkgate.server.sink.RecordRejectedException;
import dev.sinkgate.server.sink.RecordSink;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The spool's one forwarding thread: follows the spool's log from the committed cursor with
 * a {@link LogTail} and hands each record to the downstream, one at a time and in order,
 * waiting for its answer before the next (a remote downstream is unary: two calls in flight
 * could arrive reordered). Only one record is held in memory, whatever the backlog.
 *
 * <p>It forwards only records the append side stored for good and synced
 * ({@link FileLogSink#syncedEnd()}), asking for a sync when it catches up with unsynced ones:
 * a downstream that has seen a sequence number the spool could lose in a power cut would
 * later answer a new record reusing that offset as a duplicate.
 *
 * <p>Each record goes out with the spool's producer id and sequence = offset + 1, so that a
 * replay (everything after the committed cursor is forwarded again after a crash) is answered
 * as a duplicate by a downstream that deduplicates. A retryable refusal is retried after
 * the refusal's {@code retryAfter}, else after {@link Backoff}; a permanent one moves the
 * record to the dead-letter log and the forwarder goes on.
 *
 * <p>The cursor is committed every {@code commitEvery} records or {@code commitInterval},
 * whichever comes first, whenever the forwarder catches up, and at close; after each commit
 * the whole segments behind it are deleted.
 */
final class Forwarder implements AutoCloseable {
  /** Header naming why the downstream refused a dead-lettered record: its reason and message. */
  static final String STATUS_HEADER = "sinkgate-dead-letter-status";
  /** Header naming the route whose downstream refused a dead-lettered record. */
  static final String ROUTE_HEADER = "sinkgate-dead-letter-route";
  /** Header giving a dead-lettered record's offset in the spool. */
  static final String OFFSET_HEADER = "sinkgate-dead-letter-offset";

  /** Ends a {@link LogTail#poll} before the record it was thrown at (the tail resumes there). */
  private static final class StopPoll extends IOException {
    private static final long serialVersionUID = 1L;

    StopPoll() {
      super("stop", null);
      setStackTrace(new StackTraceElement[0]);
    }
  }

  private static final StopPoll STOP = new StopPoll();

  /** When and how the forwarder commits and retries. */
  record Settings(int commitEvery, Duration commitInterval, int batchRecords, Backoff backoff, Backoff.Pause pause) {
    static final Settings DEFAULT =
        new Settings(1000, Duration.ofSeconds(1), 1000, Backoff.DEFAULT, Backoff.Pause.SLEEP);
  }

  private final String route;
  private final Path dir;
  private final LogFiles files;
  private final FileLogSink spool;
  private final FileLogSink deadLetters;
  private final RecordSink downstream;
  private final SpoolState state;
  private final String producerId;
  private final Clock clock;
  private final Settings settings;
  private final Consumer<String> warnings;
  private final Thread thread;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition written = lock.newCondition();
  private final AtomicLong forwarded = new AtomicLong();
  private final AtomicLong duplicates = new AtomicLong();
  private final AtomicLong deadLettered = new AtomicLong();
  private volatile boolean stopping;
  private boolean closed;
  /** The next offset to forward. Forwarder thread (and close, after it ended). */
  private volatile long next;
  private volatile long committed;
  private int sinceCommit;
  /** Records forwarded in the current poll; a poll ends after {@link Settings#batchRecords()}. */
  private int polled;
  private long lastCommitMillis;

  Forwarder(String route, Path dir, LogFiles files, FileLogSink spool, FileLogSink deadLetters, RecordSink downstream,
      SpoolState state, String producerId, long cursor, Clock clock, Settings settings, Consumer<String> warnings) {
    this.route = route;
    this.dir = dir;
    this.files = files;
    this.spool = spool;
    this.deadLetters = deadLetters;
    this.downstream = downstream;
    this.state = state;
    this.producerId = producerId;
    this.clock = clock;
    this.settings = settings;
    this.warnings = warnings;
    this.next = cursor;
    this.committed = cursor;
    this.lastCommitMillis = clock.millis();
    spool.onWritten(this::signal);
    this.thread = new Thread(this::run, "sinkgate-spool-" + route);
    thread.setDaemon(true);
    thread.start();
  }

  private void signal() {
    lock.lock();
    try {
      written.signalAll();
    } finally {
      lock.unlock();
    }
  }

  private void run() {
    LogTail tail = new LogTail(dir, next, files);
    int failures = 0;
    while (!stopping) {
      try {
        long limit = spool.syncedEnd();
        if (next >= limit) {
          if (spool.writtenEnd() > next) {
            spool.syncWritten().get();
          } else {
            commit(); // caught up: commit now, so the segments behind go at once
            awaitWritten();
          }
          continue;
        }
        polled = 0;
        tail.poll(r -> visit(r, limit));
        failures = 0;
      } catch (StopPoll e) {
        failures = 0; // a batch ended, or the limit was reached
      } catch (InterruptedException e) {
        // close() interrupted a wait: the loop ends as stopping is set
      } catch (IOException | ExecutionException | RuntimeException e) {
        if (stopping) {
          break; // an interrupted read (ClosedByInterruptException) while closing
        }
        failures++;
        if (failures == 1) { // once per spell of failures, not once per retry
          warnings.accept("route '" + route + "': the spool's forwarder failed to read or sync " + dir
              + " at offset " + next + " (" + e + "); it keeps trying");
        }
        if (!pause(settings.backoff().delay(failures))) {
          break;
        }
      }
    }
  }

  private void awaitWritten() throws InterruptedException {
    lock.lock();
    try {
      while (!stopping && spool.writtenEnd() <= next) {
        written.await();
      }
    } finally {
      lock.unlock();
    }
  }

  private void visit(LogRecord r, long limit) throws IOException {
    if (r.offset() < next) {
      return; // the tail re-reads a segment from its start after a stop before its first record
    }
    if (r.offset() >= limit || stopping) {
      throw STOP;
    }
    forward(r);
    next = r.offset() + 1;
    sinceCommit++;
    if (sinceCommit >= settings.commitEvery()
        || clock.millis() - lastCommitMillis >= settings.commitInterval().toMillis()) {
      commit();
    }
    if (++polled >= settings.batchRecords()) {
      throw STOP; // re-read the limits now and then on a long backlog
    }
  }

  /** Delivers {@code r} downstream (or to the dead letters), retrying until done; throws STOP once closing. */
  private void forward(LogRecord r) throws StopPoll {
    Record out = new Record(r.key(), r.headers(), r.data(), Long.MAX_VALUE, null, -1, producerId, r.offset() + 1);
    int failures = 0;
    while (true) {
      if (stopping) {
        throw STOP;
      }
      Throwable cause;
      try {
        Accepted a = downstream.append(out).get();
        forwarded.incrementAndGet();
        if (a.duplicate()) {
          duplicates.incrementAndGet();
        }
        if (failures > 0) {
          warnings.accept("route '" + route + "': the downstream accepts again; forwarding the spool from offset "
              + r.offset());
        }
        return;
      } catch (ExecutionException e) {
        cause = e.getCause();
      } catch (InterruptedException e) {
        throw STOP;
      } catch (RuntimeException e) {
        cause = e; // a downstream that throws instead of failing its future: retried like any failure
      }
      // Only a record the downstream refuses for what it is goes to the dead letters; a missing
      // route (NOT_FOUND) is the downstream's configuration, and the record waits for it.
      if (cause instanceof RecordRejectedException refused && refused.reason() == RecordRejectedException.Reason.INVALID) {
        deadLetter(r, refused);
        return;
      }
      failures++;
      Duration wait = settings.backoff().delay(failures);
      if (cause instanceof RecordRejectedException refused && refused.retryAfter() != null
          && !refused.retryAfter().isNegative() && !refused.retryAfter().isZero()) {
        wait = refused.retryAfter();
      }
      if (failures == 1) {
        warnings.accept("route '" + route + "': forwarding spool offset " + r.offset() + " failed (" + cause.getMessage()
            + "); the spool keeps it and retries, backing off up to " + settings.backoff().max().toMillis() + " ms");
      }
      if (!pause(wait)) {
        throw STOP;
      }
    }
  }

  /** Appends {@code r} to the dead-letter log with why it was refused, retrying until it is stored. */
  private void deadLetter(LogRecord r, RecordRejectedException refused) throws StopPoll {
    Map<String, String> headers = new LinkedHashMap<>(r.headers());
    headers.put(STATUS_HEADER, refused.reason() + ": " + refused.getMessage());
    headers.put(ROUTE_HEADER, route);
    headers.put(OFFSET_HEADER, Long.toString(r.offset()));
    // With the spool's producer id and sequence, so that dead-lettering it again after a
    // crash (before the cursor's commit) is answered as a duplicate, not stored twice.
    Record dead = new Record(r.key(), headers, r.data(), Long.MAX_VALUE, null, -1, producerId, r.offset() + 1);
    int failures = 0;
    while (true) {
      if (stopping) {
        throw STOP;
      }
      try {
        deadLetters.append(dead).get();
        deadLettered.incrementAndGet();
        warnings.accept("route '" + route + "': the downstream refused spool offset " + r.offset() + " for good ("
            + refused.getMessage() + "); moved it to the dead-letter log " + dir.resolve(Spool.DEAD_LETTER_DIR));
        return;
      } catch (ExecutionException e) {
        failures++;
        warnings.accept("route '" + route + "': storing spool offset " + r.offset() + " as a dead letter failed ("
            + e.getCause().getMessage() + "); retrying");
      } catch (InterruptedException e) {
        throw STOP;
      }
      if (!pause(settings.backoff().delay(failures))) {
        throw STOP;
      }
    }
  }

  /** Waits {@code d}; false if closing interrupted the wait. */
  private boolean pause(Duration d) {
    try {
      settings.pause().pause(d);
      return !stopping;
    } catch (InterruptedException e) {
      return false;
    }
  }

  /** Persists {@link #next} as the cursor if it moved, then deletes the segments behind it. */
  private void commit() {
    if (next == committed) {
      return;
    }
    long cursor = next;
    try {
      state.commitCursor(cursor);
    } catch (IOException e) {
      if (stopping && Thread.currentThread() == thread) {
        return; // interrupted by close(), which commits again
      }
      // The cursor stays behind: after a restart more is replayed, and deduplicated downstream.
      warnings.accept("route '" + route + "': committing the spool cursor " + cursor + " failed (" + e + ")");
      return;
    }
    committed = cursor;
    sinceCommit = 0;
    lastCommitMillis = clock.millis();
    spool.trimBefore(cursor).whenComplete((n, e) -> {
      if (e != null) {
        warnings.accept("route '" + route + "': deleting spool segments behind offset " + cursor + " failed (" + e
            + ")");
      }
    });
  }

  long forwarded() {
    return forwarded.get();
  }

  long duplicates() {
    return duplicates.get();
  }

  long deadLettered() {
    return deadLettered.get();
  }

  long committedCursor() {
    return committed;
  }

  /** Stops forwarding (the rest stays spooled), then commits the cursor. Idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    stopping = true;
    signal();
    thread.interrupt();
    boolean interrupted = false;
    while (thread.isAlive()) {
      try {
        thread.join();
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    commit();
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
