package dev.sinkgate.server.log;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * Record data for crash tests that names its writer and its place in that writer's
 * sequence and carries a checksum of itself, so a test reading a log back can tell which
 * record it holds and that its bytes are the ones written: writer id (8 bytes), sequence
 * (8), CRC32C of both and the payload (4), then the payload.
 *
 * @param writer who wrote the record
 * @param sequence the record's number among its writer's records: 0, 1, 2, …
 */
public record CheckedData(long writer, long sequence) {
  /** Bytes before the payload. */
  public static final int HEADER_BYTES = 20;

  /** The data of {@code writer}'s record number {@code sequence}. */
  public static byte[] encode(long writer, long sequence, byte[] payload) {
    ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES + payload.length);
    b.putLong(writer).putLong(sequence).putInt(checksum(writer, sequence, ByteBuffer.wrap(payload))).put(payload);
    return b.array();
  }

  /** The writer and sequence {@code data} names, or null if it is too short or fails its checksum. */
  public static CheckedData decode(byte[] data) {
    if (data.length < HEADER_BYTES) {
      return null;
    }
    ByteBuffer b = ByteBuffer.wrap(data);
    long writer = b.getLong();
    long sequence = b.getLong();
    int crc = b.getInt();
    return crc == checksum(writer, sequence, b) ? new CheckedData(writer, sequence) : null;
  }

  private static int checksum(long writer, long sequence, ByteBuffer payload) {
    CRC32C crc = new CRC32C();
    crc.update(ByteBuffer.allocate(16).putLong(writer).putLong(sequence).flip());
    crc.update(payload);
    return (int) crc.getValue();
  }
}
