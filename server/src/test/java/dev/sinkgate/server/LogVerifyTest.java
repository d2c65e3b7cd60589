package dev.sinkgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static dev.sinkgate.server.MainRun.assertContains;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinkgate.server.log.FileLog;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code sinkgate log verify}, run through {@link Main#run} with captured streams. */
class LogVerifyTest {
  private static final long T0 = 1_700_000_000_123L;
  private static final String SEGMENT = "00000000000000000000.log";

  @TempDir
  Path tmp;


  /**
   * Writes {@code count} records, one append each, the i-th stamped {@code T0 + i * 1000};
   * returns the byte position where each record starts, as the segment's size before it.
   */
  private List<Long> writeLog(Path dir, int count) throws Exception {
    List<Long> starts = new ArrayList<>();
    try (FileLog log = FileLog.open(dir, w -> {
      throw new AssertionError("unexpected recovery warning: " + w);
    })) {
      for (int i = 0; i < count; i++) {
        starts.add(Files.size(dir.resolve(SEGMENT)));
        byte[] data = ("record number " + i).getBytes(StandardCharsets.UTF_8);
        log.append(List.of(new FileLog.Entry("key-" + i, Map.of("n", Integer.toString(i)), data)),
            T0 + i * 1000L);
      }
    }
    // As a crash leaves it (no clean-close marker), so damage at the tail reads as a torn write.
    Files.delete(dir.resolve(FileLog.CLEAN_FILE));
    return starts;
  }

  @Test
  void logVerify_cleanLog_printsASummaryOfWhatWasWritten() throws Exception {
    Path dir = tmp.resolve("log");
    int count = 7;
    writeLog(dir, count);
    long bytes = Files.size(dir.resolve(SEGMENT));

    MainRun text = MainRun.of("log", "verify", dir.toString());
    MainRun json = MainRun.of("log", "verify", dir.toString(), "--format", "json");

    assertEquals(0, text.exitCode(), text.err());
    assertEquals("", text.err());
    assertContains("log " + dir + ": ok\n", text.out());
    assertContains("segments    1\n", text.out());
    assertContains("records     " + count + "\n", text.out());
    assertContains("bytes       " + bytes + "\n", text.out());
    assertContains("offsets     0 to " + (count - 1) + "\n", text.out());
    assertContains("timestamps  " + Instant.ofEpochMilli(T0) + " to "
        + Instant.ofEpochMilli(T0 + (count - 1) * 1000L), text.out());

    assertEquals(0, json.exitCode(), json.err());
    assertTrue(json.out().endsWith("\n") && json.out().indexOf('\n') == json.out().length() - 1,
        "expected exactly one line: " + json.out());
    Map<String, Object> o = JsonLine.object(json.out().strip());
    assertEquals(dir.toString(), o.get("path"));
    assertEquals("ok", o.get("status"));
    assertEquals(1L, o.get("segments"));
    assertEquals((long) count, o.get("records"));
    assertEquals(bytes, o.get("bytes"));
    assertEquals(0L, o.get("first_offset"));
    assertEquals(count - 1L, o.get("last_offset"));
    assertEquals(Instant.ofEpochMilli(T0).toString(), o.get("earliest_timestamp"));
    assertEquals(Instant.ofEpochMilli(T0 + (count - 1) * 1000L).toString(), o.get("latest_timestamp"));
    assertNull(o.get("problem"));
    assertTrue(o.containsKey("problem"));
  }

  @Test
  void logVerify_emptyLog_isCleanWithNoOffsets() throws Exception {
    Path dir = tmp.resolve("log");
    writeLog(dir, 0);

    MainRun text = MainRun.of("log", "verify", dir.toString());
    MainRun json = MainRun.of("log", "verify", "--format", "json", dir.toString());

    assertEquals(0, text.exitCode(), text.err());
    assertContains("records     0\n", text.out());
    assertContains("offsets     none", text.out());
    Map<String, Object> o = JsonLine.object(json.out().strip());
    assertEquals(0L, o.get("records"));
    assertTrue(o.containsKey("first_offset") && o.get("first_offset") == null, json.out());
  }

  @Test
  void logVerify_flippedByte_exits1NamingSegmentBytePositionAndOffset() throws Exception {
    Path dir = tmp.resolve("log");
    List<Long> starts = writeLog(dir, 6);
    int bad = 3;
    long lastByteOfBad = starts.get(bad + 1) - 1; // inside the data, so only the CRC can tell
    flip(dir.resolve(SEGMENT), lastByteOfBad);

    MainRun text = MainRun.of("log", "verify", dir.toString());
    MainRun json = MainRun.of("log", "verify", dir.toString(), "--format", "json");

    assertEquals(1, text.exitCode());
    assertContains(dir.resolve(SEGMENT) + ": the record at byte " + starts.get(bad), text.err());
    assertContains("(offset " + bad + ")", text.err());
    assertContains("sinkgate log repair " + dir, text.err());
    assertContains("log " + dir + ": corrupt\n", text.out());
    assertContains("records     " + bad + " (before the problem)\n", text.out());
    assertContains("corrupt at  " + SEGMENT + " byte " + starts.get(bad) + ", offset " + bad, text.out());

    assertEquals(1, json.exitCode());
    Map<String, Object> o = JsonLine.object(json.out().strip());
    assertEquals("corrupt", o.get("status"));
    assertEquals((long) bad, o.get("records"));
    @SuppressWarnings("unchecked")
    Map<String, Object> problem = (Map<String, Object>) o.get("problem");
    assertEquals(dir.resolve(SEGMENT).toString(), problem.get("segment"));
    assertEquals(starts.get(bad), problem.get("position"));
    assertEquals((long) bad, problem.get("offset"));
  }

  @Test
  void logVerify_tornTail_exits1NamingTheLastRecord() throws Exception {
    Path dir = tmp.resolve("log");
    int count = 4;
    List<Long> starts = writeLog(dir, count);
    long lastStart = starts.get(count - 1);
    try (FileChannel ch = FileChannel.open(dir.resolve(SEGMENT), StandardOpenOption.WRITE)) {
      ch.truncate(lastStart + 11); // as a crash in the middle of the last write leaves it
    }

    MainRun r = MainRun.of("log", "verify", dir.toString());

    assertEquals(1, r.exitCode());
    assertContains("log " + dir + ": torn\n", r.out());
    assertContains("records     " + (count - 1) + " (before the problem)", r.out());
    assertContains("the log ends inside the record at byte " + lastStart + " (offset " + (count - 1)
        + "; 11 bytes of it present): a torn tail", r.err());
    assertContains(SEGMENT + ".torn-" + lastStart, r.err());
  }

  @Test
  void logVerify_badCrcInTheLastRecord_isATornTailAsRecoveryTreatsIt() throws Exception {
    Path dir = tmp.resolve("log");
    int count = 4;
    List<Long> starts = writeLog(dir, count);
    long lastStart = starts.get(count - 1);
    flip(dir.resolve(SEGMENT), Files.size(dir.resolve(SEGMENT)) - 1);

    MainRun r = MainRun.of("log", "verify", dir.toString());
    List<String> warnings = new ArrayList<>();
    try (FileLog log = FileLog.open(dir, warnings::add)) {
      assertEquals(count - 1, log.nextOffset(), "recovery cuts the damaged last record");
    }

    assertEquals(1, r.exitCode());
    assertContains("log " + dir + ": torn\n", r.out());
    assertContains("torn at  " + SEGMENT + " byte " + lastStart + ", offset " + (count - 1), r.out());
    assertEquals(1, warnings.size(), warnings::toString);
    assertContains("at byte " + lastStart, warnings.get(0));
  }

  @Test
  void logVerify_missingDirectory_exits1WithAClearMessage() {
    Path missing = tmp.resolve("no-such-log");

    MainRun r = MainRun.of("log", "verify", missing.toString());

    assertEquals(1, r.exitCode());
    assertContains(missing + ": not a file log directory", r.err());
    assertEquals("", r.out());
  }

  @Test
  void logVerify_badArguments_exit2WithUsage() throws Exception {
    Path dir = tmp.resolve("log");
    writeLog(dir, 1);

    MainRun noPath = MainRun.of("log", "verify");
    MainRun badFormat = MainRun.of("log", "verify", dir.toString(), "--format", "raw");
    MainRun twoPaths = MainRun.of("log", "verify", dir.toString(), dir.toString());
    MainRun unknownFlag = MainRun.of("log", "verify", dir.toString(), "--from", "3");
    MainRun noSubcommand = MainRun.of("log");

    for (MainRun r : List.of(noPath, badFormat, twoPaths, unknownFlag, noSubcommand)) {
      assertEquals(2, r.exitCode(), r.err());
      assertContains("sinkgate log verify PATH", r.err());
      assertEquals("", r.out());
    }
    assertContains("log verify needs the PATH of a file log directory", noPath.err());
    assertContains("--format 'raw' (expected: text or json)", badFormat.err());
    assertContains("unexpected argument '--from' for log verify", unknownFlag.err());
    assertContains("(expected: 'log cat PATH', 'log verify PATH' or 'log repair PATH')", noSubcommand.err());
  }

  private static void flip(Path file, long position) throws Exception {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      ByteBuffer b = ByteBuffer.allocate(1);
      ch.read(b, position);
      b.put(0, (byte) (b.get(0) ^ 0x40)).rewind();
      ch.write(b, position);
    }
  }
}
