package dev.sinkgate.server.log;

import static dev.sinkgate.server.log.TestRecords.sized;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Opening a log reads its last segment only, so start-up time does not grow with the
 * log: a 2-segment and a 40-segment log ending in the same last segment cost the same
 * bytes to open, clean or with a torn tail.
 */
class OpenReadsOnlyTheLastSegmentTest {
  private static final int SEGMENT_BYTES = 4096;
  private static final FileLog.Options OPTIONS = FileLog.Options.DEFAULT.withSegmentBytes(SEGMENT_BYTES);
  /** Four fit a segment (16 + 4 x 1000 bytes), a fifth rolls. */
  private static final int RECORD_BYTES = 1000;
  private static final int TORN_BYTES = 300;

  @TempDir
  Path tmp;

  /** A log of {@code segments} segments, the last holding three records; returns the last segment's file. */
  private Path write(Path dir, int segments) throws IOException {
    int records = (segments - 1) * 4 + 3;
    try (FileLog log = FileLog.open(dir, OPTIONS, Clock.systemUTC(), ForwardingLogFiles.unsynced(), w -> {})) {
      for (int i = 0; i < records; i++) {
        log.append(List.of(sized("k", Map.of("n", Integer.toString(i % 10)), RECORD_BYTES)), i);
      }
      assertEquals(segments, log.segmentCount(), "test bug");
      assertEquals(records, log.nextOffset());
    }
    // As a crash leaves it (no clean-close marker), so damage at the tail reads as a torn write.
    Files.delete(dir.resolve(FileLog.CLEAN_FILE));
    List<Path> files = LogReader.segments(dir);
    return files.get(files.size() - 1);
  }

  @Test
  void open_cleanLog_readsTheSameBytesForTwoSegmentsAsForForty() throws Exception {
    assertOpenReadsOnlyTheLastSegment(false);
  }

  @Test
  void open_logWithATornTail_readsTheSameBytesForTwoSegmentsAsForForty() throws Exception {
    assertOpenReadsOnlyTheLastSegment(true);
  }

  private void assertOpenReadsOnlyTheLastSegment(boolean torn) throws IOException {
    Path smallDir = tmp.resolve("small");
    Path largeDir = tmp.resolve("large");
    Path smallLast = write(smallDir, 2);
    Path largeLast = write(largeDir, 40);
    long lastSize = Files.size(largeLast);
    assertEquals(lastSize, Files.size(smallLast), "test bug: the last segments should be alike");
    if (torn) {
      // Half of a record, as a crash mid-write leaves it.
      byte[] half = new byte[TORN_BYTES];
      ByteBuffer.wrap(half).putInt(RECORD_BYTES - LogFormat.FRAME_HEADER_BYTES).putInt(0x12345678);
      Files.write(smallLast, half, StandardOpenOption.APPEND);
      Files.write(largeLast, half, StandardOpenOption.APPEND);
    }

    CountingLogFiles small = new CountingLogFiles();
    CountingLogFiles large = new CountingLogFiles();
    List<String> warnings = new ArrayList<>();
    try (FileLog log = FileLog.open(smallDir, OPTIONS, Clock.systemUTC(), small, warnings::add)) {
      assertEquals(7, log.nextOffset());
    }
    try (FileLog log = FileLog.open(largeDir, OPTIONS, Clock.systemUTC(), large, warnings::add)) {
      assertEquals(159, log.nextOffset());
      assertTrue(log.sizeBytes() > 30 * lastSize, "test bug: the large log should dwarf its last segment");
    }

    assertEquals(torn ? 2 : 0, warnings.size(), () -> "warnings: " + warnings);
    assertEquals(small.bytesRead, large.bytesRead, "opening a log must not read more because it is longer");
    // The scan reads the segment once (and the producer snapshot, taken at the close); a
    // torn tail is read twice more: while looking for a valid record after it, and while
    // copying it aside.
    long snapshot = Files.size(ProducerSnapshot.file(largeDir, 159));
    long bound = lastSize + snapshot + (torn ? 3L * TORN_BYTES : 0);
    assertTrue(large.bytesRead > 0 && large.bytesRead <= bound,
        () -> large.bytesRead + " bytes read (expected: at most " + bound + ")");
    String last = largeLast.getFileName().toString();
    assertTrue(large.opened.stream().filter(f -> f.endsWith(".log")).allMatch(last::equals),
        () -> "segments opened: " + large.opened + " (expected: only " + last + ")");
  }
}
