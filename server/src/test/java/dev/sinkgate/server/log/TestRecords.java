package dev.sinkgate.server.log;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;

/** Records for file log tests: entries of an exact size on disk, and checking what was read back. */
final class TestRecords {
  private TestRecords() {}

  /**
   * An entry whose frame takes exactly {@code frameBytes} in a segment, its data padded to
   * fit; the data bytes depend on the size, so records of different sizes differ.
   */
  static FileLog.Entry sized(String key, Map<String, String> headers, int frameBytes) {
    int overhead = LogFormat.frameSize(key, headers, new byte[0]);
    if (frameBytes < overhead) {
      throw new IllegalArgumentException("frameBytes: " + frameBytes + " (expected: >= " + overhead
          + " for this key and these headers)");
    }
    byte[] data = new byte[frameBytes - overhead];
    for (int i = 0; i < data.length; i++) {
      data[i] = (byte) (i * 31 + frameBytes);
    }
    return new FileLog.Entry(key, headers, data);
  }

  /** Checks that {@code actual} is {@code expected} as appended at {@code offset} with {@code timestamp}. */
  static void assertRecord(long offset, long timestamp, FileLog.Entry expected, LogRecord actual) {
    assertEquals(offset, actual.offset(), "offset");
    assertEquals(timestamp, actual.timestampMillis(), "timestamp of offset " + offset);
    assertEquals(expected.key(), actual.key(), "key of offset " + offset);
    assertEquals(expected.headers(), actual.headers(), "headers of offset " + offset);
    assertEquals(List.copyOf(expected.headers().keySet()), List.copyOf(actual.headers().keySet()),
        "header order of offset " + offset);
    assertArrayEquals(expected.data().toByteArray(), actual.data(), "data of offset " + offset);
  }
}
