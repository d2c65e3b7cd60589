package dev.sinkgate.server.log;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A power loss while a log recovers: cut in place of each file operation of a recovery
 * that cuts a torn tail, in turn, it leaves the torn bytes in the segment or in the
 * {@code .torn-P} copy, never in neither, and loses no record.
 */
class RecoveryPowerLossTest {
  private static final Clock CLOCK = Clock.fixed(Instant.ofEpochMilli(1_700_000_000_000L), ZoneOffset.UTC);

  @TempDir
  Path tmp;

  @Test
  void recovery_powerLossAtEachStep_leavesTheTornBytesInPlaceOrAside() throws Exception {
    Path template = tmp.resolve("template");
    appendAndClose(template, 0, 3);
    long validEnd = Files.size(FileLog.segmentFile(template, 0));
    appendAndClose(template, 3, 1);
    byte[] whole = Files.readAllBytes(FileLog.segmentFile(template, 0));
    byte[] torn = Arrays.copyOfRange(whole, (int) validEnd, whole.length - 10); // the last record, torn
    Files.write(FileLog.segmentFile(template, 0), Arrays.copyOf(whole, whole.length - 10));

    for (int step = 0; step < 100; step++) {
      Path dir = tmp.resolve("step-" + step);
      Files.createDirectories(dir);
      try (Stream<Path> files = Files.list(template)) {
        for (Path p : files.toList()) {
          Files.copy(p, dir.resolve(p.getFileName()));
        }
      }
      FaultyFiles files = new FaultyFiles();
      files.crashAfter(step);
      try {
        FileLog.open(dir, FileLog.Options.DEFAULT, CLOCK, files, w -> {}).close();
      } catch (IOException e) {
        assertTrue(files.whenCrashed().isDone(), () -> "recovery failed without a power loss: " + e);
      }

      byte[] left = Files.readAllBytes(FileLog.segmentFile(dir, 0));
      int at = step;
      if (left.length == validEnd) {
        boolean kept = false;
        try (Stream<Path> list = Files.list(dir)) {
          for (Path p : list.filter(p -> p.getFileName().toString().contains(".torn-")).toList()) {
            kept |= Arrays.equals(Files.readAllBytes(p), torn);
          }
        }
        assertTrue(kept, () -> "power lost in place of recovery step " + at
            + ": the torn bytes were cut and not kept aside");
      } else {
        assertArrayEquals(Arrays.copyOf(whole, whole.length - 10), left, "recovery step " + at
            + ": the segment was changed other than by cutting the torn record");
      }
      try (FileLog reopened = FileLog.open(dir, w -> {})) {
        assertEquals(3, reopened.nextOffset(), "records after a power loss in recovery step " + step);
      }
      if (!files.whenCrashed().isDone()) {
        assertTrue(step > 3, "recovery took only " + step + " file operations");
        return; // every step of the recovery, and the close after it, has lost power once
      }
    }
    fail("recovery and close took more than 100 file operations");
  }

  private static void appendAndClose(Path dir, long firstSequence, int records) throws IOException {
    try (FileLog log = FileLog.open(dir, w -> {})) {
      for (long s = firstSequence; s < firstSequence + records; s++) {
        log.append(List.of(new FileLog.Entry("", Map.of(), CheckedData.encode(0, s, new byte[40]))), 0);
      }
    }
    // As a crash leaves it (no clean-close marker), so damage at the tail reads as a torn write.
    Files.delete(dir.resolve(FileLog.CLEAN_FILE));
  }
}
