package dev.sinkgate.server.log;

import static dev.sinkgate.server.log.FileLogTest.headers;
import static dev.sinkgate.server.log.TestRecords.assertRecord;
import static dev.sinkgate.server.log.TestRecords.sized;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Segments roll when the next append would take the active one past segmentBytes; each
 * is named by its first offset, and offsets run on across rolls and reopens.
 */
class SegmentRollTest {
  private static final long T0 = 1_700_000_000_000L;
  private static final int SEGMENT_BYTES = 4096;
  private static final int HEADER = LogFormat.SEGMENT_HEADER_BYTES;
  private static final FileLog.Options OPTIONS = FileLog.Options.DEFAULT.withSegmentBytes(SEGMENT_BYTES);
  /** Frame sizes for logs of several segments: small, large, near the smallest, and larger than a segment. */
  private static final int[] VARIED_FRAMES = {300, 1500, 700, 60, 1200, 900, 2000, 5000, 64};

  @TempDir
  Path tmp;

  private final List<String> warnings = new ArrayList<>();

  private FileLog open(Path dir) throws IOException {
    return FileLog.open(dir, OPTIONS, Clock.systemUTC(), LogFiles.SYSTEM, warnings::add);
  }

  private static String name(long baseOffset) {
    return String.format("%020d.log", baseOffset);
  }

  private static List<String> segmentNames(Path dir) throws IOException {
    return LogReader.segments(dir).stream().map(p -> p.getFileName().toString()).toList();
  }

  /** The offsets of the records in one segment file, checking its header names the same base as its file name. */
  private static List<Long> offsetsIn(Path dir, long baseOffset) throws IOException {
    List<Long> offsets = new ArrayList<>();
    try (SegmentScanner scanner = new SegmentScanner(dir.resolve(name(baseOffset)))) {
      assertEquals(baseOffset, scanner.baseOffset(), "base offset in the header of " + name(baseOffset));
      LogRecord r;
      while ((r = scanner.next()) != null) {
        offsets.add(r.offset());
      }
      assertEquals(LogFormat.FrameCheck.TRUNCATED, scanner.stoppedBy(), "a clean end of " + name(baseOffset));
    }
    return offsets;
  }

  /**
   * Checks that the log's segment files hold exactly {@code segments}, oldest first: the
   * offsets of each, the file named by the first.
   */
  private static void assertSegments(Path dir, List<List<Long>> segments) throws IOException {
    assertEquals(segments.stream().map(offsets -> name(offsets.get(0))).toList(), segmentNames(dir));
    for (List<Long> offsets : segments) {
      assertEquals(offsets, offsetsIn(dir, offsets.get(0)), "the records of " + name(offsets.get(0)));
    }
  }

  // --- where the boundary is ---

  @Test
  void append_recordThatFillsTheSegmentExactly_staysAndTheNextRecordRolls() throws Exception {
    Path dir = tmp.resolve("log");
    try (FileLog log = open(dir)) {
      log.append(List.of(sized("a", Map.of(), SEGMENT_BYTES - HEADER - 100)), T0);
      log.append(List.of(sized("b", headers("h", "v"), 100)), T0);
      assertEquals(1, log.segmentCount(), "a segment of exactly segmentBytes does not roll");
      assertEquals(SEGMENT_BYTES, Files.size(dir.resolve(name(0))));

      assertEquals(2, log.append(List.of(sized("c", Map.of(), 40)), T0));
      assertEquals(2, log.segmentCount());
    }

    assertSegments(dir, List.of(List.of(0L, 1L), List.of(2L)));
    assertEquals(SEGMENT_BYTES, Files.size(dir.resolve(name(0))), "the rolled segment is not touched again");
  }

  @Test
  void append_recordOneByteTooLargeForTheSegment_rolls() throws Exception {
    Path dir = tmp.resolve("log");
    try (FileLog log = open(dir)) {
      log.append(List.of(sized("a", Map.of(), SEGMENT_BYTES - HEADER - 100)), T0);
      assertEquals(1, log.append(List.of(sized("b", headers("h", "v"), 101)), T0));
      assertEquals(2, log.segmentCount());
    }

    assertSegments(dir, List.of(List.of(0L), List.of(1L)));
    assertEquals(SEGMENT_BYTES - 100, Files.size(dir.resolve(name(0))));
    assertEquals(HEADER + 101, Files.size(dir.resolve(name(1))));
  }

  @Test
  void append_batchThatDoesNotFit_goesWholeIntoTheNextSegment() throws Exception {
    Path dir = tmp.resolve("log");
    try (FileLog log = open(dir)) {
      log.append(List.of(sized("a", Map.of(), SEGMENT_BYTES - HEADER - 100)), T0);
      assertEquals(1, log.append(List.of(sized("b", Map.of(), 60), sized("c", Map.of(), 60)), T0));
    }

    // Room for one of the two, but a batch is not split.
    assertSegments(dir, List.of(List.of(0L), List.of(1L, 2L)));
  }

