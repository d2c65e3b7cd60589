package dev.sinkgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.sinkgate.server.log.FileLog;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code log cat --follow}: a live reader beside a log that is still being appended to. */
class LogCatFollowTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  @TempDir
  Path tmp;

  private static void append(FileLog log, String... data) throws Exception {
    List<FileLog.Entry> entries = new ArrayList<>();
    for (String d : data) {
      entries.add(new FileLog.Entry("", Map.of(), d.getBytes(StandardCharsets.UTF_8)));
    }
    log.append(entries, 1_700_000_000_000L);
  }

  private static List<String> lines(ByteArrayOutputStream out) {
    String s = out.toString(StandardCharsets.UTF_8);
    return s.isEmpty() ? List.of() : List.of(s.split("\n"));
  }

  @Test
  void logCatFollow_printsRecordsAppendedAfterItStarted_eachOnceInOrder_untilStopped() throws Exception {
    Path dir = tmp.resolve("log");
    ByteArrayOutputStream out = new ByteArrayOutputStream(); // synchronized: the follower writes, the test reads
    CountDownLatch stop = new CountDownLatch(1);
    AtomicReference<Throwable> failed = new AtomicReference<>();
    try (FileLog log = FileLog.open(dir, w -> {})) {
      append(log, "r0", "r1", "r2");
      Thread follower = new Thread(() -> {
        try {
          LogCat.follow(dir, 1, LogCat.Format.RAW, out, stop, Duration.ofMillis(5));
        } catch (Throwable t) {
          failed.set(t);
        }
      }, "test-follower");
      follower.start();
      try {
        Poll.until(TIMEOUT, () -> lines(out).size() >= 2, () -> "the existing records from offset 1, got " + lines(out));
        append(log, "r3");
        append(log, "r4", "r5");

        Poll.until(TIMEOUT, () -> lines(out).size() >= 5, () -> "the appended records, got " + lines(out));
      } finally {
        stop.countDown();
        follower.join(TIMEOUT.toMillis());
      }
      assertFalse(follower.isAlive(), "the follower did not stop when told to");
      assertEquals(null, failed.get());
      assertEquals(List.of("r1", "r2", "r3", "r4", "r5"), lines(out));
    }
  }

  /**
   * A follower started from an offset in a middle segment, beside a log that rolls while
   * it reads. (A follower whose segment retention deletes is {@code LogTailTest}'s, where
   * the interleaving is fixed; here a slow follower could legitimately miss records.)
   */
  @Test
  void logCatFollow_acrossRolls_printsEveryRecordFromItsOffsetOnceInOrder() throws Exception {
    Path dir = tmp.resolve("log");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    CountDownLatch stop = new CountDownLatch(1);
    AtomicReference<Throwable> failed = new AtomicReference<>();
    String pad = "-" + "p".repeat(300);
    FileLog.Options options = FileLog.Options.DEFAULT.withSegmentBytes(4096);
    List<String> expected = new ArrayList<>();
    try (FileLog log = FileLog.open(dir, options, java.time.Clock.systemUTC(),
        dev.sinkgate.server.log.LogFiles.SYSTEM, w -> {})) {
      for (int i = 0; i < 30; i++) {
        append(log, "r" + i + pad);
      }
      assertEquals(true, log.segmentCount() > 2, "the first records must span several segments");
      long from = 20;
      for (int i = (int) from; i < 30; i++) {
        expected.add("r" + i + pad);
      }
      Thread follower = new Thread(() -> {
        try {
          LogCat.follow(dir, from, LogCat.Format.RAW, out, stop, Duration.ofMillis(5));
        } catch (Throwable t) {
          failed.set(t);
        }
      }, "test-follower");
      follower.start();
      try {
        Poll.until(TIMEOUT, () -> lines(out).size() >= expected.size(), () -> "records from offset 20, got " + lines(out));
        int segmentsBefore = log.segmentCount();
        for (int i = 30; i < 90; i++) {
          append(log, "r" + i + pad);
          expected.add("r" + i + pad);
        }
        assertEquals(true, log.segmentCount() > segmentsBefore + 2, "the log must have rolled meanwhile");
        Poll.until(TIMEOUT, () -> lines(out).size() >= expected.size(), () -> "all appended records, got " + lines(out).size());
      } finally {
        stop.countDown();
        follower.join(TIMEOUT.toMillis());
      }
      assertFalse(follower.isAlive(), "the follower did not stop when told to");
      assertEquals(null, failed.get());
      assertEquals(expected, lines(out));
    }
  }
}
