package dev.sinkgate.server.log;

import static dev.sinkgate.server.log.SmallTmpfs.PAGE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link FileLog} on a file system that is really full (a small tmpfs): the append that
 * does not fit throws {@link LogFullException} and leaves the log as it was, and once
 * space is freed the log takes records again without being reopened.
 */
class FileLogDiskFullTest {
  private static final long T = 1_700_000_000_000L;
  /** Enough records to fill any room these tests leave. */
  private static final int MAX_RECORDS = 200;

  @TempDir Path tmp;
  private SmallTmpfs tmpfs;
  private final List<String> warnings = new ArrayList<>();

  @BeforeEach
  void mount() throws Exception {
    tmpfs = SmallTmpfs.mountOrAbort(tmp.resolve("tmpfs"), 1 << 20);
  }

  @AfterEach
  void unmount() throws IOException {
    if (tmpfs != null) {
      tmpfs.close();
    }
  }

  /** About 1000 bytes that say which record they are, all the way through. */
  private static FileLog.Entry entry(int i) {
    String data = ("record-" + i + ";").repeat(1000 / ("record-" + i + ";").length());
    return new FileLog.Entry("k" + i, Map.of("index", Integer.toString(i)), data.getBytes(StandardCharsets.UTF_8));
  }

  private static List<FileLog.Entry> entries(int from, int count) {
    return IntStream.range(from, from + count).mapToObj(FileLogDiskFullTest::entry).toList();
  }

  /** Appends batches of {@code batch} records until one fails, which it returns; {@code written} gets the rest. */
  private static LogFullException appendUntilFull(FileLog log, int batch, List<FileLog.Entry> written)
      throws IOException {
    while (written.size() < MAX_RECORDS) {
      List<FileLog.Entry> next = entries(written.size(), batch);
      try {
        assertEquals(written.size(), log.append(next, T));
      } catch (LogFullException e) {
        return e;
      }
      log.sync();
      written.addAll(next);
    }
    throw new AssertionError(MAX_RECORDS + " records fit on a disk with a few pages free");
  }

  private static long segmentBytes(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      long total = 0;
      for (Path p : files.filter(p -> p.getFileName().toString().endsWith(".log")).toList()) {
        total += Files.size(p);
      }
      return total;
    }
  }

  private static List<String> leftovers(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString())
          .filter(n -> !n.endsWith(".log") && !n.equals(DirectoryLock.FILE_NAME)).toList();
    }
  }

  /** Reopens the log: it recovers nothing and holds exactly {@code expected}, at offsets 0, 1, 2, … */
  private void assertReopensWith(Path dir, List<FileLog.Entry> expected) throws IOException {
    try (FileLog log = FileLog.open(dir, warnings::add)) {
      assertEquals(List.of(), warnings, "nothing to recover: no partial record was left behind");
      assertEquals(expected.size(), log.nextOffset());
    }
    List<LogRecord> stored = LogReader.readAll(dir);
    assertEquals(expected.size(), stored.size());
    for (int i = 0; i < expected.size(); i++) {
      assertEquals(i, stored.get(i).offset());
      assertEquals(expected.get(i).key(), stored.get(i).key(), "key at offset " + i);
      assertArrayEquals(expected.get(i).data(), stored.get(i).data(), "data at offset " + i);
    }
  }

  @Test
  void append_onAFullDisk_throwsLogFullCutsTheBatchBackAndSucceedsOnceSpaceIsFreed() throws Exception {
    Path dir = tmpfs.dir().resolve("log");
    List<FileLog.Entry> written = new ArrayList<>();
    try (FileLog log = FileLog.open(dir, warnings::add)) {
      tmpfs.fillLeaving(2 * PAGE);
      // Batches of 3 (~3 KB): a batch that crosses into a page the disk does not have is
      // partly written before the write fails, so the cut-back is what leaves no trace.
      LogFullException full = appendUntilFull(log, 3, written);
      assertTrue(full.getMessage().contains("the file system is full"), full.getMessage());
      assertTrue(written.size() >= 6, "two free pages hold two batches, got " + written.size() + " records");
      assertFalse(log.broken(), "a full disk does not break the log");
      assertEquals(written.size(), log.nextOffset());
      long size = segmentBytes(dir);
      assertEquals(log.sizeBytes(), size, "the failed batch was cut back to where it started");

      assertThrows(LogFullException.class, () -> log.append(entries(written.size(), 3), T));
      assertEquals(size, segmentBytes(dir), "a second refusal changes nothing either");

      tmpfs.deleteFiller();
      List<FileLog.Entry> next = entries(written.size(), 3);
      assertEquals(written.size(), log.append(next, T), "the offsets go on where they stopped");
      log.sync();
      written.addAll(next);
    }
    assertReopensWith(dir, written);
  }

  @Test
  void roll_onAFullDisk_throwsLogFullKeepsTheActiveSegmentAndRollsOnceSpaceIsFreed() throws Exception {
    Path dir = tmpfs.dir().resolve("log");
    // One-page segments: appends never need a new page, only a roll does.
    FileLog.Options options = FileLog.Options.DEFAULT.withSegmentBytes(FileLog.Options.MIN_SEGMENT_BYTES);
    List<FileLog.Entry> written = new ArrayList<>();
    try (FileLog log = FileLog.open(dir, options, Clock.systemUTC(), LogFiles.SYSTEM, warnings::add)) {
      tmpfs.fillLeaving(PAGE); // room for one more segment
      LogFullException full = appendUntilFull(log, 1, written);
      assertTrue(full.getMessage().contains("the file system is full"), full.getMessage());
      assertEquals(2, log.segmentCount(), "the first roll fit, the second did not");
      assertEquals(List.of(), leftovers(dir), "the segment that could not be created left no file");
      assertFalse(log.broken());
      assertEquals(written.size(), log.nextOffset());
      assertEquals(log.sizeBytes(), segmentBytes(dir));

      assertThrows(LogFullException.class, () -> log.append(entries(written.size(), 1), T));
      assertEquals(2, log.segmentCount());

      tmpfs.deleteFiller();
      assertEquals(written.size(), log.append(entries(written.size(), 1), T));
      log.sync();
      written.add(entry(written.size()));
      assertEquals(3, log.segmentCount(), "the roll went through once there was space");
    }
    assertReopensWith(dir, written);
  }
}
