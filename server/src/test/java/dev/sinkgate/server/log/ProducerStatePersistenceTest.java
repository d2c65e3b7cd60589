package dev.sinkgate.server.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinkgate.server.sink.Accepted;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The producer table survives a restart: saved in {@code .producers} snapshots when a
 * segment rolls and at a clean close, and rebuilt at open from the newest valid snapshot
 * plus the records after it, which lie in the last segment, so opening still reads only
 * the last segment. A damaged snapshot falls back to an older one, or to the whole log.
 */
class ProducerStatePersistenceTest {
  private static final int SEGMENT_BYTES = 4096;
  private static final FileLog.Options OPTIONS = FileLog.Options.DEFAULT.withSegmentBytes(SEGMENT_BYTES);
  /** About 13 records per segment. */
  private static final int DATA_BYTES = 280;
  private static final int RECORDS = 150;
  private static final long T = 1_700_000_000_000L;

  @TempDir Path tmp;
  private final List<String> warnings = new ArrayList<>();

  private static FileLog.Entry entry(String producer, long sequence) {
    byte[] data = (producer + "-" + sequence + ";").repeat(DATA_BYTES / 8).getBytes(StandardCharsets.UTF_8);
    return new FileLog.Entry("k", Map.of(), data, producer, sequence);
  }

  /**
   * Appends {@link #RECORDS} records of producer p (sequences 1, 2, …), one at a time, and
   * after every tenth one a record of producer q; {@code pOffsets} gets p's offsets.
   */
  private static void writeRecords(FileLog log, Map<Long, Long> pOffsets) throws IOException {
    for (int s = 1; s <= RECORDS; s++) {
      pOffsets.put((long) s, log.append(List.of(entry("p", s)), T + s));
      if (s % 10 == 0) {
        log.append(List.of(entry("q", s / 10)), T + s);
      }
    }
  }

  /**
   * Writes {@link #writeRecords} to a log over at least ten segments and copies it to
   * {@code crashed} as a crash leaves it: the files as the OS has them, taken while the
   * log is still open (no close snapshot, no {@code .clean}). Returns p's offsets.
   */
  private Map<Long, Long> crashedLog(Path crashed) throws IOException {
    Path dir = tmp.resolve("log");
    Map<Long, Long> pOffsets = new java.util.HashMap<>();
    try (FileLog log = FileLog.open(dir, OPTIONS, Clock.systemUTC(), LogFiles.SYSTEM, warnings::add)) {
      writeRecords(log, pOffsets);
      assertTrue(log.segmentCount() >= 10, "test bug: " + log.segmentCount() + " segments");
      Files.createDirectories(crashed);
      try (Stream<Path> files = Files.list(dir)) {
        for (Path f : files.toList()) {
          if (!f.getFileName().toString().equals(DirectoryLock.FILE_NAME)) {
            Files.copy(f, crashed.resolve(f.getFileName()));
          }
        }
      }
    }
    return pOffsets;
  }

