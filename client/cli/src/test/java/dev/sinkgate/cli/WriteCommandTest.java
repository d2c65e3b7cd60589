package dev.sinkgate.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.sinkgate.server.Gateway;
import dev.sinkgate.server.log.LogReader;
import dev.sinkgate.server.log.LogRecord;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code sinkctl write} run in this JVM against a real gateway on loopback. */
@Timeout(60) // a hang (a deadlock, a lost ack) fails here instead of stalling the build
class WriteCommandTest {
  @TempDir
  Path tmp;

  private final TestGateway.CountingSink small = new TestGateway.CountingSink();
  private TestGateway gateway;
  private Path log;

  @BeforeEach
  void start() throws Exception {
    log = tmp.resolve("default");
    gateway = TestGateway.start(Gateway.builder()
        .route(TestGateway.fileRoute("default", log))
        .route(TestGateway.limitedRoute("small", small, 10)));
  }

  @AfterEach
  void stop() throws Exception {
    gateway.close();
  }

  private static void assertContains(String part, String actual) {
    assertTrue(actual.contains(part), () -> "expected <" + part + "> in <" + actual + ">");
  }

  @Test
  void write_stdin_storesItsBytesExactlyAndPrintsJson() throws Exception {
    byte[] bytes = new byte[256];
    for (int i = 0; i < bytes.length; i++) {
      bytes[i] = (byte) i;
    }

    InProcessRun.Result r = new InProcessRun().stdin(bytes)
        .run("write", "--target", gateway.target(), "-o", "json", "--key", "k1", "-H", "a=1", "-H", "b=", "-");

    assertEquals(0, r.exitCode(), r::describe);
    JsonObject json = JsonParser.parseString(r.out()).getAsJsonObject();
    assertEquals(256, json.get("written").getAsLong());
    assertEquals(0, json.get("offset").getAsLong());
    assertEquals("DURABILITY_SYNCED", json.get("durability").getAsString());
    List<LogRecord> records = LogReader.readAll(log);
    assertEquals(1, records.size());
    assertArrayEquals(bytes, records.get(0).data());
    assertEquals("k1", records.get(0).key());
    assertEquals(Map.of("a", "1", "b", ""), records.get(0).headers());
  }

  @Test
  void write_invalidSinkName_exits4WithTheGatewaysReason() {
    InProcessRun.Result r = InProcessRun.of("write", "--target", gateway.target(), "--sink", "no/slashes", "x");

    assertEquals(ExitCode.INVALID_ARGUMENT.code(), r.exitCode(), r::describe);
    assertContains("write to sink 'no/slashes' at " + gateway.target() + " failed: INVALID_ARGUMENT: sink name", r.err());
  }

  @Test
  void write_recordOverTheRoutesLimit_exits4() {
    InProcessRun.Result r = InProcessRun.of("write", "--target", gateway.target(), "--sink", "small", "eleven byte");

    assertEquals(ExitCode.INVALID_ARGUMENT.code(), r.exitCode(), r::describe);
    assertContains("record of 11 bytes is over route 'small' limit of 10 bytes", r.err());
    assertEquals(0, small.records.get());
  }

  @Test
  void writeLines_lineOverTheLimit_exits4SayingWhichLinesAreStored() {
    byte[] input = "one\ntwo\nthree is too long\nfour\n".getBytes(StandardCharsets.UTF_8);

    InProcessRun.Result r = new InProcessRun().stdin(input)
        .run("write", "--lines", "--target", gateway.target(), "--sink", "small");

    assertEquals(ExitCode.INVALID_ARGUMENT.code(), r.exitCode(), r::describe);
    assertContains("write --lines to sink 'small' at " + gateway.target() + " failed: INVALID_ARGUMENT", r.err());
    assertContains("Lines 1-2 are stored; resend from line 3.", r.err());
    assertEquals(2, small.records.get());
  }

  @Test
  void writeLines_onATerminal_drawsProgressAndErasesItBeforeTheSummary() {
    AtomicLong clock = new AtomicLong();
    byte[] input = "a\nb\nc\n".getBytes(StandardCharsets.UTF_8);

    // Each look at the clock is a second later, so every record is due a progress line.
    InProcessRun.Result r = new InProcessRun().stdin(input).terminal(() -> clock.addAndGet(1_000_000_000L))
        .run("write", "--lines", "--target", gateway.target());

    assertEquals(0, r.exitCode(), r::describe);
    assertContains("\rsinkctl: ", r.err());
    assertContains(" records/s", r.err());
    assertTrue(r.err().endsWith("\r"), "the last progress line is erased: <" + r.err() + ">");
    assertTrue(r.err().replaceAll("[\r ]", "").contains("records"), r::describe);
    assertContains("wrote 3 records (3 bytes) to sink 'default'", r.out());
  }

  @Test
  void writeLines_notATerminal_printsOnlyTheSummary() {
    InProcessRun.Result r = new InProcessRun().stdin("a\nb\n".getBytes(StandardCharsets.UTF_8))
        .run("write", "--lines", "--target", gateway.target(), "-o", "json");

    assertEquals(0, r.exitCode(), r::describe);
    assertEquals("", r.err());
    JsonObject json = JsonParser.parseString(r.out()).getAsJsonObject();
    assertEquals(2, json.get("records").getAsLong());
    assertEquals(2, json.get("bytes").getAsLong());
    assertEquals("DURABILITY_SYNCED", json.get("durability").getAsString());
  }
}
