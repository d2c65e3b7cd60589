package dev.sinkgate.server.log;

import static dev.sinkgate.server.log.TestRecords.assertRecord;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileLogTest {
  private static final long T0 = 1_700_000_000_000L;
  private static final long T1 = 1_700_000_123_456L;

  @TempDir
  Path tmp;

  private final List<String> warnings = new ArrayList<>();

  private static FileLog.Entry entry(String key, Map<String, String> headers, String data) {
    return new FileLog.Entry(key, headers, data.getBytes(StandardCharsets.UTF_8));
  }

  static Map<String, String> headers(String... nameValue) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < nameValue.length; i += 2) {
      m.put(nameValue[i], nameValue[i + 1]);
    }
    return m;
  }

  private Path segment(Path dir) {
    return dir.resolve("00000000000000000000.log");
  }

  /** Writes {@code entries} one append each to a fresh log and closes it; returns the segment size after each. */
  private long[] writeOneByOne(Path dir, List<FileLog.Entry> entries) throws IOException {
    long[] sizes = new long[entries.size()];
    try (FileLog log = FileLog.open(dir, warnings::add)) {
      for (int i = 0; i < entries.size(); i++) {
        log.append(List.of(entries.get(i)), T0 + i);
        log.sync();
        sizes[i] = Files.size(segment(dir));
      }
    }
    // As a crash leaves it (no clean-close marker), so damage at the tail reads as a torn write.
    Files.delete(dir.resolve(FileLog.CLEAN_FILE));
    return sizes;
  }

  // --- appending, reopening, reading back ---

  @Test
  void append_batchesAcrossReopen_offsetsContinueAndRecordsReadBackByteExact() throws Exception {
    Path dir = tmp.resolve("log");
    byte[] binary = new byte[256];
    for (int i = 0; i < binary.length; i++) {
      binary[i] = (byte) i;
    }
    List<FileLog.Entry> first = List.of(
        entry("", Map.of(), "plain"),
        entry("user-42", headers("trace", "abc", "content-type", "text/plain"), "with headers"),
        new FileLog.Entry("bin", headers(), binary));
    List<FileLog.Entry> second = List.of(
        entry("clé-ключ-鍵", headers("ünïcødé", "значение ✓", "emoji", "🚀"), "données – 数据 – 🚀"),
        new FileLog.Entry("empty", headers(), new byte[0]));

    try (FileLog log = FileLog.open(dir, warnings::add)) {
      assertEquals(0, log.nextOffset());
      assertEquals(0, log.append(first, T0));
      assertEquals(3, log.nextOffset());
    }
    try (FileLog log = FileLog.open(dir, warnings::add)) {
      assertEquals(3, log.nextOffset(), "offsets are stable across a reopen");
      assertEquals(3, log.append(second, T1));
      assertEquals(5, log.nextOffset());
    }
    try (FileLog log = FileLog.open(dir, warnings::add)) {
      assertEquals(5, log.nextOffset());
      assertEquals(Files.size(segment(dir)), log.sizeBytes());
    }

    List<LogRecord> records = LogReader.readAll(dir);
    assertEquals(5, records.size());
    for (int i = 0; i < 3; i++) {
      assertRecord(i, T0, first.get(i), records.get(i));
    }
    for (int i = 0; i < 2; i++) {
      assertRecord(3 + i, T1, second.get(i), records.get(3 + i));
    }
    assertEquals(List.of(), warnings, "a cleanly closed log needs no recovery");
  }

  @Test
  void read_fromOffset_skipsEarlierRecords() throws Exception {
    Path dir = tmp.resolve("log");
    try (FileLog log = FileLog.open(dir, warnings::add)) {
      log.append(List.of(entry("a", Map.of(), "0"), entry("b", Map.of(), "1"), entry("c", Map.of(), "2")), T0);
    }
    List<Long> offsets = new ArrayList<>();

    long visited = LogReader.read(dir, 2, r -> offsets.add(r.offset()));

    assertEquals(1, visited);
    assertEquals(List.of(2L), offsets);
  }

  @Test
  void open_newDirectory_writesTheDocumentedSegmentHeader() throws Exception {
    Path dir = tmp.resolve("a").resolve("b");

    try (FileLog log = FileLog.open(dir, warnings::add)) {
      assertEquals(LogFormat.SEGMENT_HEADER_BYTES, log.sizeBytes());
    }

    ByteBuffer header = ByteBuffer.wrap(Files.readAllBytes(segment(dir)));
    assertEquals(16, header.remaining());
    byte[] magic = new byte[4];
    header.get(magic);
    assertEquals("SGLG", new String(magic, StandardCharsets.US_ASCII));
    assertEquals(1, header.getShort(), "version");
    assertEquals(0, header.getShort(), "flags");
    assertEquals(0, header.getLong(), "base offset");
  }

  @Test
  void append_afterClose_isRefused() throws Exception {
    FileLog log = FileLog.open(tmp.resolve("log"), warnings::add);
    log.close();
    log.close(); // idempotent

    assertThrows(IllegalStateException.class, () -> log.append(List.of(entry("", Map.of(), "x")), T0));
  }

  // --- recovery (torn tails inside records and corruption before the tail: TornTailTest) ---

  @Test
  void open_zeroBytesAfterTheLastRecord_areCutAndReported() throws Exception {
    // What a file system can leave after a crash: the size grew, the data never arrived.
    assertGarbageTailIsCut(new byte[4096]);
  }

  @Test
  void open_garbageAfterTheLastRecord_isCutAndReported() throws Exception {
    assertGarbageTailIsCut("not a frame at all, just junk from somewhere".getBytes(StandardCharsets.US_ASCII));
  }

  @Test
  void open_fewerBytesThanAFrameHeaderAfterTheLastRecord_areCut() throws Exception {
    assertGarbageTailIsCut(new byte[] {0, 0, 1});
  }

  private void assertGarbageTailIsCut(byte[] garbage) throws Exception {
    Path dir = tmp.resolve("log");
    List<FileLog.Entry> entries = List.of(entry("a", Map.of(), "first"), entry("b", headers("x", "y"), "second"));
    long[] sizes = writeOneByOne(dir, entries);
    long end = sizes[sizes.length - 1];
    Files.write(segment(dir), garbage, StandardOpenOption.APPEND);

    try (FileLog log = FileLog.open(dir, warnings::add)) {
      assertEquals(2, log.nextOffset());
      assertEquals(end, log.sizeBytes());
    }

    assertEquals(end, Files.size(segment(dir)), "the segment is cut back to its last whole record");
    assertEquals(1, warnings.size(), () -> "warnings: " + warnings);
    assertTrue(warnings.get(0).contains("cut " + garbage.length + " bytes"), warnings.get(0));
    assertArrayEquals(garbage, Files.readAllBytes(dir.resolve("00000000000000000000.log.torn-" + end)));
    List<LogRecord> records = LogReader.readAll(dir);
    assertEquals(2, records.size());
    assertRecord(0, T0, entries.get(0), records.get(0));
    assertRecord(1, T0 + 1, entries.get(1), records.get(1));

    // Recovery is done once: a second open finds nothing to cut.
    try (FileLog log = FileLog.open(dir, warnings::add)) {
      assertEquals(2, log.nextOffset());
    }
    assertEquals(1, warnings.size(), () -> "warnings: " + warnings);
  }

  @Test
  void read_flippedByteInsideARecordsData_isCaughtByTheCrc() throws Exception {
    Path dir = tmp.resolve("log");
    String marker = "THE-MIDDLE-RECORD-PAYLOAD";
    List<FileLog.Entry> entries = List.of(
        entry("", Map.of(), "before"), entry("", Map.of(), marker), entry("", Map.of(), "after"));
    writeOneByOne(dir, entries);
    byte[] bytes = Files.readAllBytes(segment(dir));
    int at = indexOf(bytes, marker.getBytes(StandardCharsets.US_ASCII));
    assertTrue(at > 0, "test bug: the payload is not in the segment");
    bytes[at + 4] ^= 0x01; // "MIDDLE" becomes "LIDDLE"
    Files.write(segment(dir), bytes);

    List<LogRecord> records = new java.util.ArrayList<>();
    CorruptLogException e = org.junit.jupiter.api.Assertions.assertThrows(CorruptLogException.class,
        () -> LogReader.read(dir, 0, records::add));

    assertTrue(e.getMessage().contains("corrupt"), e.getMessage());
    assertEquals(1, records.size(), "only the record before the corrupt one is served: " + records);
    assertArrayEquals(entries.get(0).data().toByteArray(), records.get(0).data());
    assertTrue(records.stream().map(r -> new String(r.data(), StandardCharsets.UTF_8))
        .noneMatch(s -> s.startsWith("THE")), "corrupt data leaked out of the reader");
  }

  @Test
  @SuppressWarnings("try") // the open log is held, not used: that is the point
  void open_aLogAlreadyOpen_failsNamingTheLockUntilTheFirstIsClosed() throws Exception {
    Path dir = tmp.resolve("log");
    try (FileLog first = FileLog.open(dir, w -> {})) {
      java.io.IOException e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
          () -> FileLog.open(dir, w -> {}));
      assertTrue(e.getMessage().contains("is in use"), e.getMessage());
      assertTrue(e.getMessage().contains(".lock"), e.getMessage());
    }
    try (FileLog again = FileLog.open(dir, w -> {})) {
      assertEquals(0, again.nextOffset());
    }
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  /**
   * After a clean close no write can have been torn, so damage at the end of the last
   * segment is corruption: refused, not cut. The marker is gone once the log is open, so
   * a crash after that is recovered as usual.
   */
  @Test
  void open_afterACleanClose_refusesDamageAtTheTail_andRemovesTheMarkerOnOpen() throws Exception {
    Path dir = tmp.resolve("log");
    try (FileLog log = FileLog.open(dir, warnings::add)) {
      log.append(List.of(entry("", Map.of(), "one"), entry("", Map.of(), "two")), T0);
    }
    Path marker = dir.resolve(FileLog.CLEAN_FILE);
    assertTrue(Files.exists(marker), "a clean close leaves the marker");
    byte[] bytes = Files.readAllBytes(segment(dir));
    bytes[bytes.length - 1] ^= 0x01; // in the last record's data
    Files.write(segment(dir), bytes);

    CorruptLogException e = org.junit.jupiter.api.Assertions.assertThrows(CorruptLogException.class,
        () -> FileLog.open(dir, warnings::add));

    assertTrue(e.getMessage().contains("closed cleanly"), e.getMessage());
    assertTrue(e.getMessage().contains("sinkgate log repair " + dir), e.getMessage());
    assertArrayEquals(bytes, Files.readAllBytes(segment(dir)), "nothing was changed");

    Files.delete(marker); // as if the gateway had crashed instead
    try (FileLog log = FileLog.open(dir, warnings::add)) {
      assertEquals(1, log.nextOffset(), "without the marker the damaged last record is a torn tail");
      assertFalse(Files.exists(marker), "an open log has no marker");
    }
  }
}
