package dev.sinkgate.server.grpc;

/**
 * How much one WriteStream may have in flight (received, not yet acknowledged). The
 * server requests a new record from the transport only while both bounds hold, so a
 * slow sink stops the reading of its stream and HTTP/2 flow control pushes back on the
 * writer.
 *
 * @param maxRecords records in flight per stream
 * @param maxBytes bytes in flight per stream; one record is always allowed
 */
public record StreamLimits(int maxRecords, long maxBytes) {
  public static final StreamLimits DEFAULT = new StreamLimits(1024, 8L << 20);

  public StreamLimits {
    if (maxRecords <= 0) {
      throw new IllegalArgumentException("maxRecords: " + maxRecords + " (expected: > 0)");
    }
    if (maxBytes <= 0) {
      throw new IllegalArgumentException("maxBytes: " + maxBytes + " (expected: > 0)");
    }
  }
}
