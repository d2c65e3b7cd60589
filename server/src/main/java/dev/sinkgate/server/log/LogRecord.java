package dev.sinkgate.server.log;

import java.util.Map;

/**
 * One record as stored in a file log.
 *
 * @param offset the record's position in its log: 0, 1, 2, … stable across restarts
 * @param timestampMillis when the log appended it (milliseconds since the epoch)
 * @param key the partition/ordering key, {@code ""} if none
 * @param headers the record's attributes, in the order they were stored
 * @param data the record's bytes
 * @param producerId the producer id it was written with (idempotent writes), {@code ""} if none
 * @param sequence the producer's sequence number for it; 0 without a producer id
 */
public record LogRecord(long offset, long timestampMillis, String key, Map<String, String> headers, byte[] data,
    String producerId, long sequence) {

  /** A record written without a producer id. */
  public LogRecord(long offset, long timestampMillis, String key, Map<String, String> headers, byte[] data) {
    this(offset, timestampMillis, key, headers, data, "", 0);
  }

  /** True if the record was written with a producer id. */
  public boolean hasProducer() {
    return !producerId.isEmpty();
  }
}
