package dev.sinkgate.server.log;

import static dev.sinkgate.server.log.TestRecords.assertRecord;
import static dev.sinkgate.server.log.TestRecords.sized;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a log deletes: whole closed segments, oldest first, by total size, by age, or
 * below an offset; never the active segment, never a record's offset changed.
 */
class RetentionTest {
  private static final long T0 = 1_700_000_000_000L;
  private static final int SEGMENT_BYTES = 4096;
  private static final int HEADER = LogFormat.SEGMENT_HEADER_BYTES;
  /** Four records of this size fill a segment exactly (16 + 4 x 1020 = 4096 bytes), a fifth rolls. */
  private static final int RECORD_BYTES = 1020;
  private static final int[] VARIED_FRAMES = {200, 1400, 650, 90, 1100, 800, 300};
  private static final Instant NOW = Instant.parse("2030-01-01T00:00:00Z");

  @TempDir
  Path tmp;

  private final List<String> warnings = new ArrayList<>();

  private FileLog open(Path dir, FileLog.Options options, Clock clock) throws IOException {
    return FileLog.open(dir, options, clock, LogFiles.SYSTEM, warnings::add);
  }

  /** The base offsets of the log's segment files, oldest first. */
  private static List<Long> bases(Path dir) throws IOException {
    return LogReader.segments(dir).stream().map(p -> Long.parseLong(p.getFileName().toString().substring(0, 20)))
        .toList();
  }

  private static long size(Path dir, long base) throws IOException {
    return Files.size(FileLog.segmentFile(dir, base));
  }

