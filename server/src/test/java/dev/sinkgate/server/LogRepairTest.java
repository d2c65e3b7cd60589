package dev.sinkgate.server;

import static dev.sinkgate.server.MainRun.assertContains;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinkgate.server.log.CorruptLogException;
import dev.sinkgate.server.log.FileLog;
import dev.sinkgate.server.log.LogReader;
import dev.sinkgate.server.log.LogRecord;
import dev.sinkgate.server.log.LogVerifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sinkgate log repair}: a log damaged inside (so the gateway refuses to open it)
 * is cut back to its last good record, everything after is kept aside, and the gateway
 * opens it again and continues at the right offset.
 */
class LogRepairTest {
  private static final FileLog.Options SMALL_SEGMENTS = FileLog.Options.DEFAULT.withSegmentBytes(4096);

  @TempDir
  Path tmp;

  /** Writes {@code count} records of ~200 bytes, one append each, so they span several 4 KiB segments. */
  private static void writeLog(Path dir, int count) throws Exception {
    try (FileLog log = FileLog.open(dir, SMALL_SEGMENTS, Clock.systemUTC(), dev.sinkgate.server.log.LogFiles.SYSTEM,
        w -> {
          throw new AssertionError("unexpected recovery warning: " + w);
        })) {
      for (int i = 0; i < count; i++) {
        log.append(List.of(new FileLog.Entry("k", Map.of(), payload(i))), 1_700_000_000_000L + i);
      }
    }
  }

  private static byte[] payload(int i) {
    return ("record-" + i + "-" + "x".repeat(180)).getBytes(StandardCharsets.US_ASCII);
  }

