package dev.sinkgate.server.spool;

import dev.sinkgate.server.log.FileLogSink;
import dev.sinkgate.server.sink.Accepted;
import dev.sinkgate.server.sink.Record;
import dev.sinkgate.server.sink.RecordRejectedException;
import dev.sinkgate.server.sink.RecordSink;
import dev.sinkgate.server.sink.StreamFence;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * A route's spool, as {@link Spool#open} returns it: appends go to the spool's file log and
 * are acknowledged at its durability ({@code DURABILITY_WRITTEN} or {@code DURABILITY_SYNCED},
 * per its {@code fsync}), never waiting for the downstream; a forwarder drains the log to the
 * downstream in order, a window of records in flight ({@link OrderedDownstream}). A full spool answers {@code STORAGE_FULL} with a retry delay.
 *
 * <p>{@link #healthy()} follows the spool's log, not the downstream: the spool keeps
 * accepting while the downstream is down. {@link #close()} stops accepting, stops the
 * forwarder (what it has not forwarded stays on disk for the next start), commits the
 * cursor, and closes the dead-letter log, the spool's log and the downstream, in reverse
 * order of opening. Idempotent. Thread-safe.
 */
public final class SpoolingSink implements RecordSink {
  private final String route;
  private final Path dir;
  private final FileLogSink spool;
  private final FileLogSink deadLetters;
  private final Forwarder forwarder;
  private final OrderedDownstream downstream;
  private final String producerId;
  private volatile boolean closed;

  SpoolingSink(String route, Path dir, FileLogSink spool, FileLogSink deadLetters, Forwarder forwarder,
      OrderedDownstream downstream, String producerId) {
    this.route = route;
    this.dir = dir;
    this.spool = spool;
    this.deadLetters = deadLetters;
    this.forwarder = forwarder;
    this.downstream = downstream;
    this.producerId = producerId;
  }

  @Override
  public CompletableFuture<Accepted> append(Record record) {
    if (closed) {
      StreamFence.trip(record);
      return CompletableFuture.failedFuture(new RecordRejectedException(RecordRejectedException.Reason.UNAVAILABLE,
          "route '" + route + "': the spool is closed", Duration.ofSeconds(1)));
    }
    return spool.append(record);
  }

  /** Records the downstream accepted (duplicates included) since the spool opened. */
  public long forwarded() {
    return forwarder.forwarded();
  }

  /**
   * Of {@link #forwarded()}, those the downstream answered as duplicates (replays after a
   * restart), where it says so: a {@code WriteStream} downstream's cumulative acks do not, so
   * there this stays 0.
   */
  public long duplicates() {
    return forwarder.duplicates();
  }

  /** Records the downstream refused for good and that moved to the dead-letter log, since the spool opened. */
  public long deadLettered() {
    return forwarder.deadLettered();
  }

  /** The committed cursor: the offset of the next record to forward as last persisted. */
  public long committedCursor() {
    return forwarder.committedCursor();
  }

  /** The offset after the last record the spool stored. */
  public long end() {
    return spool.writtenEnd();
  }

  /** The producer id the forwarder writes with (sequence = spool offset + 1). */
  public String producerId() {
    return producerId;
  }

  /** The dead-letter log's directory. */
  public Path deadLetterPath() {
    return dir.resolve(Spool.DEAD_LETTER_DIR);
  }

  @Override
  public boolean healthy() {
    return !closed && spool.healthy();
  }

  @Override
  public void onHealthChange(Runnable listener) {
    spool.onHealthChange(listener);
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try (Closer closer = new Closer()) {
      closer.add(downstream::close);
      closer.add(spool);
      closer.add(deadLetters);
      closer.add(forwarder);
    }
  }

  @Override
  public String toString() {
    return "spool(" + dir + ", " + spool + ") -> " + downstream;
  }
}
