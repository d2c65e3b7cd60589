package dev.sinkgate.server.sink;

import java.time.Duration;

/**
 * Bounds a sink's queue by records and by bytes, so a slow sink says "full" at once
 * instead of growing memory. Thread-safe.
 */
public final class QueueBudget {
  /** How long a writer that met a full queue is told to wait before retrying. */
  static final Duration RETRY_AFTER = Duration.ofMillis(100);

  private final String owner;
  private final int maxRecords;
  private final long maxBytes;
  private int records;
  private long bytes;

  public QueueBudget(String owner, int maxRecords, long maxBytes) {
    if (maxRecords <= 0) {
      throw new IllegalArgumentException("maxRecords: " + maxRecords + " (expected: > 0)");
    }
    if (maxBytes <= 0) {
      throw new IllegalArgumentException("maxBytes: " + maxBytes + " (expected: > 0)");
    }
    this.owner = owner;
    this.maxRecords = maxRecords;
    this.maxBytes = maxBytes;
  }

  /**
   * Takes room for one record of {@code size} bytes or throws QUEUE_FULL. An empty queue
   * always takes one record, so a record larger than the byte bound is never stuck.
   */
  public synchronized void acquire(long size) {
    if (records > 0 && (records >= maxRecords || bytes + size > maxBytes)) {
      throw new RecordRejectedException(RecordRejectedException.Reason.QUEUE_FULL,
          owner + ": queue is full (" + records + " records, " + bytes + " bytes queued; limits "
              + maxRecords + " records, " + maxBytes + " bytes); retry after "
              + RETRY_AFTER.toMillis() + " ms",
          RETRY_AFTER);
    }
    records++;
    bytes += size;
  }

  public synchronized void release(long size) {
    records--;
    bytes -= size;
  }
}
