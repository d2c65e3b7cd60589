package dev.sinkgate.server.log;

import static dev.sinkgate.server.log.FileLogTest.headers;
import static dev.sinkgate.server.log.TestRecords.assertRecord;
import static dev.sinkgate.server.log.TestRecords.sized;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Opening a log whose last segment a crash (or a bad disk) damaged, exhaustively: every
 * cut inside the last record, zeros over the end, every single-bit flip of the last
 * record (a torn tail: cut off and kept aside), and bit flips before the tail
 * (corruption: refused, nothing changed). Each case opens a fresh copy of a log written
 * once per test.
 */
class TornTailTest {
  private static final long T0 = 1_700_000_000_000L;
  private static final FileLog.Options OPTIONS = FileLog.Options.DEFAULT.withSegmentBytes(4096);
  /** These tests open thousands of logs and check what recovery cuts, not what survives power loss. */
  private static final LogFiles FILES = ForwardingLogFiles.unsynced();
  private static final int ZEROED_BYTES = 512;

  @TempDir
  Path tmp;

  /** Three records that fill the first segment to 3616 of its 4096 bytes. */
  private static List<FileLog.Entry> firstSegment() {
    List<FileLog.Entry> entries = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      entries.add(sized("filler-" + i, headers("n", Integer.toString(i)), 1200));
    }
    return entries;
  }

  /** A log whose second segment holds seven records of mixed kinds, the last four small. */
  private static List<FileLog.Entry> smallTail() {
    List<FileLog.Entry> entries = firstSegment();
    byte[] binary = new byte[256];
    for (int i = 0; i < binary.length; i++) {
      binary[i] = (byte) i;
    }
    entries.add(sized("clé-ключ-鍵", headers("ünïcødé", "значение ✓", "emoji", "🚀"), 600)); // rolls
    entries.add(new FileLog.Entry("", Map.of(), new byte[0]));
    entries.add(new FileLog.Entry("bin", headers(), binary));
    entries.add(sized("d", headers("h", "1"), 150));
    entries.add(sized("", headers(), 90));
    entries.add(sized("f", headers("a", "b", "c", "d"), 200));
    entries.add(sized("last", headers("trace", "abc"), 70));
    return entries;
  }

  /** A log whose second segment ends in a record longer than the zeroed span. */
  private static List<FileLog.Entry> bigTail() {
    List<FileLog.Entry> entries = firstSegment();
    entries.add(sized("a", headers("h", "v"), 600)); // rolls
    entries.add(sized("b", headers(), 100));
    entries.add(sized("big", headers("k", "v"), 600));
    return entries;
  }

  /** A log whose last record is alone in its segment: the segment rolled just before it. */
  private static List<FileLog.Entry> aloneInItsSegment() {
    List<FileLog.Entry> entries = firstSegment();
    entries.add(sized("x", headers(), 400)); // the first segment now holds 4016 bytes
    entries.add(sized("alone", headers("h", "v"), 100)); // rolls
    return entries;
  }

  /**
   * A log as written: every file of its directory by name, and where each record of its
   * last segment starts ({@code starts[i]} for offset {@code lastBase + i}; the last
   * element is the segment's length).
   */
  private record Pristine(List<FileLog.Entry> entries, Map<String, byte[]> files, String lastSegment,
      long lastBase, int[] starts) {
    byte[] lastSegmentBytes() {
      return files.get(lastSegment).clone();
    }

    /** How many records the last segment holds. */
    int tailCount() {
      return starts.length - 1;
    }
  }

  /** Writes {@code entries} one append each (timestamp T0 + offset) into a 2-segment log and reads it back. */
  private Pristine write(List<FileLog.Entry> entries, int expectedInLastSegment) throws IOException {
    Path dir = tmp.resolve("pristine");
    try (FileLog log = FileLog.open(dir, OPTIONS, Clock.systemUTC(), FILES, w -> {
      throw new AssertionError("a new log needs no recovery: " + w);
    })) {
      for (int i = 0; i < entries.size(); i++) {
        assertEquals(i, log.append(List.of(entries.get(i)), T0 + i));
      }
      assertEquals(2, log.segmentCount(), "test bug: the records should fill two segments");
    }
    // As a crash leaves it (no clean-close marker), so damage at the tail reads as a torn write.
    Files.delete(dir.resolve(FileLog.CLEAN_FILE));
    Map<String, byte[]> files = snapshot(dir);
    List<Path> segments = LogReader.segments(dir);
    Path last = segments.get(segments.size() - 1);
    List<Integer> starts = new ArrayList<>();
    long base;
    try (SegmentScanner scanner = new SegmentScanner(last)) {
      base = scanner.baseOffset();
      starts.add((int) scanner.validEnd());
      while (scanner.next() != null) {
        starts.add((int) scanner.validEnd());
      }
    }
    assertEquals(expectedInLastSegment, starts.size() - 1, "test bug: records in the last segment");
    assertEquals(entries.size(), base + expectedInLastSegment);
    deleteDirectory(dir);
    return new Pristine(entries, files, last.getFileName().toString(), base,
        starts.stream().mapToInt(Integer::intValue).toArray());
  }

  // --- torn tails: cut off, kept aside, the log goes on ---

  @Test
  void open_segmentCutAtEveryByteInsideItsLastRecord_recoversTheRecordsBeforeIt() throws Exception {
    for (Pristine p : List.of(write(smallTail(), 7), write(bigTail(), 3), write(aloneInItsSegment(), 1))) {
      int last = p.tailCount() - 1;
      byte[] segment = p.lastSegmentBytes();
      for (int end = p.starts()[last] + 1; end < segment.length; end++) {
        String what = "segment " + p.lastSegment() + " cut to " + end + " bytes";
        assertRecovers(p, Arrays.copyOf(segment, end), last, what);
      }
    }
  }

  @Test
  void open_segmentCutAtARecordBoundary_isACleanLogWithNothingToCut() throws Exception {
    Pristine p = write(smallTail(), 7);
    for (int i = 0; i <= p.tailCount(); i++) {
      byte[] segment = Arrays.copyOf(p.lastSegmentBytes(), p.starts()[i]);
      Path dir = copyWith(p, segment);
      List<String> warnings = new ArrayList<>();

      try (FileLog log = open(dir, warnings)) {
        assertEquals(p.lastBase() + i, log.nextOffset(), "cut to " + segment.length + " bytes");
      }

      assertEquals(List.of(), warnings);
      assertArrayEquals(segment, Files.readAllBytes(dir.resolve(p.lastSegment())));
      assertEquals(List.of(), tornFiles(dir));
    }
  }

  @Test
  void open_last512BytesZeroedAcrossSeveralRecords_recoversToTheLastRecordBeforeTheZeros() throws Exception {
    Pristine p = write(smallTail(), 7);
    int kept = recordsEndingBefore(p, p.starts()[p.tailCount()] - ZEROED_BYTES);
    assertTrue(p.tailCount() - kept >= 3, "test bug: the zeros should reach into three records or more");

    assertRecovers(p, zeroLast(p.lastSegmentBytes()), kept, "last " + ZEROED_BYTES + " bytes zeroed");
  }

  @Test
  void open_last512BytesZeroedInsideTheLastRecord_recoversToTheRecordBeforeIt() throws Exception {
    Pristine p = write(bigTail(), 3);
    int zerosAt = p.starts()[p.tailCount()] - ZEROED_BYTES;
    int last = p.tailCount() - 1;
    assertTrue(p.starts()[last] < zerosAt, "test bug: the zeros should cover only the end of the last record");

    assertRecovers(p, zeroLast(p.lastSegmentBytes()), last, "last " + ZEROED_BYTES + " bytes zeroed");
  }

  @Test
  void open_anySingleBitOfTheLastRecordFlipped_recoversToTheRecordBeforeIt() throws Exception {
    Pristine p = write(smallTail(), 7);
    int last = p.tailCount() - 1;
    for (int at = p.starts()[last]; at < p.starts()[last + 1]; at++) {
      for (int bit = 0; bit < 8; bit++) {
        byte[] segment = p.lastSegmentBytes();
        segment[at] ^= (byte) (1 << bit);
        assertRecovers(p, segment, last, "bit " + bit + " of byte " + at + " flipped");
      }
    }
  }

  @Test
  void open_tornAgainAtTheSamePosition_keepsTheFirstTornFileAndWritesANewOne() throws Exception {
    Pristine p = write(smallTail(), 7);
    int last = p.tailCount() - 1;
    int lastStart = p.starts()[last];
    byte[] segment = p.lastSegmentBytes();
    byte[] firstTear = Arrays.copyOfRange(segment, lastStart, lastStart + 50);
    Path dir = copyWith(p, Arrays.copyOf(segment, lastStart + 50));
    long offset = p.lastBase() + last;
    List<String> warnings = new ArrayList<>();
    try (FileLog log = open(dir, warnings)) {
      // The same record again, so the second tear starts where the first did.
      assertEquals(offset, log.append(List.of(p.entries().get((int) offset)), T0 + offset));
    }
    assertArrayEquals(segment, Files.readAllBytes(dir.resolve(p.lastSegment())), "test bug: rewritten as before");
    Files.delete(dir.resolve(FileLog.CLEAN_FILE)); // the second tear, too, is a crash's
    try (FileChannel ch = FileChannel.open(dir.resolve(p.lastSegment()), StandardOpenOption.WRITE)) {
      ch.truncate(lastStart + 20);
    }

    try (FileLog log = open(dir, warnings)) {
      assertEquals(offset, log.nextOffset());
    }

    String torn = p.lastSegment() + ".torn-" + lastStart;
    assertEquals(List.of(torn, torn + ".1"), tornFiles(dir));
    assertArrayEquals(firstTear, Files.readAllBytes(dir.resolve(torn)), "the first torn bytes are not overwritten");
    assertArrayEquals(Arrays.copyOfRange(segment, lastStart, lastStart + 20),
        Files.readAllBytes(dir.resolve(torn + ".1")));
    assertEquals(2, warnings.size(), () -> "warnings: " + warnings);
    assertTrue(warnings.get(1).contains("cut 20 bytes") && warnings.get(1).contains(torn + ".1"), warnings.get(1));
  }

  // --- damage before the tail: corruption, refused, nothing changed ---

  @Test
  void open_anySingleBitOfAMiddleRecordFlipped_refusesNamingRepairAndChangesNothing() throws Exception {
    Pristine p = write(smallTail(), 7);
    int middle = 1; // the smallest record there can be: no key, headers or data
    for (int at = p.starts()[middle]; at < p.starts()[middle + 1]; at++) {
      for (int bit = 0; bit < 8; bit++) {
        byte[] segment = p.lastSegmentBytes();
        segment[at] ^= (byte) (1 << bit);
        assertRefused(p, segment, middle, "bit " + bit + " of byte " + at + " flipped");
      }
    }
  }

  @Test
  void open_bitsOfTheFirstRecordOfTheLastSegmentFlipped_refusesNamingRepairAndChangesNothing() throws Exception {
    Pristine p = write(smallTail(), 7);
    int first = p.starts()[0];
    int end = p.starts()[1];
    // The length (high and low bits), the CRC, attributes, offset, timestamp, key, and the last byte.
    int[][] bits = {{first, 7}, {first + 3, 0}, {first + 5, 4}, {first + 8, 0}, {first + 16, 2},
        {first + 20, 6}, {first + 30, 1}, {end - 1, 7}};
    for (int[] flip : bits) {
      byte[] segment = p.lastSegmentBytes();
      segment[flip[0]] ^= (byte) (1 << flip[1]);
      assertRefused(p, segment, 0, "bit " + flip[1] + " of byte " + flip[0] + " flipped");
    }
  }

  // --- the checks ---

  /**
   * Opens a copy of {@code p} with {@code segment} as its last segment and checks that
   * the records from the {@code kept}-th of that segment on are cut as a torn tail: the
   * records before are all there, the cut bytes are kept in the .torn file, the warning
   * says how many, a second open finds nothing to do, and the next record takes the
   * first cut record's offset.
   */
  private void assertRecovers(Pristine p, byte[] segment, int kept, String what) throws IOException {
    Path dir = copyWith(p, segment);
    int cutAt = p.starts()[kept];
    long next = p.lastBase() + kept;
    List<String> warnings = new ArrayList<>();

    try (FileLog log = open(dir, warnings)) {
      assertEquals(next, log.nextOffset(), what);
    }

    assertEquals(1, warnings.size(), () -> what + ": " + warnings);
    String warning = warnings.get(0);
    assertTrue(warning.contains("cut " + (segment.length - cutAt) + " bytes"), () -> what + ": " + warning);
    Path segmentFile = dir.resolve(p.lastSegment());
    Path torn = dir.resolve(p.lastSegment() + ".torn-" + cutAt);
    assertEquals(List.of(torn.getFileName().toString()), tornFiles(dir), what);
    assertArrayEquals(Arrays.copyOfRange(segment, cutAt, segment.length), Files.readAllBytes(torn), what);
    assertArrayEquals(Arrays.copyOf(p.lastSegmentBytes(), cutAt), Files.readAllBytes(segmentFile), what);

    FileLog.Entry again = new FileLog.Entry("again", Map.of(), new byte[] {1, 2, 3});
    try (FileLog log = open(dir, warnings)) {
      assertEquals(next, log.nextOffset(), what);
      assertEquals(next, log.append(List.of(again), T0), what);
    }
    assertEquals(1, warnings.size(), () -> what + ": reopening found more to cut: " + warnings);
    assertEquals(1, tornFiles(dir).size(), what);

    List<LogRecord> records = LogReader.readAll(dir);
    assertEquals(next + 1, records.size(), what);
    for (int i = 0; i < next; i++) {
      assertRecord(i, T0 + i, p.entries().get(i), records.get(i));
    }
    assertRecord(next, T0, again, records.get((int) next));
  }

  /**
   * Opens a copy of {@code p} with {@code segment} as its last segment and checks that the
   * open is refused, naming the damaged record of that segment and the repair command, and
   * that the directory is left byte for byte as it was.
   */
  private void assertRefused(Pristine p, byte[] segment, int damaged, String what) throws IOException {
    Path dir = copyWith(p, segment);
    Map<String, byte[]> before = snapshot(dir);
    List<String> warnings = new ArrayList<>();

    CorruptLogException e = assertThrows(CorruptLogException.class, () -> open(dir, warnings).close(), what);

    String message = e.getMessage();
    String record = "the record at byte " + p.starts()[damaged] + " (offset " + (p.lastBase() + damaged) + ")";
    assertTrue(message.contains(record), () -> what + ": expected <" + record + "> in <" + message + ">");
    assertTrue(message.contains("a valid record of a later write follows it"), () -> what + ": " + message);
    assertTrue(message.contains("sinkgate log repair " + dir), () -> what + ": " + message);
    assertEquals(List.of(), warnings, what);
    Map<String, byte[]> after = snapshot(dir);
    assertEquals(before.keySet(), after.keySet(), what);
    for (String name : before.keySet()) {
      assertArrayEquals(before.get(name), after.get(name), what + ": " + name + " changed");
    }
  }

  private static FileLog open(Path dir, List<String> warnings) throws IOException {
    return FileLog.open(dir, OPTIONS, Clock.systemUTC(), FILES, warnings::add);
  }

  /** How many records of the last segment end at or before {@code position}. */
  private static int recordsEndingBefore(Pristine p, int position) {
    int n = 0;
    while (n < p.tailCount() && p.starts()[n + 1] <= position) {
      n++;
    }
    return n;
  }

  private static byte[] zeroLast(byte[] segment) {
    Arrays.fill(segment, segment.length - ZEROED_BYTES, segment.length, (byte) 0);
    return segment;
  }

  /**
   * The case directory holding {@code p}'s files, its last segment replaced by
   * {@code lastSegment}, and nothing else. Reused from case to case and rewritten in
   * place: deleting and recreating files costs a journal commit each on some file
   * systems, which made these tests take half a minute.
   */
  private Path copyWith(Pristine p, byte[] lastSegment) throws IOException {
    Path dir = tmp.resolve("case");
    Files.createDirectories(dir);
    try (Stream<Path> list = Files.list(dir)) {
      for (Path f : list.toList()) {
        if (!p.files().containsKey(f.getFileName().toString())) {
          Files.delete(f);
        }
      }
    }
    for (Map.Entry<String, byte[]> f : p.files().entrySet()) {
      byte[] bytes = f.getKey().equals(p.lastSegment()) ? lastSegment : f.getValue();
      Path file = dir.resolve(f.getKey());
      if (Files.exists(file) && Arrays.equals(bytes, Files.readAllBytes(file))) {
        continue;
      }
      try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE,
          StandardOpenOption.WRITE)) {
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        while (buf.hasRemaining()) {
          ch.write(buf, buf.position());
        }
        ch.truncate(bytes.length);
      }
    }
    return dir;
  }

  /** Every file of {@code dir} by name, with its bytes. */
  private static Map<String, byte[]> snapshot(Path dir) throws IOException {
    Map<String, byte[]> files = new TreeMap<>();
    try (Stream<Path> list = Files.list(dir)) {
      for (Path f : list.toList()) {
        assertFalse(Files.isDirectory(f), "unexpected directory " + f);
        files.put(f.getFileName().toString(), Files.readAllBytes(f));
      }
    }
    return files;
  }

  private static List<String> tornFiles(Path dir) throws IOException {
    try (Stream<Path> list = Files.list(dir)) {
      return list.map(f -> f.getFileName().toString()).filter(n -> n.contains(".torn")).sorted().toList();
    }
  }

  private static void deleteDirectory(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> list = Files.list(dir)) {
      for (Path f : list.toList()) {
        Files.delete(f);
      }
    }
    Files.delete(dir);
  }
}
