package dev.sinkgate.server.sink;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import java.util.Map;

/**
 * One record on its way to a sink.
 *
 * @param key the partition/ordering key, {@code ""} if none
 * @param headers attributes stored with the record; never null
 * @param data the record's bytes, not copied: a gRPC request's payload travels as the
 *     request's {@link ByteString} from the wire to the file or the downstream. A sink
 *     that needs a {@code byte[]} copies it there, once.
 * @param deadlineNanos {@link System#nanoTime()} after which the caller no longer waits
 *     for the record, {@link Long#MAX_VALUE} for none. A sink that has not started
 *     writing a record by then fails it with {@link RecordRejectedException.Reason#DEADLINE}
 *     instead of writing it.
 * @param fence shared by the records of one stream (see {@link StreamFence}); null for a
 *     record that is not part of a stream
 * @param streamIndex the record's index in its stream (0, 1, …); -1 outside a stream
 * @param producerId the producer's identity for idempotent writes, {@code ""} if none
 * @param sequence the producer's sequence number for this record (strictly increasing per
 *     producer); meaningful only with a producer id
 */
public record Record(String key, Map<String, String> headers, ByteString data, long deadlineNanos, StreamFence fence,
    long streamIndex, String producerId, long sequence) {

  public Record {
    producerId = producerId == null ? "" : producerId;
  }

  /**
   * As the canonical constructor, for bytes the caller hands over: {@code data} is wrapped,
   * not copied, so the caller must not change it afterwards.
   */
  public Record(String key, Map<String, String> headers, byte[] data, long deadlineNanos, StreamFence fence,
      long streamIndex, String producerId, long sequence) {
    this(key, headers, UnsafeByteOperations.unsafeWrap(data), deadlineNanos, fence, streamIndex, producerId, sequence);
  }

  /** A record without producer identity; {@code data} is handed over, not copied. */
  public Record(String key, Map<String, String> headers, byte[] data, long deadlineNanos, StreamFence fence,
      long streamIndex) {
    this(key, headers, data, deadlineNanos, fence, streamIndex, "", 0);
  }

  /** A record outside any stream; {@code data} is handed over, not copied. */
  public Record(String key, Map<String, String> headers, byte[] data, long deadlineNanos) {
    this(key, headers, data, deadlineNanos, null, -1);
  }

  /** True if the record carries a producer id, so a sink that dedupes may answer it as a duplicate. */
  public boolean idempotent() {
    return !producerId.isEmpty();
  }

  /** A record with no key, headers or deadline; {@code data} is handed over, not copied. */
  public static Record of(byte[] data) {
    return new Record("", Map.of(), data, Long.MAX_VALUE);
  }

  /** True if the caller's deadline has passed. */
  public boolean expired() {
    return deadlineNanos != Long.MAX_VALUE && System.nanoTime() - deadlineNanos >= 0;
  }
}
