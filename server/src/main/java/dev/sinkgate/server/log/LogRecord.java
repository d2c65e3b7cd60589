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
 */
public record LogRecord(
    long offset, long timestampMillis, String key, Map<String, String> headers, byte[] data) {}