  /** Appends {@code count} records of {@link #RECORD_BYTES}, one append each; returns them. */
  private static List<FileLog.Entry> appendFixed(FileLog log, int count) throws IOException {
    List<FileLog.Entry> entries = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      FileLog.Entry e = sized("k", Map.of(), RECORD_BYTES);
      log.append(List.of(e), T0 + log.nextOffset());
      entries.add(e);
    }
    return entries;
  }

  /** Checks that the log holds exactly the records from {@code first} to {@code next - 1}, unchanged. */
  private static void assertHolds(Path dir, long first, long next, List<FileLog.Entry> written) throws IOException {
    List<LogRecord> records = LogReader.readAll(dir);
    assertEquals(LongStream.range(first, next).boxed().toList(), records.stream().map(LogRecord::offset).toList());
    for (LogRecord r : records) {
      assertRecord(r.offset(), T0 + r.offset(), written.get((int) r.offset()), r);
    }
  }

  // --- by size ---

  @Test
  void retentionBytes_afterEveryRoll_keepsTheNewestSegmentsThatFitAndDeletesTheOldest() throws Exception {
    Path dir = tmp.resolve("log");
    long retention = 3L * SEGMENT_BYTES;
    FileLog.Options options = new FileLog.Options(SEGMENT_BYTES, retention, null);
    List<FileLog.Entry> written = new ArrayList<>();
    List<Long> created = new ArrayList<>(); // every segment seen, oldest first
    Map<Long, Long> sizes = new HashMap<>(); // the last size seen of each
    long first;
    long next;
    try (FileLog log = open(dir, options, Clock.systemUTC())) {
      for (int i = 0; i < 60; i++) {
        FileLog.Entry e = sized("k" + i, Map.of("i", Integer.toString(i)), VARIED_FRAMES[i % VARIED_FRAMES.length]);
        assertEquals(i, log.append(List.of(e), T0 + i));
        written.add(e);

        List<Long> kept = bases(dir);
        for (long b : kept) {
          if (!created.contains(b)) {
            created.add(b);
          }
          sizes.put(b, size(dir, b));
        }
        String when = "after offset " + i + ", segments " + kept;
        int deleted = created.size() - kept.size();
        assertEquals(created.subList(deleted, created.size()), kept, "the oldest go first, " + when);
        long closed = kept.subList(0, kept.size() - 1).stream().mapToLong(sizes::get).sum();
        assertTrue(closed + HEADER <= retention, "over retention " + when);
        if (deleted > 0) {
          long newestDeleted = sizes.get(created.get(deleted - 1));
          assertTrue(closed + newestDeleted + HEADER > retention, "deleted a segment that fit, " + when);
        }
        assertEquals(kept.get(0), log.firstOffset(), when);
        assertEquals(closed + sizes.get(kept.get(kept.size() - 1)), log.sizeBytes(), when);
      }
      first = log.firstOffset();
      next = log.nextOffset();
    }

    assertTrue(created.size() - bases(dir).size() >= 5, "test bug: retention should have deleted several segments");
    assertHolds(dir, first, next, written);
    try (FileLog log = open(dir, options, Clock.systemUTC())) {
      assertEquals(first, log.firstOffset(), "reopen agrees");
      assertEquals(next, log.nextOffset(), "reopen agrees");
    }
    assertEquals(List.of(), warnings);
  }

  @Test
  void retentionBytes_exactlyReached_keepsTheSegmentAndOneByteLessDeletesIt() throws Exception {
    long exact = 2L * SEGMENT_BYTES + HEADER; // two full closed segments and the new active one's header
    for (long retention : new long[] {exact, exact - 1}) {
      Path dir = tmp.resolve("log-" + retention);
      try (FileLog log = open(dir, new FileLog.Options(SEGMENT_BYTES, retention, null), Clock.systemUTC())) {
        appendFixed(log, 8);
        assertEquals(List.of(0L, 4L), bases(dir), "test bug: two full segments");

        appendFixed(log, 1); // rolls: 2 x 4096 + 16 bytes

        List<Long> expected = retention == exact ? List.of(0L, 4L, 8L) : List.of(4L, 8L);
        assertEquals(expected, bases(dir), "retentionBytes " + retention);
        assertEquals(expected.get(0), log.firstOffset());
      }
    }
  }

  @Test
  void retentionBytes_neverDeletesTheActiveSegmentEvenWhenItAloneIsOver() throws Exception {
    Path dir = tmp.resolve("log");
    FileLog.Options options = new FileLog.Options(SEGMENT_BYTES, 2L * SEGMENT_BYTES, null);
    try (FileLog log = open(dir, options, Clock.systemUTC())) {
      List<FileLog.Entry> written = new ArrayList<>(appendFixed(log, 4));
      FileLog.Entry big = sized("big", Map.of(), 3 * SEGMENT_BYTES);
      assertEquals(4, log.append(List.of(big), T0 + 4));
      written.add(big);
      assertEquals(List.of(0L, 4L), bases(dir), "4096 + 16 bytes fit the retention when the big record rolled");

      assertEquals(1, log.enforceRetention());

      assertEquals(List.of(4L), bases(dir), "the active segment stays though it alone is over retentionBytes");
      assertEquals(4, log.firstOffset());
      assertEquals(0, log.enforceRetention(), "nothing left that may go");
      assertHolds(dir, 4, 5, written);

      assertEquals(5, log.append(List.of(sized("after", Map.of(), 100)), T0));

      assertEquals(List.of(5L), bases(dir), "once closed by the roll, the big segment goes");
      assertEquals(5, log.firstOffset());
    }
  }

  // --- by age ---

  @Test
  void retentionAge_deletesClosedSegmentsOlderThanTheAgeButNeverTheActiveOne() throws Exception {
    Path dir = tmp.resolve("log");
    FakeClock clock = new FakeClock();
    FileLog.Options options = new FileLog.Options(SEGMENT_BYTES, 0, Duration.ofHours(1));
    try (FileLog log = open(dir, options, clock)) {
      List<FileLog.Entry> written = appendFixed(log, 17);
      assertEquals(List.of(0L, 4L, 8L, 12L, 16L), bases(dir));
      clock.set(NOW);
      touch(dir, 0, NOW.minus(Duration.ofHours(3)));
      touch(dir, 4, NOW.minus(Duration.ofHours(2)));
      touch(dir, 8, NOW.minus(Duration.ofHours(1))); // exactly the age: not older than it
      touch(dir, 12, NOW.minus(Duration.ofMinutes(10)));
      touch(dir, 16, NOW.minus(Duration.ofHours(5))); // the active segment

      assertEquals(2, log.enforceRetention());
      assertEquals(List.of(8L, 12L, 16L), bases(dir));
      assertEquals(8, log.firstOffset());

      clock.advance(Duration.ofMillis(1));
      assertEquals(1, log.enforceRetention());
      assertEquals(List.of(12L, 16L), bases(dir));

      clock.advance(Duration.ofDays(1));
      assertEquals(1, log.enforceRetention());
      assertEquals(List.of(16L), bases(dir), "the active segment stays, however old");
      assertEquals(0, log.enforceRetention());
      assertEquals(16, log.firstOffset());
      assertHolds(dir, 16, 17, written);

      written.add(sized("more", Map.of(), 100));
      assertEquals(17, log.append(written.subList(17, 18), T0 + 17));
    }
    try (FileLog log = open(dir, options, clock)) {
      assertEquals(16, log.firstOffset(), "reopen agrees");
      assertEquals(18, log.nextOffset(), "reopen agrees");
    }
  }

  @Test
  void retentionAge_stopsAtTheFirstSegmentYoungEnoughToKeep_soTheLogHasNoHole() throws Exception {
    Path dir = tmp.resolve("log");
    FakeClock clock = new FakeClock();
    try (FileLog log = open(dir, new FileLog.Options(SEGMENT_BYTES, 0, Duration.ofHours(1)), clock)) {
      appendFixed(log, 13);
      clock.set(NOW);
      touch(dir, 0, NOW.minus(Duration.ofHours(3)));
      touch(dir, 4, NOW.minus(Duration.ofMinutes(5))); // rewritten by hand, say
      touch(dir, 8, NOW.minus(Duration.ofHours(2)));

      assertEquals(1, log.enforceRetention());

      assertEquals(List.of(4L, 8L, 12L), bases(dir), "deleting 8 and keeping 4 would leave a gap in the offsets");
    }
  }

  private static void touch(Path dir, long base, Instant mtime) throws IOException {
    Files.setLastModifiedTime(FileLog.segmentFile(dir, base), FileTime.from(mtime));
  }

  // --- below an offset ---

  @Test
  void trimBefore_everyOffset_deletesExactlyTheClosedSegmentsWhoseRecordsAreAllBelowIt() throws Exception {
    Path pristine = tmp.resolve("pristine");
    FileLog.Options options = FileLog.Options.DEFAULT.withSegmentBytes(SEGMENT_BYTES);
    List<FileLog.Entry> written = new ArrayList<>();
    try (FileLog log = open(pristine, options, Clock.systemUTC())) {
      for (int i = 0; i < 24; i++) {
        written.add(sized("k" + i, Map.of(), VARIED_FRAMES[i % VARIED_FRAMES.length]));
        log.append(written.subList(i, i + 1), T0 + i);
      }
    }
    List<Long> bases = bases(pristine);
    assertTrue(bases.size() >= 5, "test bug: expected several segments, got " + bases);
    int n = written.size();

    for (long offset = 0; offset <= n + 1; offset++) {
      Path dir = tmp.resolve("trim-" + offset);
      Files.createDirectories(dir);
      for (Path f : LogReader.segments(pristine)) {
        Files.copy(f, dir.resolve(f.getFileName()));
      }
      List<Long> expected = new ArrayList<>();
      for (int i = 0; i < bases.size(); i++) {
        boolean active = i == bases.size() - 1;
        if (active || bases.get(i + 1) > offset) {
          expected.add(bases.get(i));
        }
      }
      String when = "trimBefore(" + offset + ") of segments " + bases;

      try (FileLog log = open(dir, options, Clock.systemUTC())) {
        assertEquals(bases.size() - expected.size(), log.trimBefore(offset), when);
        assertEquals(expected, bases(dir), when);
        assertEquals(expected.get(0), log.firstOffset(), when);
        assertEquals(n, log.nextOffset(), when);
        assertEquals(0, log.trimBefore(offset), "again: " + when);
      }

      assertHolds(dir, expected.get(0), n, written);
      try (FileLog log = open(dir, options, Clock.systemUTC())) {
        assertEquals(expected.get(0), log.firstOffset(), "reopen agrees: " + when);
      }
    }
  }

  @Test
  void deletingASegment_alsoDeletesTheTornBytesCutFromIt_andNoOtherSegmentsFiles() throws Exception {
    Path dir = tmp.resolve("log");
    FileLog.Options options = FileLog.Options.DEFAULT.withSegmentBytes(SEGMENT_BYTES);
    try (FileLog log = open(dir, options, Clock.systemUTC())) {
      appendFixed(log, 12);
    }
    List<Long> bases = bases(dir);
    assertTrue(bases.size() >= 3, "test bug: expected several segments, got " + bases);
    Path oldestTorn = dir.resolve(FileLog.segmentFile(dir, bases.get(0)).getFileName() + ".torn-100");
    Path secondTorn = dir.resolve(FileLog.segmentFile(dir, bases.get(1)).getFileName() + ".torn-100");
    Files.write(oldestTorn, new byte[] {1, 2, 3});
    Files.write(secondTorn, new byte[] {4, 5, 6});

    try (FileLog log = open(dir, options, Clock.systemUTC())) {
      assertEquals(1, log.trimBefore(bases.get(1)));
    }

    assertFalse(Files.exists(oldestTorn), "the torn bytes of the deleted segment go with it");
    assertTrue(Files.exists(secondTorn), "a kept segment's torn bytes stay");
  }

  @Test
  void retentionDeleteFailingDuringARoll_warnsAndTheAppendStands() throws Exception {
    Path dir = tmp.resolve("log");
    LogFiles failingDeletes = new ForwardingLogFiles(LogFiles.SYSTEM) {
      @Override
      public void deleteIfExists(Path file) throws IOException {
        throw new IOException("simulated: cannot delete " + file.getFileName());
      }
    };
    FileLog.Options options = new FileLog.Options(SEGMENT_BYTES, 2L * SEGMENT_BYTES, null);
    try (FileLog log = FileLog.open(dir, options, Clock.systemUTC(), failingDeletes, warnings::add)) {
      List<FileLog.Entry> written = appendFixed(log, 16); // rolls past two segments: retention is due

      assertEquals(16, log.nextOffset(), "every append stood");
      assertEquals(0, log.firstOffset(), "nothing could be deleted");
      assertTrue(warnings.stream().anyMatch(w -> w.contains("deleting segments past retention failed")
          && w.contains("simulated: cannot delete")), warnings::toString);
      assertHolds(dir, 0, 16, written);
    }
  }

  @Test
  void retentionAge_longerThanTimeCanSubtract_keepsEverythingInsteadOfFailing() throws Exception {
    Path dir = tmp.resolve("log");
    FileLog.Options options = new FileLog.Options(SEGMENT_BYTES, 0, Duration.ofDays(1_000_000_000_000L));
    try (FileLog log = open(dir, options, Clock.systemUTC())) {
      appendFixed(log, 12);
      int segments = log.segmentCount();

      assertEquals(0, log.enforceRetention());
      assertEquals(segments, log.segmentCount());
    }
  }
}
