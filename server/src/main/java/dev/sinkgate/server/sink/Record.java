package dev.sinkgate.server.sink;

import java.util.Map;

/**
 * One record on its way to a sink.
 *
 * @param key the partition/ordering key, {@code ""} if none
 * @param headers attributes stored with the record; never null
 * @param data the record's bytes; owned by the record, not copied
 * @param deadlineNanos {@link System#nanoTime()} after which the caller no longer waits
 *     for the record, {@link Long#MAX_VALUE} for none. A sink that has not started
 *     writing a record by then fails it with {@link RecordRejectedException.Reason#DEADLINE}
 *     instead of writing it.
 */
public record Record(String key, Map<String, String> headers, byte[] data, long deadlineNanos) {

  /** A record with no key, headers or deadline. */
  public static Record of(byte[] data) {
    return new Record("", Map.of(), data, Long.MAX_VALUE);
  }

  /** True if the caller's deadline has passed. */
  public boolean expired() {
    return deadlineNanos != Long.MAX_VALUE && System.nanoTime() - deadlineNanos >= 0;
  }
}
