package dev.sinkgate.server.sink;

import dev.sinkgate.client.DataSink;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The gateway's side of a sink: accepts a {@link Record} (data with key, headers and a
 * deadline) without blocking the caller, and completes once the record reached the
 * sink's durability level.
 *
 * <p>{@link #append} never blocks: a sink that does blocking work runs it on threads it
 * owns, and a full queue fails the future at once with
 * {@link RecordRejectedException.Reason#QUEUE_FULL}. Records appended from one thread are
 * stored in the order appended. A future fails with {@link RecordRejectedException} for
 * expected conditions; any other exception means a bug.
 *
 * <p>A {@code RecordSink} is also a {@link DataSink}: {@link #write} appends a record
 * without key or headers and waits for it.
 *
 * <p>{@link #close()} stops accepting, finishes every record already accepted (flushing
 * and syncing what the sink holds) and releases its threads and files. Idempotent.
 */
public interface RecordSink extends DataSink {

  /** Accepts {@code record}; the future completes when it is stored, or fails. */
  CompletableFuture<Accepted> append(Record record);

  @Override
  default int write(byte[] data) {
    try {
      return (int) append(Record.of(data)).join().written();
    } catch (java.util.concurrent.CompletionException e) {
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw e;
    }
  }

  /**
   * False once the sink has failed for good (a failed fsync, say) and answers every
   * record UNAVAILABLE; a full queue or a full disk is not unhealthy, it passes.
   */
  default boolean healthy() {
    return true;
  }

  /**
   * The fdatasync calls this sink has made so far, for its metrics; 0 for a sink that does
   * not sync files (only a file route's records per fsync, its group-commit size, is news).
   */
  default long fsyncs() {
    return 0;
  }

  /**
   * Completes once the sink is open for records: at once for a sink that opened in its
   * constructor (a file log recovered its tail there), on the first connection to a remote
   * downstream. The gateway reports itself ready (health SERVING) only once every route's
   * sink is open. Never fails.
   */
  default CompletionStage<Void> opened() {
    return CompletableFuture.completedFuture(null);
  }

  /** Registers {@code listener} to run (on any thread) whenever {@link #healthy()} may have changed. */
  default void onHealthChange(Runnable listener) {}

  @Override
  void close();
}
