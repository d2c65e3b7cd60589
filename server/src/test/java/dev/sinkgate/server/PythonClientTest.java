package dev.sinkgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.sinkgate.server.log.LogReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Python client (interop/python/sinkgate_write.py, Debian's grpcio) writes to a real
 * gateway over loopback, unary and streaming; {@code sinkgate log cat}, run as a real
 * child JVM, must show exactly those records with their key and headers. Checks that the
 * contract works from a second language and that the CLI reads what the gateway wrote.
 */
class PythonClientTest {
  private static final String PYTHON = "/usr/bin/python3";
  private static final Duration PYTHON_RUN = Duration.ofSeconds(60);
  private static final Duration LOG_CAT_RUN = Duration.ofSeconds(60);
  private static final int STREAMED = 50;

  @TempDir Path tmp;

  @BeforeAll
  static void pythonGrpcIsInstalled(@TempDir Path tmp) throws Exception {
    String install = "; run bin/test, which installs the Debian packages python3-grpcio, python3-protobuf,"
        + " protobuf-compiler and protobuf-compiler-grpc";
    for (String tool : List.of(PYTHON, "/usr/bin/protoc", "/usr/bin/grpc_python_plugin")) {
      if (!Files.isExecutable(Path.of(tool))) {
        fail(tool + " is missing" + install);
      }
    }
    ChildProcess.Finished probe = ChildProcess.run("python-probe",
        List.of(PYTHON, "-c", "import grpc, google.protobuf"), tmp, tmp, PYTHON_RUN);
    if (probe.exitCode() != 0) {
      fail("python3 cannot import grpc and protobuf" + install + "\n" + probe.describe());
    }
  }

  @Test
  void pythonClientWrites_logCatShowsTheRecordsWithKeyAndHeaders() throws Exception {
    Path auditDir = tmp.resolve("audit");
    Path defaultDir = tmp.resolve("default");
    List<String> warnings = new CopyOnWriteArrayList<>();
    String runId = UUID.randomUUID().toString();
    // ASCII on purpose: the test JVM's argv encoding follows its locale, which the test does not control.
    List<String> texts = List.of("hello from python " + runId,
        "second record: \"quoted\", back\\slash, a=b and a tab\there " + runId);
    String noteHeader = "a=b \"c\" \\d";
    Instant started = Instant.now().truncatedTo(ChronoUnit.MILLIS);

    try (TestGateway gw = new TestGateway(List.of(TestGateway.fileRoute("audit", auditDir, warnings),
        TestGateway.fileRoute("default", defaultDir, warnings)))) {
      String target = "127.0.0.1:" + gw.port();
      List<String> common = List.of("--target", target, "--sink", "audit", "--key", "k",
          "--header", "origin=python", "--header", "note=" + noteHeader, "--timeout", "30");

      List<String> unary = python(common);
      for (String t : texts) {
        unary.add("--data");
        unary.add(t);
      }
      ChildProcess.Finished wrote = ChildProcess.run("python-unary", unary, tmp, tmp, PYTHON_RUN);
      assertEquals(0, wrote.exitCode(), wrote::describe);
      List<Map<String, Object>> responses = jsonLines(wrote.stdout());
      assertEquals(texts.size(), responses.size(), wrote::describe);
      for (int i = 0; i < texts.size(); i++) {
        Map<String, Object> r = responses.get(i);
        String what = "response " + i + ": " + r;
        assertEquals((long) i, r.get("offset"), what);
        assertEquals((long) utf8(texts.get(i)).length, r.get("written"), what);
        assertEquals("DURABILITY_SYNCED", r.get("durability"), what);
      }

      List<String> stream = python(common);
      stream.addAll(List.of("--stream", "--count", Integer.toString(STREAMED)));
      ChildProcess.Finished streamed = ChildProcess.run("python-stream", stream, tmp, tmp, PYTHON_RUN);
      assertEquals(0, streamed.exitCode(), streamed::describe);
      List<Map<String, Object>> acks = jsonLines(streamed.stdout());
      assertEquals(1, acks.size(), streamed::describe);
      long streamedBytes = 0;
      for (int i = 0; i < STREAMED; i++) {
        streamedBytes += utf8("record-" + i).length;
      }
      assertEquals(Map.of("count", (long) STREAMED, "written", (long) streamedBytes,
          "durability", "DURABILITY_SYNCED"), acks.get(0), "the stream's final ack");

      // The records are acknowledged as synced, so log cat may read the log while the gateway runs.
      ChildProcess.Finished cat = ChildProcess.run("log-cat",
          ChildProcess.java(Main.class.getName(), "log", "cat", auditDir.toString()), tmp, tmp, LOG_CAT_RUN);
      assertEquals(0, cat.exitCode(), cat::describe);

      List<String> expected = new ArrayList<>(texts);
      for (int i = 0; i < STREAMED; i++) {
        expected.add("record-" + i);
      }
      List<Map<String, Object>> records = jsonLines(cat.stdout());
      assertEquals(expected.size(), records.size(), cat::describe);
      Instant finished = Instant.now();
      for (int i = 0; i < expected.size(); i++) {
        Map<String, Object> r = records.get(i);
        String what = "log cat line " + i + ": " + r;
        assertEquals(List.of("offset", "timestamp", "key", "headers", "data"), List.copyOf(r.keySet()), what);
        assertEquals((long) i, r.get("offset"), what);
        assertEquals(expected.get(i), new String(Base64.getDecoder().decode((String) r.get("data")),
            StandardCharsets.UTF_8), what);
        assertEquals("k", r.get("key"), what);
        assertEquals(Map.of("origin", "python", "note", noteHeader), r.get("headers"), what);
        Instant stamp = Instant.parse((String) r.get("timestamp"));
        assertTrue(!stamp.isBefore(started) && !stamp.isAfter(finished),
            () -> what + ": timestamp not between " + started + " and " + finished);
      }
      assertEquals(0, LogReader.readAll(defaultDir).size(), "records that went to the default route");
    }
    assertEquals(List.of(), warnings, "file log warnings");
  }

  private static List<String> python(List<String> args) {
    List<String> command = new ArrayList<>();
    command.add(PYTHON);
    command.add(InteropProcesses.repoRoot().resolve("interop/python/sinkgate_write.py").toString());
    command.addAll(args);
    return command;
  }

  private static List<Map<String, Object>> jsonLines(String stdout) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (String line : stdout.split("\n")) {
      if (!line.isBlank()) {
        out.add(JsonLine.object(line));
      }
    }
    return out;
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
