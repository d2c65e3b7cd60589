package dev.sinkgate.server.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link LogTail} over a log that rolls and deletes segments between polls. */
class LogTailTest {
  private static final FileLog.Options OPTIONS =
      FileLog.Options.DEFAULT.withSegmentBytes(4096).withRetention(2 * 4096, null);

  @TempDir
  Path tmp;

  private static String data(long i) {
    return "r" + i + "-" + "p".repeat(400);
  }

  private static void append(FileLog log, int n) throws Exception {
    for (int i = 0; i < n; i++) {
      long offset = log.nextOffset();
      log.append(List.of(new FileLog.Entry("", Map.of(), data(offset).getBytes(StandardCharsets.UTF_8))), 0);
    }
  }

  @Test
  void poll_startsInTheSegmentHoldingFromOffset_andSkipsToTheNextWhenItsSegmentWasDeleted() throws Exception {
    Path dir = tmp.resolve("log");
    List<Long> seen = new ArrayList<>();
    try (FileLog log = FileLog.open(dir, OPTIONS, Clock.systemUTC(), LogFiles.SYSTEM, w -> {})) {
      append(log, 20);
      long from = log.nextOffset() - 3;
      // The tail ends its first poll in the last segment, which holds its last record.
      Path holding = FileLog.segmentFile(dir, LogReader.baseOffset(
          LogReader.segments(dir).get(LogReader.segmentHolding(LogReader.segments(dir), from + 2))));
      LogTail tail = new LogTail(dir, from);

      assertEquals(3, tail.poll(r -> {
        assertEquals(data(r.offset()), new String(r.data(), StandardCharsets.UTF_8));
        seen.add(r.offset());
      }));
      assertEquals(List.of(from, from + 1, from + 2), seen);

      // Roll on until retention has deleted the segment the tail stands in.
      long firstNew = log.nextOffset();
      while (Files.exists(holding)) {
        append(log, 1);
      }
      long gone = log.firstOffset();
      seen.clear();
      tail.poll(r -> seen.add(r.offset()));

      assertFalse(seen.isEmpty(), "the tail must go on after its segment was deleted");
      assertTrue(seen.get(0) >= firstNew, "no record is repeated: " + seen.get(0));
      assertTrue(gone > firstNew, "records were deleted before the tail could read them");
      assertEquals(gone, seen.get(0), "it resumes at the oldest segment still there");
      for (int i = 1; i < seen.size(); i++) {
        assertEquals(seen.get(i - 1) + 1, seen.get(i));
      }
      assertEquals(log.nextOffset() - 1, seen.get(seen.size() - 1));
    }
  }
}