  private static List<Path> snapshots(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(f -> f.getFileName().toString().matches(ProducerSnapshot.NAME)).sorted().toList();
    }
  }

  /** Asserts the reopened table: p's last 64 sequences with their offsets, older ones unknown, the next one new. */
  private static void assertProducers(FileLog log, Map<Long, Long> pOffsets) {
    assertEquals(2, log.producerCount());
    for (long s = RECORDS - ProducerState.WINDOW + 1; s <= RECORDS; s++) {
      assertEquals(pOffsets.get(s), log.duplicateOffset("p", s), "p's sequence " + s);
    }
    assertEquals(ProducerState.UNKNOWN_OFFSET, log.duplicateOffset("p", 1), "older than the window");
    assertEquals(ProducerState.NEW, log.duplicateOffset("p", RECORDS + 1));
    assertEquals(ProducerState.NEW, log.duplicateOffset("q", RECORDS / 10 + 1));
    assertTrue(log.duplicateOffset("q", RECORDS / 10) >= 0, "q's last sequence is known");
  }

  @Test
  void restart_afterACleanClose_keepsAnsweringDuplicates() throws Exception {
    Path dir = tmp.resolve("log");
    MutableClock clock = new MutableClock(java.time.Instant.ofEpochMilli(T));
    FileLogSink sink = new FileLogSink("idem", FileLog.open(dir, OPTIONS, clock, LogFiles.SYSTEM, warnings::add),
        FsyncPolicy.ALWAYS, 1000, 64L << 20, clock);
    for (int s = 1; s <= 3; s++) {
      sink.append(IdempotentWriteTest.record("p", s, "p-" + s)).get(30, TimeUnit.SECONDS);
    }
    sink.close();
    assertTrue(Files.exists(ProducerSnapshot.file(dir, 3)), "the clean close saved the table at offset 3");

    sink = new FileLogSink("idem", FileLog.open(dir, OPTIONS, clock, LogFiles.SYSTEM, warnings::add),
        FsyncPolicy.ALWAYS, 1000, 64L << 20, clock);
    try {
      Accepted retry = sink.append(IdempotentWriteTest.record("p", 2, "p-2")).get(30, TimeUnit.SECONDS);
      assertTrue(retry.duplicate());
      assertEquals(1, retry.offset());
      assertFalse(sink.append(IdempotentWriteTest.record("p", 4, "p-4")).get(30, TimeUnit.SECONDS).duplicate());
    } finally {
      sink.close();
    }
    assertEquals(4, LogReader.readAll(dir).size());
    assertEquals(List.of(), warnings);
  }

  @Test
  void openAfterACrash_spanningRolls_replaysOnlyTheLastSegment() throws Exception {
    Path crashed = tmp.resolve("crashed");
    Map<Long, Long> pOffsets = crashedLog(crashed);
    List<Path> segments = LogReader.segments(crashed);
    String last = segments.get(segments.size() - 1).getFileName().toString();
    assertEquals(segments.size() - 1, snapshots(crashed).size(), "one snapshot per roll");

    CountingLogFiles counting = new CountingLogFiles();
    try (FileLog log = FileLog.open(crashed, OPTIONS, Clock.systemUTC(), counting, warnings::add)) {
      assertTrue(log.nextOffset() - LogReader.baseOffset(segments.get(segments.size() - 1)) > 0,
          "test bug: the last segment should hold records to replay");
      assertProducers(log, pOffsets);
    }
    assertEquals(List.of(last), counting.segmentsOpened(), "only the last segment is read");
    assertEquals(List.of(), warnings);
  }

  @Test
  void damagedNewestSnapshot_fallsBackToTheOneBefore_withAWarning() throws Exception {
    Path crashed = tmp.resolve("crashed");
    Map<Long, Long> pOffsets = crashedLog(crashed);
    List<Path> snapshots = snapshots(crashed);
    Path newest = snapshots.get(snapshots.size() - 1);
    byte[] bytes = Files.readAllBytes(newest);
    bytes[bytes.length / 2] ^= 0x40;
    Files.write(newest, bytes);

    CountingLogFiles counting = new CountingLogFiles();
    try (FileLog log = FileLog.open(crashed, OPTIONS, Clock.systemUTC(), counting, warnings::add)) {
      assertProducers(log, pOffsets);
    }
    assertEquals(1, warnings.size(), () -> "warnings: " + warnings);
    assertTrue(warnings.get(0).contains(newest.getFileName() + ": the producer snapshot fails its CRC check;"
        + " trying an older producer snapshot"), warnings.get(0));
    assertEquals(2, counting.segmentsOpened().size(), "the segment after the older snapshot, and the last one: "
        + counting.segmentsOpened());
  }

  @Test
  void noValidSnapshot_replaysTheWholeLog_withAWarning() throws Exception {
    Path crashed = tmp.resolve("crashed");
    Map<Long, Long> pOffsets = crashedLog(crashed);
    for (Path s : snapshots(crashed)) {
      Files.write(s, new byte[] {1, 2, 3});
    }
    int segments = LogReader.segments(crashed).size();

    try (FileLog log = FileLog.open(crashed, OPTIONS, Clock.systemUTC(), LogFiles.SYSTEM, warnings::add)) {
      assertProducers(log, pOffsets);
    }
    assertEquals(segments, warnings.size(), () -> "one per damaged snapshot, then the replay: " + warnings);
    assertTrue(warnings.get(warnings.size() - 1).contains("no valid producer snapshot; reading the whole log ("
        + segments + " segments) from offset 0"), warnings.get(warnings.size() - 1));
  }

  @Test
  void snapshotPastTheEndOfTheLog_isDeletedAndAnOlderOneUsed() throws Exception {
    Path dir = tmp.resolve("log");
    Map<Long, Long> pOffsets = new java.util.HashMap<>();
    try (FileLog log = FileLog.open(dir, OPTIONS, Clock.systemUTC(), LogFiles.SYSTEM, warnings::add)) {
      writeRecords(log, pOffsets);
    }
    // As if a repair had cut the log back below a snapshot: a valid one, of records no longer there.
    ProducerState gone = new ProducerState(java.time.Duration.ofHours(1), 10);
    gone.written("z", 1, 99_999, T);
    Path beyond = ProducerSnapshot.write(LogFiles.SYSTEM, dir, 100_000, gone);
    try (FileLog log = FileLog.open(dir, OPTIONS, Clock.systemUTC(), LogFiles.SYSTEM, warnings::add)) {
      assertProducers(log, pOffsets);
      assertEquals(ProducerState.NEW, log.duplicateOffset("z", 1), "nothing of the snapshot past the end");
    }
    assertFalse(Files.exists(beyond), "deleted");
    assertEquals(List.of(), warnings, "the older snapshot is valid: nothing to warn of");
  }

  @Test
  void retention_deletesTheSnapshotsOfDeletedSegments_keepingTheNewest() throws Exception {
    Path dir = tmp.resolve("log");
    Map<Long, Long> pOffsets = new java.util.HashMap<>();
    FileLog.Options keepThree = OPTIONS.withRetention(3L * SEGMENT_BYTES, null);
    try (FileLog log = FileLog.open(dir, keepThree, Clock.systemUTC(), LogFiles.SYSTEM, warnings::add)) {
      writeRecords(log, pOffsets);
      long first = log.firstOffset();
      assertTrue(first > 0, "test bug: retention deleted nothing");
      List<Long> offsets = snapshots(dir).stream().map(ProducerSnapshot::offsetOf).toList();
      assertTrue(offsets.stream().allMatch(o -> o >= first), "snapshots " + offsets + ", first offset " + first);
      assertEquals(log.segmentCount(), offsets.size(), "one at the base of each segment kept: " + offsets);
    }
    try (FileLog log = FileLog.open(dir, keepThree, Clock.systemUTC(), LogFiles.SYSTEM, warnings::add)) {
      assertEquals(ProducerState.NEW, log.duplicateOffset("p", RECORDS + 1));
      assertEquals(pOffsets.get((long) RECORDS), log.duplicateOffset("p", RECORDS));
    }
    assertEquals(List.of(), warnings);
  }
}
