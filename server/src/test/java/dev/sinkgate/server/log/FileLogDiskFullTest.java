package dev.sinkgate.server.log;

import static dev.sinkgate.server.log.SmallTmpfs.PAGE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinkgate.server.sink.Accepted;
import dev.sinkgate.server.sink.Record;
import dev.sinkgate.server.sink.RecordRejectedException;
import dev.sinkgate.server.sink.StreamFence;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link FileLog} on a file system that is really full (a small tmpfs): the append that
 * does not fit throws {@link LogFullException} and leaves the log as it was, and once
 * space is freed the log takes records again without being reopened; {@link FileLogSink}
 * refuses the group, and the later records of its streams.
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
          .filter(n -> !n.endsWith(".log") && !n.endsWith(ProducerSnapshot.SUFFIX) && !n.equals(DirectoryLock.FILE_NAME))
          .toList();
    }
  }

  /** Reopens the log: it recovers nothing and holds exactly {@code expected}, at offsets 0, 1, 2, … */
  private void assertReopensWith(Path dir, List<FileLog.Entry> expected) throws IOException {
    // A full disk may refuse a roll's producer snapshot too: that only makes an open replay more.
    warnings.removeIf(w -> w.contains("saving the producer snapshot"));
    try (FileLog log = FileLog.open(dir, warnings::add)) {
      assertEquals(List.of(), warnings, "nothing to recover: no partial record was left behind");
      assertEquals(expected.size(), log.nextOffset());
    }
    List<LogRecord> stored = LogReader.readAll(dir);
    assertEquals(expected.size(), stored.size());
    for (int i = 0; i < expected.size(); i++) {
      assertEquals(i, stored.get(i).offset());
      assertEquals(expected.get(i).key(), stored.get(i).key(), "key at offset " + i);
      assertArrayEquals(expected.get(i).data().toByteArray(), stored.get(i).data(), "data at offset " + i);
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
      tmpfs.fillLeaving(2 * PAGE); // room for one more segment and the producer snapshot a roll writes first
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

  /** A record of {@code bytes}, the {@code index}-th of the stream {@code fence} (null and -1: no stream). */
  private static Record record(String name, int bytes, StreamFence fence, long index) {
    return new Record(name, Map.of(), name.repeat(bytes / name.length()).getBytes(StandardCharsets.UTF_8),
        Long.MAX_VALUE, fence, index);
  }

  private static void assertStorageFull(CompletableFuture<Accepted> f, String why) throws Exception {
    ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(30, TimeUnit.SECONDS), why);
    RecordRejectedException r = assertInstanceOf(RecordRejectedException.class, e.getCause(), why);
    assertEquals(RecordRejectedException.Reason.STORAGE_FULL, r.reason(), why + ": " + r.getMessage());
  }

  /**
   * A stream hands its records to the sink one after the other, and its client resends
   * from the first refused one. So a record of the same stream queued behind a refused
   * group must not be written either: it would land in the log ahead of the refused
   * record's resend (and be stored twice). Its stream's {@link StreamFence} stops it; a
   * record of another writer queued behind the refusal is tried, and fits.
   */
  @Test
  void fileLogSink_refusesTheLaterRecordsOfAStreamWhoseRecordTheFullDiskRefused_notOtherWriters() throws Exception {
    Path dir = tmpfs.dir().resolve("log");
    HeldWrite files = new HeldWrite();
    FileLog log = FileLog.open(dir, FileLog.Options.DEFAULT, Clock.systemUTC(), files, warnings::add);
    FileLogSink sink = new FileLogSink("full", log, FsyncPolicy.ALWAYS, 100, 1 << 20, Clock.systemUTC());
    StreamFence stream = new StreamFence();
    try {
      tmpfs.fillLeaving(0); // what is left: the rest of the segment's first page, about 4 KB
      files.arm();
      CompletableFuture<Accepted> large = sink.append(record("large;", 6000, stream, 0)); // needs a page the disk has not
      assertTrue(files.entered.await(30, TimeUnit.SECONDS), "the writer reached the write");
      CompletableFuture<Accepted> small = sink.append(record("small;", 100, stream, 1)); // fits the rest of the page
      CompletableFuture<Accepted> other = sink.append(record("other;", 100, null, -1));
      files.release.countDown();

      assertStorageFull(large, "the record larger than the space left");
      ExecutionException behind = assertThrows(ExecutionException.class, () -> small.get(30, TimeUnit.SECONDS));
      RecordRejectedException r = assertInstanceOf(RecordRejectedException.class, behind.getCause());
      assertTrue(r.getMessage().contains("an earlier record of this stream was refused"), r.getMessage());
      assertTrue(stream.tripped());
      assertEquals(0, other.get(30, TimeUnit.SECONDS).offset(), "another writer's record is written");
      Accepted next = sink.append(record("next;", 100, null, -1)).get(30, TimeUnit.SECONDS);
      assertEquals(1, next.offset());
    } finally {
      sink.close();
    }
    assertEquals(List.of("other;", "next;"), LogReader.readAll(dir).stream().map(LogRecord::key).toList());
  }
  /**
   * Idempotent writes: a group the full disk refused was cut back, so it must not advance
   * its producers, or the resend of its record would be answered as a duplicate of a
   * record that is not there.
   */
  @Test
  void fileLogSink_groupRefusedByAFullDisk_doesNotAdvanceItsProducer() throws Exception {
    Path dir = tmpfs.dir().resolve("log");
    FileLog log = FileLog.open(dir, FileLog.Options.DEFAULT, Clock.systemUTC(), LogFiles.SYSTEM, warnings::add);
    FileLogSink sink = new FileLogSink("full", log, FsyncPolicy.ALWAYS, 100, 1 << 20, Clock.systemUTC());
    byte[] large = "large;".repeat(1000).getBytes(StandardCharsets.UTF_8);
    Record record = new Record("k", Map.of(), large, Long.MAX_VALUE, null, -1, "p", 1);
    try {
      tmpfs.fillLeaving(0); // what is left: the rest of the segment's first page, about 4 KB
      assertStorageFull(sink.append(record), "the record larger than the space left");
      tmpfs.deleteFiller();

      Accepted resent = sink.append(record).get(30, TimeUnit.SECONDS);
      assertFalse(resent.duplicate(), "the refused record did not advance its producer: the resend is stored");
      assertEquals(0, resent.offset());
      Accepted again = sink.append(record).get(30, TimeUnit.SECONDS);
      assertTrue(again.duplicate(), "once stored, a resend is a duplicate");
      assertEquals(0, again.offset());
    } finally {
      sink.close();
    }
    List<LogRecord> stored = LogReader.readAll(dir);
    assertEquals(1, stored.size());
    assertEquals("p", stored.get(0).producerId());
  }
}
