package dev.sinkgate.server.log;

import static dev.sinkgate.server.log.TestRecords.assertRecord;
import static dev.sinkgate.server.log.TestRecords.sized;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A disk may persist the pages of an unsynced write out of order, so a power loss can
 * leave a hole in the last write group with valid records of that group after it. That is
 * a torn tail (the group was never acknowledged as synced): recovery cuts it. The same
 * hole in an earlier group, with a later group intact after it, is corruption: refused.
 */
class GroupHoleRecoveryTest {
  private static final long T = 1_700_000_000_000L;
  private static final int FRAME = 1000;
  private static final int FIRST_GROUP = 5;
  private static final int LAST_GROUP = 10;

  @TempDir
  Path tmp;

  /** Two groups written with one append each; returns the entries in offset order. */
  private static List<FileLog.Entry> writeTwoGroups(Path dir) throws Exception {
    List<FileLog.Entry> all = new ArrayList<>();
    for (int i = 0; i < FIRST_GROUP + LAST_GROUP; i++) {
      all.add(sized("k" + i, Map.of(), FRAME));
    }
    try (FileLog log = FileLog.open(dir, w -> {
      throw new AssertionError(w);
    })) {
      log.append(all.subList(0, FIRST_GROUP), T);
      log.append(all.subList(FIRST_GROUP, all.size()), T + 1);
    }
    // As a crash leaves it (no clean-close marker), so damage at the tail reads as a torn write.
    Files.delete(dir.resolve(FileLog.CLEAN_FILE));
    return all;
  }

  private static Path segment(Path dir) {
    return FileLog.segmentFile(dir, 0);
  }

  /** The byte where record {@code offset} starts (all frames are {@link #FRAME} bytes). */
  private static int start(long offset) {
    return LogFormat.SEGMENT_HEADER_BYTES + (int) offset * FRAME;
  }

  private static byte[] zeroed(byte[] bytes, int from, int length) {
    byte[] out = bytes.clone();
    Arrays.fill(out, from, from + length, (byte) 0);
    return out;
  }

  @Test
  void holeInTheLastGroup_withValidRecordsOfThatGroupAfterIt_isCutAsATornTail() throws Exception {
    Path dir = tmp.resolve("log");
    List<FileLog.Entry> all = writeTwoGroups(dir);
    byte[] pristine = Files.readAllBytes(segment(dir));
    long firstDamaged = FIRST_GROUP + 3;
    // A page-sized hole from inside record 8 into record 12; records 12.. are whole after it.
    int holeStart = start(firstDamaged) + 100;
    Files.write(segment(dir), zeroed(pristine, holeStart, 4096));
    assertTrue(start(FIRST_GROUP + 8) > holeStart + 4096, "test bug: valid records must follow the hole");

    LogVerifier.Finding finding = LogVerifier.verify(dir).finding();
    List<String> warnings = new ArrayList<>();
    try (FileLog log = FileLog.open(dir, warnings::add)) {
      assertEquals(firstDamaged, log.nextOffset());
    }

    assertEquals(LogVerifier.Problem.TORN, finding.problem(), finding.message());
    assertEquals(start(firstDamaged), finding.position());
    List<LogRecord> kept = LogReader.readAll(dir);
    assertEquals(firstDamaged, kept.size());
    for (int i = 0; i < kept.size(); i++) {
      assertRecord(i, i < FIRST_GROUP ? T : T + 1, all.get(i), kept.get(i));
    }
    assertEquals(1, warnings.size(), warnings::toString);
    Path torn = segment(dir).resolveSibling(segment(dir).getFileName() + ".torn-" + start(firstDamaged));
    assertArrayEquals(Arrays.copyOfRange(zeroed(pristine, holeStart, 4096), start(firstDamaged), pristine.length),
        Files.readAllBytes(torn), "the cut bytes, hole and all, are kept");
  }

  @Test
  void holeInAnEarlierGroup_withTheLastGroupIntactAfterIt_isRefusedAsCorruption() throws Exception {
    Path dir = tmp.resolve("log");
    writeTwoGroups(dir);
    byte[] damaged = zeroed(Files.readAllBytes(segment(dir)), start(1) + 100, 2000);
    Files.write(segment(dir), damaged);

    LogVerifier.Finding finding = LogVerifier.verify(dir).finding();
    CorruptLogException e = assertThrows(CorruptLogException.class, () -> FileLog.open(dir, w -> {}));

    assertEquals(LogVerifier.Problem.CORRUPT, finding.problem(), finding.message());
    assertTrue(e.getMessage().contains("the record at byte " + start(1) + " (offset 1)"), e.getMessage());
    assertTrue(e.getMessage().contains("a valid record of a later write follows it at byte " + start(FIRST_GROUP)),
        e.getMessage());
    assertArrayEquals(damaged, Files.readAllBytes(segment(dir)), "nothing was changed");
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(0, files.filter(p -> p.getFileName().toString().contains(".torn")).count());
    }
  }
}