  private static List<Path> segments(Path dir) throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().matches("\\d{20}\\.log")).sorted().toList();
    }
  }

  /** Flips one bit in the payload of record {@code i}, wherever it is. */
  private static Path damage(Path dir, int i) throws Exception {
    byte[] needle = payload(i);
    for (Path s : segments(dir)) {
      byte[] bytes = Files.readAllBytes(s);
      for (int at = 0; at + needle.length <= bytes.length; at++) {
        if (java.util.Arrays.equals(bytes, at, at + needle.length, needle, 0, needle.length)) {
          bytes[at + 3] ^= 0x10;
          Files.write(s, bytes);
          return s;
        }
      }
    }
    throw new AssertionError("record " + i + " not found");
  }

  @Test
  void repair_corruptionInAnEarlierSegment_cutsThereKeepsTheRestAsideAndTheLogOpensAgain() throws Exception {
    Path dir = tmp.resolve("log");
    writeLog(dir, 100);
    int segmentsBefore = segments(dir).size();
    assertTrue(segmentsBefore >= 4, "the log should span several segments, has " + segmentsBefore);
    Path damaged = damage(dir, 30);
    assertTrue(damaged != segments(dir).get(segmentsBefore - 1), "damage must be before the last segment");
    LogVerifier.Summary before = LogVerifier.verify(dir);
    assertEquals(LogVerifier.Problem.CORRUPT, before.finding().problem());
    assertEquals(30, before.finding().offset());

    MainRun dry = MainRun.of("log", "repair", dir.toString(), "--dry-run");
    assertEquals(0, dry.exitCode(), dry.err());
    assertContains("dry run, nothing changed", dry.out());
    assertEquals(segmentsBefore, segments(dir).size(), "a dry run changes nothing");
    assertEquals(LogVerifier.Problem.CORRUPT, LogVerifier.verify(dir).finding().problem());

    MainRun run = MainRun.of("log", "repair", dir.toString());

    assertEquals(0, run.exitCode(), run.err());
    assertContains("corrupt at " + damaged.getFileName(), run.out());
    assertContains("now ends at offset 30", run.out());
    LogVerifier.Summary after = LogVerifier.verify(dir);
    assertTrue(after.clean(), () -> "repaired log must verify clean: " + after.finding());
    assertEquals(29, after.lastOffset());
    List<LogRecord> kept = LogReader.readAll(dir);
    assertEquals(30, kept.size());
    for (int i = 0; i < kept.size(); i++) {
      assertEquals(i, kept.get(i).offset());
      assertArrayEquals(payload(i), kept.get(i).data());
    }
    // The later segments are readable where they were put.
    Path aside;
    try (Stream<Path> s = Files.list(dir)) {
      aside = s.filter(p -> p.getFileName().toString().startsWith("repair-")).findFirst().orElseThrow();
    }
    List<LogRecord> setAside = LogReader.readAll(aside);
    assertTrue(!setAside.isEmpty(), "later segments are kept aside");
    assertEquals(99, setAside.get(setAside.size() - 1).offset());
    assertArrayEquals(payload(99), setAside.get(setAside.size() - 1).data());
    try (Stream<Path> s = Files.list(aside)) {
      assertTrue(s.anyMatch(p -> p.getFileName().toString().startsWith(damaged.getFileName() + ".from-")),
          "the damaged segment's tail is kept aside");
    }

    // The gateway opens it again and continues at offset 30.
    try (FileLog log = FileLog.open(dir, SMALL_SEGMENTS, Clock.systemUTC(), dev.sinkgate.server.log.LogFiles.SYSTEM,
        w -> {
          throw new AssertionError("a repaired log needs no recovery: " + w);
        })) {
      assertEquals(30, log.nextOffset());
      assertEquals(30, log.append(List.of(new FileLog.Entry("", Map.of(), payload(1000))), 0));
    }
    MainRun again = MainRun.of("log", "repair", dir.toString());
    assertContains("nothing to repair", again.out());
  }

  @Test
  void repair_damagedHeaderOfTheOldestSegmentAfterATrim_keepsTheOffsetsItsNameGives() throws Exception {
    Path dir = tmp.resolve("log");
    writeLog(dir, 100);
    long base;
    try (FileLog log = FileLog.open(dir, SMALL_SEGMENTS, Clock.systemUTC(), dev.sinkgate.server.log.LogFiles.SYSTEM,
        w -> {})) {
      log.trimBefore(50);
      base = log.firstOffset();
    }
    assertTrue(base > 0, "the trim must have moved the log's start");
    Path oldest = segments(dir).get(0);
    byte[] bytes = Files.readAllBytes(oldest);
    bytes[0] ^= 0x01; // the magic
    Files.write(oldest, bytes);

    MainRun run = MainRun.of("log", "repair", dir.toString());

    assertEquals(0, run.exitCode(), run.err());
    assertContains("now ends at offset " + base, run.out());
    try (FileLog log = FileLog.open(dir, w -> {})) {
      assertEquals(base, log.nextOffset(), "offsets below the damage are never given out again");
    }
  }

  @Test
  void repair_gatewayRefusedToOpen_afterRepairItOpens() throws Exception {
    Path dir = tmp.resolve("log");
    writeLog(dir, 12); // one segment
    damage(dir, 5);

    CorruptLogException refused = assertThrows(CorruptLogException.class, () -> FileLog.open(dir, w -> {}));
    assertContains("sinkgate log repair " + dir, refused.getMessage());

    MainRun run = MainRun.of("log", "repair", dir.toString());
    assertEquals(0, run.exitCode(), run.err());
    List<String> warnings = new ArrayList<>();
    try (FileLog log = FileLog.open(dir, warnings::add)) {
      assertEquals(5, log.nextOffset());
    }
    assertEquals(List.of(), warnings);
  }

  @Test
  void repair_whileTheLogIsOpen_refusesAndChangesNothing() throws Exception {
    Path dir = tmp.resolve("log");
    writeLog(dir, 3);
    byte[] before = Files.readAllBytes(segments(dir).get(0));
    try (FileLog open = FileLog.open(dir, w -> {})) {
      MainRun run = MainRun.of("log", "repair", dir.toString());
      assertEquals(1, run.exitCode());
      assertContains("in use", run.err());
    }
    assertArrayEquals(before, Files.readAllBytes(segments(dir).get(0)));
  }

  @Test
  void repair_notALogDirectory_saysSo() {
    MainRun run = MainRun.of("log", "repair", tmp.resolve("nope").toString());
    assertEquals(1, run.exitCode());
    assertContains("not a file log directory", run.err());
  }
}