  @Test
  void append_recordLargerThanASegment_getsASegmentOfItsOwn() throws Exception {
    Path dir = tmp.resolve("log");
    FileLog.Entry big = sized("big", headers("h", "v"), 2 * SEGMENT_BYTES);
    try (FileLog log = open(dir)) {
      log.append(List.of(sized("a", Map.of(), 100)), T0);
      assertEquals(1, log.append(List.of(big), T0 + 1));
      assertEquals(2, log.append(List.of(sized("c", Map.of(), 100)), T0 + 2));
      assertEquals(3, log.segmentCount());
    }

    assertSegments(dir, List.of(List.of(0L), List.of(1L), List.of(2L)));
    assertEquals(HEADER + 2 * SEGMENT_BYTES, Files.size(dir.resolve(name(1))));
    assertRecord(1, T0 + 1, big, LogReader.readAll(dir).get(1));
  }

  @Test
  void append_recordLargerThanASegmentIntoAnEmptyLog_leavesNoEmptySegmentBehind() throws Exception {
    Path dir = tmp.resolve("log");
    try (FileLog log = open(dir)) {
      assertEquals(0, log.append(List.of(sized("big", Map.of(), 2 * SEGMENT_BYTES)), T0));
      assertEquals(1, log.segmentCount());
      assertEquals(1, log.append(List.of(sized("next", Map.of(), 100)), T0));
    }

    assertSegments(dir, List.of(List.of(0L), List.of(1L)));
  }

  // --- offsets across rolls and reopens ---

  /**
   * Writes {@code sessions} x {@code perSession} records of varied sizes, reopening the
   * log for each session, and checks after every append that the record went where the
   * roll rule says: into the last segment if it fits (or the segment holds no record
   * yet), else into a new segment named by its offset.
   */
  private List<FileLog.Entry> writeInSessions(Path dir, int sessions, int perSession) throws IOException {
    List<FileLog.Entry> written = new ArrayList<>();
    for (int s = 0; s < sessions; s++) {
      try (FileLog log = open(dir)) {
        assertEquals(written.size(), log.nextOffset(), "offsets continue after a reopen");
        assertEquals(0, log.firstOffset());
        assertEquals(segmentNames(dir).size(), log.segmentCount());
        for (int i = 0; i < perSession; i++) {
          long offset = written.size();
          int frame = VARIED_FRAMES[(int) (offset % VARIED_FRAMES.length)];
          FileLog.Entry e = sized("k" + offset, headers("session", Integer.toString(s)), frame);
          List<String> before = segmentNames(dir);
          Path last = dir.resolve(before.get(before.size() - 1));
          long lastSize = Files.size(last);

          assertEquals(offset, log.append(List.of(e), T0 + offset));

          written.add(e);
          if (lastSize > HEADER && lastSize + frame > SEGMENT_BYTES) {
            List<String> rolled = new ArrayList<>(before);
            rolled.add(name(offset));
            assertEquals(rolled, segmentNames(dir), "offset " + offset + " rolls");
            assertEquals(HEADER + frame, Files.size(dir.resolve(name(offset))));
          } else {
            assertEquals(before, segmentNames(dir), "offset " + offset + " fits the last segment");
            assertEquals(lastSize + frame, Files.size(last));
          }
        }
      }
    }
    return written;
  }

  @Test
  void reopen_afterRolls_continuesInTheLastSegmentWithContiguousOffsets() throws Exception {
    Path dir = tmp.resolve("log");

    List<FileLog.Entry> written = writeInSessions(dir, 5, 6);

    List<String> names = segmentNames(dir);
    assertTrue(names.size() >= 6, "test bug: expected several segments, got " + names);
    List<Long> all = new ArrayList<>();
    for (String n : names) {
      long base = Long.parseLong(n.substring(0, 20));
      List<Long> offsets = offsetsIn(dir, base);
      assertEquals(base, offsets.get(0), "a segment is named by its first record's offset");
      all.addAll(offsets);
    }
    assertEquals(LongStream.range(0, written.size()).boxed().toList(), all, "offsets 0..n-1, in file order");
    List<LogRecord> records = LogReader.readAll(dir);
    assertEquals(written.size(), records.size());
    for (int i = 0; i < written.size(); i++) {
      assertRecord(i, T0 + i, written.get(i), records.get(i));
    }
    assertEquals(List.of(), warnings, "clean closes need no recovery");
  }

  @Test
  void read_fromEveryOffset_returnsExactlyTheRecordsAtOrAfterIt() throws Exception {
    Path dir = tmp.resolve("log");
    int n = writeInSessions(dir, 2, 12).size();
    assertTrue(segmentNames(dir).size() >= 4, "test bug: the offsets should span middle segments");

    for (long from = 0; from <= n + 1; from++) {
      List<Long> offsets = new ArrayList<>();
      long visited = LogReader.read(dir, from, r -> offsets.add(r.offset()));

      List<Long> expected = LongStream.range(Math.min(from, n), n).boxed().toList();
      assertEquals(expected, offsets, "from " + from);
      assertEquals(expected.size(), visited, "from " + from);
    }
  }
}
