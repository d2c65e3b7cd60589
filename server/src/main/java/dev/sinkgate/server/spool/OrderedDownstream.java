package dev.sinkgate.server.spool;

import dev.sinkgate.server.sink.Record;
import dev.sinkgate.server.sink.RecordRejectedException;
import java.time.Duration;

/**
 * Where a spool's forwarder sends its records: a downstream that stores them in the order
 * sent and acknowledges them cumulatively, over one {@link Stream} at a time. The forwarder
 * keeps at most {@link #windowRecords()} records (and about {@link #windowBytes()} bytes)
 * unacknowledged; {@link #oneAtATime} is the window of one that a plain {@code RecordSink}
 * allows (two unary calls in flight could be stored reordered), a gRPC {@code WriteStream}
 * allows many.
 *
 * <p>Not a decorator chain: retries and backoff on this path belong to the forwarder, which
 * opens a new stream after a failure and resends from the first unacknowledged record (the
 * records carry the spool's producer id and sequence, so a resent record that was stored is
 * answered as a duplicate). {@link #close()} releases what the downstream owns (a channel);
 * idempotent.
 */
public interface OrderedDownstream extends AutoCloseable {

  /** The most records the forwarder keeps unacknowledged; at least 1. */
  int windowRecords();

  /** The most bytes of record data the forwarder keeps unacknowledged, past one record (a larger record still goes alone). */
  long windowBytes();

  /**
   * How long a stream with unacknowledged records may go without an acknowledgement before
   * the forwarder cancels it and resends on a new one; null for no limit (the downstream
   * bounds each record itself).
   */
  Duration ackTimeout();

  /**
   * The wait before opening a new stream after {@code failures} streams in a row ended with
   * records unacknowledged (1 for the first), the last with {@code cause}; null to leave it to
   * the forwarder's own backoff. A downstream with a route's {@code retry:} answers from it
   * while its attempts and budget last.
   */
  default Duration retryDelay(int failures, RecordRejectedException cause) {
    return null;
  }

  /** Starts a stream whose acknowledgements and end go to {@code listener}. */
  Stream open(Listener listener);

  /** Releases the downstream's resources; streams still open are cancelled. Idempotent. */
  @Override
  void close();

  /** One stream of records: sent in order, acknowledged cumulatively. Called from one thread. */
  interface Stream {
    /** Sends the stream's next record; never blocks (the forwarder bounds what is in flight). */
    void send(Record record);

    /** Abandons the stream (the listener hears of its end); idempotent. Not held against the downstream. */
    void cancel(String why);

    /** Abandons a stream the downstream left without an acknowledgement too long: a failure of the downstream's. */
    default void timedOut(String why) {
      cancel(why);
    }

    /** No more records: the stream ends cleanly once the downstream acknowledged those sent. */
    default void finish() {}
  }

  /** Hears a stream's outcome; called from the downstream's threads, never after {@link #ended}. */
  interface Listener {
    /**
     * The first {@code count} records of the stream are accepted; {@code duplicates} of them
     * (cumulative, 0 where the downstream does not say) were duplicates.
     */
    void acked(long count, long duplicates);

    /**
     * The stream ended. {@code cause} is null when it ended cleanly, else why; records after
     * the last acknowledged one were not stored (or may have been: resend them).
     *
     * @param failedIndex the index in the stream of the record the downstream refused, as it
     *     named it, or -1 when the failure named no record (a connection lost)
     */
    void ended(long failedIndex, RecordRejectedException cause);
  }

  /**
   * {@code sink} as a downstream with a window of one: each record is appended once the one
   * before it was accepted. The returned downstream owns {@code sink} and closes it.
   */
  static OrderedDownstream oneAtATime(dev.sinkgate.server.sink.RecordSink sink) {
    return new OneAtATime(sink);
  }
}
