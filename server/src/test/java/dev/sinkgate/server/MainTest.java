package dev.sinkgate.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static dev.sinkgate.server.MainRun.assertContains;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinkgate.server.log.FileLog;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {
  private static final long TIMESTAMP = 1_700_000_000_123L;

  @TempDir
  Path tmp;


  // --- usage and config errors: exit 2 ---

  @Test
  void serve_configWithTypo_exits2NamingFileAndLine() throws Exception {
    Path config = tmp.resolve("gateway.yaml");
    Files.writeString(config, """
        listen: ["127.0.0.1:0"]
        sinks:
          default:
            type: file
            pth: ./data/default
        """);

    MainRun r = MainRun.of("serve", "--config", config.toString());

    assertEquals(2, r.exitCode());
    assertContains(config + ":5:", r.stderr());
    assertContains("'pth'", r.stderr());
    assertContains("did you mean 'path'?", r.stderr());
    assertEquals("", r.out());
  }

  @Test
  void serve_missingConfigFile_exits2NamingTheFile() {
    Path config = tmp.resolve("absent.yaml");

    MainRun r = MainRun.of("serve", "--config", config.toString());

    assertEquals(2, r.exitCode());
    assertContains(config + ": no such config file", r.stderr());
  }

  @Test
  void run_unknownCommand_exits2WithUsage() {
    MainRun r = MainRun.of("frobnicate");

    assertEquals(2, r.exitCode());
    assertContains("unknown command 'frobnicate'", r.stderr());
    assertContains("usage: sinkgate serve", r.stderr());
  }

  @Test
  void run_noArguments_exits2WithUsage() {
    MainRun r = MainRun.of();

    assertEquals(2, r.exitCode());
    assertContains("usage: sinkgate serve", r.stderr());
  }

  @Test
  void run_help_printsUsageToStdoutAndExits0() {
    MainRun r = MainRun.of("--help");

    assertEquals(0, r.exitCode());
    assertContains("usage: sinkgate serve", r.out());
  }

  @Test
  void serve_unknownOption_exits2WithUsage() {
    MainRun r = MainRun.of("serve", "--bogus");

    assertEquals(2, r.exitCode());
    assertContains("unknown option '--bogus' for serve", r.stderr());
    assertContains("usage: sinkgate serve", r.stderr());
  }

  @Test
  void serve_badListenOrDrainTimeout_exits2SayingWhatWasExpected() {
    MainRun listen = MainRun.of("serve", "--listen", "127.0.0.1");
    MainRun drain = MainRun.of("serve", "--drain-timeout", "soon");
    MainRun missingValue = MainRun.of("serve", "--config");

    assertEquals(2, listen.exitCode());
    assertContains("--listen: '127.0.0.1' is not a listen address", listen.stderr());
    assertEquals(2, drain.exitCode());
    assertContains("--drain-timeout: 'soon' is not a duration", drain.stderr());
    assertEquals(2, missingValue.exitCode());
    assertContains("--config needs a value", missingValue.stderr());
  }

  @Test
  void logCat_badArguments_exit2WithUsage() throws Exception {
    Path dir = writeLog(List.of(new FileLog.Entry("", Map.of(), new byte[] {1})));

    MainRun noPath = MainRun.of("log", "cat");
    MainRun badFormat = MainRun.of("log", "cat", dir.toString(), "--format", "xml");
    MainRun negativeFrom = MainRun.of("log", "cat", dir.toString(), "--from", "-1");
    MainRun notANumber = MainRun.of("log", "cat", dir.toString(), "--from", "ten");
    MainRun twoPaths = MainRun.of("log", "cat", dir.toString(), dir.toString());
    MainRun noSubcommand = MainRun.of("log", "tail", dir.toString());

    for (MainRun r : List.of(noPath, badFormat, negativeFrom, notANumber, twoPaths, noSubcommand)) {
      assertEquals(2, r.exitCode(), r.stderr());
      assertContains("usage: sinkgate serve", r.stderr());
      assertEquals("", r.out());
    }
    assertContains("--format 'xml' (expected: json or raw)", badFormat.stderr());
    assertContains("expected: an offset >= 0", negativeFrom.stderr());
  }

  // --- log cat ---

  private Path writeLog(List<FileLog.Entry> entries) throws Exception {
    Path dir = tmp.resolve("log");
    try (FileLog log = FileLog.open(dir, w -> {
      throw new AssertionError("unexpected recovery warning: " + w);
    })) {
      log.append(entries, TIMESTAMP);
    }
    return dir;
  }

  private static Map<String, String> headers(String... nameValue) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < nameValue.length; i += 2) {
      m.put(nameValue[i], nameValue[i + 1]);
    }
    return m;
  }

  private static List<Map<String, Object>> jsonLines(String out) {
    assertTrue(out.isEmpty() || out.endsWith("\n"), "output does not end with a newline");
    List<Map<String, Object>> objects = new ArrayList<>();
    for (String line : out.split("\n")) {
      if (!line.isEmpty()) {
        objects.add(JsonLine.object(line));
      }
    }
    return objects;
  }

  @Test
  void logCat_json_printsOneObjectPerRecordThatDecodesBackToTheInput() throws Exception {
    byte[] binary = {0, 1, 2, (byte) 0xff, (byte) 0xfe, '\n', '"', '\\'};
    List<FileLog.Entry> entries = List.of(
        new FileLog.Entry("", Map.of(), "plain text".getBytes(StandardCharsets.UTF_8)),
        new FileLog.Entry("user-42", headers("trace", "abc", "content-type", "application/json"),
            "{\"a\":1}".getBytes(StandardCharsets.UTF_8)),
        new FileLog.Entry("clé \"quoted\"\t\\ ключ", headers("ünï", "line1\nline2", "ctl", "\u0001\u001f"),
            binary),
        new FileLog.Entry("empty", Map.of(), new byte[0]));
    Path dir = writeLog(entries);

    MainRun r = MainRun.of("log", "cat", dir.toString());

    assertEquals(0, r.exitCode(), r.stderr());
    List<Map<String, Object>> objects = jsonLines(r.out());
    assertEquals(entries.size(), objects.size(), r.out());
    for (int i = 0; i < entries.size(); i++) {
      FileLog.Entry e = entries.get(i);
      Map<String, Object> o = objects.get(i);
      assertEquals((long) i, o.get("offset"), "offset of line " + i);
      assertEquals(Instant.ofEpochMilli(TIMESTAMP).toString(), o.get("timestamp"), "timestamp of line " + i);
      assertEquals(e.key(), o.get("key"), "key of line " + i);
      assertEquals(e.headers(), o.get("headers"), "headers of line " + i);
      assertArrayEquals(e.data().toByteArray(), Base64.getDecoder().decode((String) o.get("data")), "data of line " + i);
    }
  }

  @Test
  void logCat_json_showsProducerIdAndSequenceWhereARecordHasThem_andVerifyAcceptsThem() throws Exception {
    Path dir = writeLog(List.of(
        new FileLog.Entry("k", Map.of(), "idempotent".getBytes(StandardCharsets.UTF_8), "producer-7", 42),
        new FileLog.Entry("k", Map.of(), "plain".getBytes(StandardCharsets.UTF_8)),
        new FileLog.Entry("k", Map.of(), "unsigned".getBytes(StandardCharsets.UTF_8), "p", -1)));

    MainRun cat = MainRun.of("log", "cat", dir.toString());
    MainRun verify = MainRun.of("log", "verify", dir.toString());

    assertEquals(0, cat.exitCode(), cat.stderr());
    List<Map<String, Object>> objects = jsonLines(cat.out());
    assertEquals("producer-7", objects.get(0).get("producer_id"));
    assertEquals(42L, objects.get(0).get("sequence"));
    assertFalse(objects.get(1).containsKey("producer_id"), "a record without a producer id shows none: " + cat.out());
    assertFalse(objects.get(1).containsKey("sequence"));
    assertContains("\"producer_id\":\"p\",\"sequence\":18446744073709551615,", cat.out());
    assertEquals(0, verify.exitCode(), verify.out() + verify.stderr());
  }

  @Test
  void logCat_raw_printsEachRecordsDataOnItsOwnLine() throws Exception {
    List<String> lines = List.of("alpha", "beta", "gämma ✓");
    List<FileLog.Entry> entries = new ArrayList<>();
    for (String line : lines) {
      entries.add(new FileLog.Entry("k", headers("h", "v"), line.getBytes(StandardCharsets.UTF_8)));
    }
    Path dir = writeLog(entries);

    MainRun r = MainRun.of("log", "cat", dir.toString(), "--format", "raw");

    assertEquals(0, r.exitCode(), r.stderr());
    assertEquals(String.join("\n", lines) + "\n", r.out());
  }

  @Test
  void logCat_from_skipsEarlierOffsets() throws Exception {
    List<FileLog.Entry> entries = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      entries.add(new FileLog.Entry("", Map.of(), ("record " + i).getBytes(StandardCharsets.UTF_8)));
    }
    Path dir = writeLog(entries);

    MainRun fromThree = MainRun.of("log", "cat", dir.toString(), "--from", "3");
    MainRun pastTheEnd = MainRun.of("log", "cat", "--from", "5", dir.toString());
    MainRun rawFromFour = MainRun.of("log", "cat", dir.toString(), "--from", "4", "--format", "raw");

    assertEquals(0, fromThree.exitCode(), fromThree.stderr());
    List<Map<String, Object>> objects = jsonLines(fromThree.out());
    assertEquals(List.of(3L, 4L), objects.stream().map(o -> o.get("offset")).toList());
    assertEquals(0, pastTheEnd.exitCode(), pastTheEnd.stderr());
    assertEquals("", pastTheEnd.out());
    assertEquals(0, rawFromFour.exitCode(), rawFromFour.stderr());
    assertEquals("record 4\n", rawFromFour.out());
  }

  @Test
  void logCat_missingDirectory_exits1WithAClearMessage() {
    Path missing = tmp.resolve("no-such-log");

    MainRun r = MainRun.of("log", "cat", missing.toString());

    assertEquals(1, r.exitCode());
    assertContains(missing.toString(), r.stderr());
    assertContains("not a file log directory", r.stderr());
    assertEquals("", r.out());
  }

  @Test
  void logCat_directoryWithoutSegments_exits1SayingWhatWasExpected() throws Exception {
    Path empty = Files.createDirectory(tmp.resolve("empty"));

    MainRun r = MainRun.of("log", "cat", empty.toString());

    assertEquals(1, r.exitCode());
    assertContains(empty.toString(), r.stderr());
    assertContains("no log segments", r.stderr());
  }
}
