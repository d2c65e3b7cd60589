package dev.sinkgate.server.spool;

import dev.sinkgate.server.log.FileLogSink;
import dev.sinkgate.server.log.LogFiles;
import dev.sinkgate.server.log.LogRecord;
import dev.sinkgate.server.log.LogTail;
import dev.sinkgate.server.sink.Record;
import dev.sinkgate.server.sink.RecordRejectedException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The spool's one forwarding thread: follows the spool's log from the committed cursor with
 * a {@link LogTail} and sends the records, in order, to an {@link OrderedDownstream}, keeping
 * at most its window of records unacknowledged (held in memory, so that a failure can resend
 * them without rereading the log). A window of one ({@link OrderedDownstream#oneAtATime}, a
 * plain {@code RecordSink}) waits for each record's answer before the next; a
 * {@code WriteStream} downstream keeps many in flight on one stream, acknowledged cumulatively.
 *
 * <p>It forwards only records the append side stored for good and synced
 * ({@link FileLogSink#syncedEnd()}), asking for a sync when it catches up with unsynced ones:
 * a downstream that has seen a sequence number the spool could lose in a power cut would
 * later answer a new record reusing that offset as a duplicate.
 *
 * <p>Each record goes out with the spool's producer id and sequence = offset + 1, so that a
 * replay (everything after the committed cursor is forwarded again after a crash, and
 * everything unacknowledged when a stream fails) is answered as a duplicate by a downstream
 * that deduplicates. When a stream ends at record j, the records before j are acknowledged;
 * if the downstream refused j for what it is ({@code INVALID}, naming j), j moves to the
 * dead-letter log and the rest are resent at once on a new stream; otherwise (an outage, a
 * lost connection, a stream silent for the ack timeout, which is cancelled) the forwarder
 * waits {@link OrderedDownstream#retryDelay} (the route's {@code retry:}; an open breaker ends
 * a new stream at once, retry after the time left open) or, once that says no more, the
 * refusal's {@code retryAfter}, else {@link Backoff}, and resends from j.
 *
 * <p>The cursor (the first unacknowledged offset) is committed every {@code commitEvery}
 * records or {@code commitInterval}, whichever comes first, whenever the forwarder catches up,
 * and at close; after each commit the whole segments behind it are deleted.
 */
final class Forwarder implements AutoCloseable {
  /** Header naming why the downstream refused a dead-lettered record: its reason and message. */
  static final String STATUS_HEADER = "sinkgate-dead-letter-status";
  /** Header naming the route whose downstream refused a dead-lettered record. */
  static final String ROUTE_HEADER = "sinkgate-dead-letter-route";
  /** Header giving a dead-lettered record's offset in the spool. */
  static final String OFFSET_HEADER = "sinkgate-dead-letter-offset";
  /** The longest one wait for acknowledgements lasts before the ack timeout is checked again (the clock may be a test's). */
  private static final long WAIT_SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

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

  /** One stream's acknowledgements and end, as its listener hears them; fields guarded by {@link #lock}. */
  private final class Session implements OrderedDownstream.Listener {
    OrderedDownstream.Stream stream;
    long acked;
    long duplicates;
    volatile boolean ended;
    long failedIndex = -1;
    RecordRejectedException cause;
    /** What the forwarder thread has taken in of the above. Forwarder thread. */
    long seenAcked;
    long seenDuplicates;
    boolean cancelled;

    @Override
    public void acked(long count, long dups) {
      lock.lock();
      try {
        acked = Math.max(acked, count);
        duplicates = Math.max(duplicates, dups);
        answered();
      } finally {
        lock.unlock();
      }
    }

    @Override
    public void ended(long index, RecordRejectedException why) {
      lock.lock();
      try {
        if (!ended) {
          ended = true;
          failedIndex = index;
          cause = why;
          answered();
        }
      } finally {
        lock.unlock();
      }
    }
  }

  private final String route;
  private final Path dir;
  private final LogFiles files;
  private final FileLogSink spool;
  private final FileLogSink deadLetters;
  private final OrderedDownstream downstream;
  private final SpoolState state;
  private final String producerId;
  private final Clock clock;
  private final Settings settings;
  private final Consumer<String> warnings;
  private final Thread thread;
  private final ReentrantLock lock = new ReentrantLock();
  /** Signalled when the spool stores records, and when a stream answers (a caught-up forwarder waits for both). */
  private final Condition written = lock.newCondition();
  /** Signalled only when a stream answers: a forwarder with a full window has no use for new records. */
  private final Condition answered = lock.newCondition();
  private final AtomicLong forwarded = new AtomicLong();
  private final AtomicLong duplicates = new AtomicLong();
  private final AtomicLong deadLettered = new AtomicLong();
  private volatile boolean stopping;
  private boolean closed;
  /** The first offset not yet acknowledged (nor dead-lettered): what the cursor commits. Forwarder thread (and close, after it ended). */
  private volatile long next;
  private volatile long committed;
  private int sinceCommit;
  /** Records forwarded in the current poll; a poll ends after {@link Settings#batchRecords()}. */
  private int polled;
  private long lastCommitMillis;
  /** Records sent and not yet acknowledged, oldest first; all sent on {@link #session} if there is one. Forwarder thread. */
  private final ArrayDeque<LogRecord> unacked = new ArrayDeque<>();
  private long unackedBytes;
  /** The offset of the next record to read from the log and send. Forwarder thread. */
  private long sendNext;
  private Session session;
  /** Consecutive streams that ended without progress. Forwarder thread. */
  private int failures;
  /** When the current stream last made progress (opened, or acknowledged something). Forwarder thread. */
  private long lastProgressMillis;

  Forwarder(String route, Path dir, LogFiles files, FileLogSink spool, FileLogSink deadLetters,
      OrderedDownstream downstream, SpoolState state, String producerId, long cursor, Clock clock, Settings settings,
      Consumer<String> warnings) {
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
    this.sendNext = cursor;
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

  /** Wakes the forwarder after a stream's answer; the lock is held. */
  private void answered() {
    written.signalAll();
    answered.signalAll();
  }

  private void run() {
    LogTail tail = new LogTail(dir, next, files);
    int readFailures = 0;
    try {
      while (!stopping) {
        try {
          settle();
          if (session == null && !unacked.isEmpty()) {
            resend();
            continue;
          }
          long limit = spool.syncedEnd();
          if (sendNext >= limit) {
            if (spool.writtenEnd() > sendNext) {
              spool.syncWritten().get();
            } else if (unacked.isEmpty()) {
              commit(); // caught up: commit now, so the segments behind go at once
              awaitWritten();
            } else {
              awaitProgress(true);
            }
            continue;
          }
          polled = 0;
          tail.poll(r -> visit(r, limit));
          readFailures = 0;
        } catch (StopPoll e) {
          readFailures = 0; // a batch ended, or the limit was reached
        } catch (InterruptedException e) {
          // close() interrupted a wait: the loop ends as stopping is set
        } catch (IOException | ExecutionException | RuntimeException e) {
          if (stopping) {
            break; // an interrupted read (ClosedByInterruptException) while closing
          }
          readFailures++;
          if (readFailures == 1) { // once per spell of failures, not once per retry
            warnings.accept("route '" + route + "': the spool's forwarder failed to read or sync " + dir
                + " at offset " + sendNext + " (" + e + "); it keeps trying");
          }
          if (!pause(settings.backoff().delay(readFailures))) {
            break;
          }
        }
      }
    } finally {
      if (session != null) {
        session.stream.cancel("route '" + route + "': the spool is closing; the rest stays spooled");
        session = null;
      }
    }
  }

  private void awaitWritten() throws InterruptedException {
    lock.lock();
    try {
      while (!stopping && spool.writtenEnd() <= sendNext) {
        written.await();
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Waits until the stream acknowledges or ends, records arrive (if {@code forRecords}), or
   * the ack timeout passes (then cancels the stream).
   */
  private void awaitProgress(boolean forRecords) throws InterruptedException {
    Duration timeout = downstream.ackTimeout();
    Session s = session;
    if (timeout != null && !s.cancelled && clock.millis() - lastProgressMillis >= timeout.toMillis()) {
      s.cancelled = true;
      s.stream.timedOut("route '" + route + "': no acknowledgement from the downstream for " + timeout.toMillis()
          + " ms with " + unacked.size() + " records unacknowledged");
      return;
    }
    long written = spool.writtenEnd();
    lock.lock();
    try {
      if (!stopping && s.acked == s.seenAcked && !s.ended && (!forRecords || spool.writtenEnd() == written)) {
        (forRecords ? this.written : answered).awaitNanos(WAIT_SLICE_NANOS);
      }
    } finally {
      lock.unlock();
    }
  }

  /** Takes in the current stream's acknowledgements, and its end if it ended. */
  private void settle() throws StopPoll {
    Session s = session;
    if (s == null) {
      return;
    }
    long acked;
    long dups;
    boolean ended;
    lock.lock();
    try {
      acked = s.acked;
      dups = s.duplicates;
      ended = s.ended;
    } finally {
      lock.unlock();
    }
    long fresh = Math.min(acked - s.seenAcked, unacked.size()); // a downstream acking what it was not sent is ignored
    if (fresh > 0) {
      for (long i = 0; i < fresh; i++) {
        LogRecord r = unacked.pollFirst();
        unackedBytes -= r.data().length;
        next = r.offset() + 1;
      }
      s.seenAcked += fresh;
      forwarded.addAndGet(fresh);
      sinceCommit += (int) fresh;
      lastProgressMillis = clock.millis();
      if (failures > 0) {
        failures = 0;
        warnings.accept("route '" + route + "': the downstream accepts again; forwarding the spool from offset " + next);
      }
      if (sinceCommit >= settings.commitEvery()
          || clock.millis() - lastCommitMillis >= settings.commitInterval().toMillis()) {
        commit();
      }
    }
    if (dups > s.seenDuplicates) {
      duplicates.addAndGet(dups - s.seenDuplicates);
      s.seenDuplicates = dups;
    }
    if (ended) {
      session = null;
      ended(s);
    }
  }

  /**
   * A stream ended with {@link #unacked} holding what it did not acknowledge: dead-letters the
   * first if the downstream refused it for good, else backs off; the rest is resent by the loop.
   */
  private void ended(Session s) throws StopPoll {
    if (unacked.isEmpty()) {
      return; // nothing lost; the next record opens a new stream
    }
    LogRecord head = unacked.peekFirst();
    RecordRejectedException cause = s.cause != null ? s.cause : new RecordRejectedException(
        RecordRejectedException.Reason.UNAVAILABLE, "the downstream ended the stream with " + unacked.size()
            + " records unacknowledged");
    // Only a record the downstream refuses for what it is goes to the dead letters; a missing
    // route (NOT_FOUND) is the downstream's configuration, and the record waits for it.
    if (cause.reason() == RecordRejectedException.Reason.INVALID && s.failedIndex == s.seenAcked) {
      deadLetter(head, cause);
      unacked.pollFirst();
      unackedBytes -= head.data().length;
      next = head.offset() + 1;
      sinceCommit++;
      return;
    }
    failures++;
    // The route's retry policy while its attempts and budget last (RetryInfo a floor), then
    // the forwarder's own backoff, slower: the spool never gives its records up.
    Duration wait = downstream.retryDelay(failures, cause);
    if (wait == null) {
      wait = settings.backoff().delay(failures);
      if (cause.retryAfter() != null && !cause.retryAfter().isNegative() && !cause.retryAfter().isZero()) {
        wait = cause.retryAfter();
      }
    }
    if (failures == 1) {
      warnings.accept("route '" + route + "': forwarding spool offset " + head.offset() + " failed (" + cause.getMessage()
          + "); the spool keeps it and retries, backing off up to " + settings.backoff().max().toMillis() + " ms");
    }
    if (!pause(wait)) {
      throw STOP;
    }
  }

  private void visit(LogRecord r, long limit) throws IOException {
    if (r.offset() < sendNext) {
      return; // the tail re-reads a segment from its start after a stop before its first record
    }
    if (r.offset() >= limit || stopping) {
      throw STOP;
    }
    // Wait for room in the window here rather than ending the poll: the tail reads on from
    // where it is, so a backlog is read once whatever the window.
    while (true) {
      settle();
      if (session == null && !unacked.isEmpty()) {
        resend();
      }
      if (unacked.isEmpty() || unacked.size() < downstream.windowRecords()
          && unackedBytes + r.data().length <= downstream.windowBytes()) {
        break;
      }
      try {
        awaitProgress(false);
      } catch (InterruptedException e) {
        throw STOP; // closing
      }
      if (stopping) {
        throw STOP;
      }
    }
    if (session == null) {
      open();
    }
    if (unacked.isEmpty()) {
      lastProgressMillis = clock.millis(); // the ack timeout runs from the first record in flight
    }
    unacked.addLast(r);
    unackedBytes += r.data().length;
    sendNext = r.offset() + 1;
    session.stream.send(toRecord(r));
    if (++polled >= settings.batchRecords()) {
      throw STOP; // re-read the limits now and then on a long backlog
    }
  }

  private void open() {
    Session s = new Session();
    s.stream = downstream.open(s);
    session = s;
    lastProgressMillis = clock.millis();
  }

  /** Opens a new stream and sends it every unacknowledged record again, in order. */
  private void resend() {
    open();
    for (LogRecord r : unacked) {
      session.stream.send(toRecord(r));
    }
  }

  private Record toRecord(LogRecord r) {
    return toRecord(r, r.headers());
  }

  /** {@code r} as the spool's producer sends it: its producer id, and its offset + 1 as the sequence. */
  private Record toRecord(LogRecord r, Map<String, String> headers) {
    return new Record(r.key(), headers, r.data(), Long.MAX_VALUE, null, -1, producerId, r.offset() + 1);
  }

  /** Appends {@code r} to the dead-letter log with why it was refused, retrying until it is stored. */
  private void deadLetter(LogRecord r, RecordRejectedException refused) throws StopPoll {
    Map<String, String> headers = new LinkedHashMap<>(r.headers());
    headers.put(STATUS_HEADER, refused.reason() + ": " + refused.getMessage());
    headers.put(ROUTE_HEADER, route);
    headers.put(OFFSET_HEADER, Long.toString(r.offset()));
    // With the spool's producer id and sequence, so that dead-lettering it again after a
    // crash (before the cursor's commit) is answered as a duplicate, not stored twice.
    Record dead = toRecord(r, headers);
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
    lock.lock();
    try {
      answered(); // wakes the forwarder whatever it waits for
    } finally {
      lock.unlock();
    }
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
