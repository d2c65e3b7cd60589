package dev.sinkgate.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.sinkgate.server.Gateway;
import dev.sinkgate.server.log.LogReader;
import dev.sinkgate.server.log.LogRecord;
import java.io.ByteArrayOutputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/sinkctl} as users run it: a child process of the packaged jar (so this runs
 * after {@code package}, under failsafe), against one real gateway in this JVM with a
 * file route per test that reads its log back, and a counting route for the benchmark.
 */
class SinkctlProcessIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  /** Small and quick to start: the machine that runs the tests is small and shared. */
  private static final String JAVA_OPTS = "-Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1";

  @TempDir
  static Path tmp;

  private static final TestGateway.CountingSink benchSink = new TestGateway.CountingSink();
  private static TestGateway gateway;
  private static Path launcher;

  @BeforeAll
  static void start() throws Exception {
    // Surefire runs before `package` (and runs *IT classes too when -Dtest names them).
    assumeTrue(Boolean.getBoolean("sinkctl.packaged"), "runs under failsafe, once the jar is packaged");
    Path root = Path.of(System.getProperty("sinkgate.repo.root", "../.."));
    launcher = root.resolve("bin/sinkctl").toAbsolutePath();
    Path jar = root.resolve("client/cli/target/sinkgate-cli.jar");
    assertTrue(Files.isRegularFile(jar), jar + " is missing: run these tests through `mvn verify`, after package");
    gateway = TestGateway.start(Gateway.builder()
        .route(TestGateway.fileRoute("default", tmp.resolve("default")))
        .route(TestGateway.fileRoute("lines", tmp.resolve("lines")))
        .route("bench", benchSink)
        .route(TestGateway.fileRoute("conformance", tmp.resolve("conformance"))));
  }

  @AfterAll
  static void stop() throws Exception {
    if (gateway != null) {
      gateway.close();
    }
  }

  private ChildProcess.Finished sinkctl(String name, Path stdin, Map<String, String> env, String... args)
      throws Exception {
    List<String> command = new ArrayList<>(List.of(launcher.toString()));
    command.addAll(List.of(args));
    Map<String, String> fullEnv = new HashMap<>(env);
    fullEnv.put("SINKCTL_JAVA_OPTS", JAVA_OPTS);
    fullEnv.putIfAbsent("SINKGATE_TARGET", gateway.target());
    return ChildProcess.run(name, command, tmp, stdin, fullEnv, TIMEOUT);
  }

  private ChildProcess.Finished sinkctl(String name, String... args) throws Exception {
    return sinkctl(name, null, Map.of(), args);
  }

  private static void assertContains(String part, String actual) {
    assertTrue(actual.contains(part), () -> "expected <" + part + "> in <" + actual + ">");
  }

  @Test
  void write_data_printsWhereItWentAndTheGatewayStoresIt() throws Exception {
    ChildProcess.Finished r = sinkctl("write", "write", "--key", "user-7", "-H", "origin=it", "hello sinkctl");

    assertEquals(0, r.exitCode(), r::describe);
    assertEquals("wrote 13 bytes to sink 'default': offset 0, durability SYNCED\n", r.stdout());
    List<LogRecord> log = LogReader.readAll(tmp.resolve("default"));
    assertEquals(1, log.size());
    assertArrayEquals("hello sinkctl".getBytes(StandardCharsets.UTF_8), log.get(0).data());
    assertEquals("user-7", log.get(0).key());
    assertEquals(Map.of("origin", "it"), log.get(0).headers());
  }

  @Test
  void writeLines_stdin_gatewayLogHoldsEveryLineInOrderByteExact() throws Exception {
    List<byte[]> lines = new ArrayList<>();
    ByteArrayOutputStream input = new ByteArrayOutputStream();
    for (int i = 0; i < 20_000; i++) {
      byte[] line = switch (i % 5) {
        case 0 -> ("record " + i).getBytes(StandardCharsets.UTF_8);
        case 1 -> new byte[0]; // an empty line is a record too
        case 2 -> ("crlf " + i + "\r").getBytes(StandardCharsets.UTF_8); // the \r is kept
        case 3 -> ("ünïcödé ✓ " + i).getBytes(StandardCharsets.UTF_8);
        default -> new byte[] {(byte) 0xff, 0, (byte) 0x80, (byte) i}; // not UTF-8 at all
      };
      if (line.length == 4 && line[3] == '\n') {
        line[3] = 'n'; // a '\n' would end the line early
      }
      lines.add(line);
      input.writeBytes(line);
      input.write('\n');
    }
    Path stdin = tmp.resolve("lines.txt");
    Files.write(stdin, input.toByteArray());

    ChildProcess.Finished r = sinkctl("lines", stdin, Map.of(), "write", "--lines", "--sink", "lines", "-o", "json");

    assertEquals(0, r.exitCode(), r::describe);
    assertEquals("", r.stderr(), "no progress line when stderr is not a terminal");
    JsonObject summary = JsonParser.parseString(r.stdout()).getAsJsonObject();
    assertEquals(lines.size(), summary.get("records").getAsLong());
    assertEquals(input.size() - lines.size(), summary.get("bytes").getAsLong());
    assertEquals("DURABILITY_SYNCED", summary.get("durability").getAsString());
    List<LogRecord> log = LogReader.readAll(tmp.resolve("lines"));
    assertEquals(lines.size(), log.size());
    for (int i = 0; i < lines.size(); i++) {
      assertEquals(i, log.get(i).offset());
      assertArrayEquals(lines.get(i), log.get(i).data(), "line " + (i + 1));
    }
  }

  @Test
  void health_targetFromEnvironment_servingExits0() throws Exception {
    ChildProcess.Finished r = sinkctl("health", "health", "--sink", "lines");

    assertEquals(0, r.exitCode(), r::describe);
    assertEquals("SERVING: sink 'lines' (service 'sinkgate.v1.Sink/lines') at " + gateway.target() + "\n", r.stdout());
  }

  @Test
  void bench_count10000_reportsEveryRecordAndTheGatewayReceivedThem() throws Exception {
    long before = benchSink.records.get();

    ChildProcess.Finished r = sinkctl("bench", "bench", "--sink", "bench", "--count", "10000", "--size", "32", "--concurrency", "8",
        "--output", "json");

    assertEquals(0, r.exitCode(), r::describe);
    JsonObject json = JsonParser.parseString(r.stdout()).getAsJsonObject();
    assertEquals(10_000, json.get("records").getAsLong());
    assertEquals(10_000, json.get("ok").getAsLong());
    assertEquals(0, json.get("failed").getAsLong());
    assertEquals(0, json.getAsJsonObject("errors").size());
    assertTrue(json.get("records_per_second").getAsDouble() > 0, r::describe);
    JsonObject latency = json.getAsJsonObject("latency_ms");
    for (String p : List.of("p50", "p90", "p99", "p99_9", "max")) {
      assertTrue(latency.get(p).getAsDouble() > 0, () -> p + " in " + r.stdout());
    }
    assertTrue(latency.get("p50").getAsDouble() <= latency.get("max").getAsDouble(), r::describe);
    assertEquals(10_000, benchSink.records.get() - before, "the gateway received every record once");
  }

  @Test
  void conformance_gateway_passesEveryCheckAndWritesJUnit() throws Exception {
    Path junit = tmp.resolve("conformance.xml");

    ChildProcess.Finished r = sinkctl("conformance", "conformance", "--sink", "conformance", "--routing",
        "--idempotent", "--junit", junit.toString());

    assertEquals(0, r.exitCode(), r::describe);
    Map<String, String[]> rows = ConformanceCommandTest.rows(r.stdout());
    assertEquals(14, rows.size(), r::describe);
    rows.forEach((name, row) -> assertEquals("PASS", row[0], () -> name + ": " + r.describe()));
    String xml = Files.readString(junit);
    assertContains("<testsuite name=\"sinkgate.conformance\" tests=\"14\" failures=\"0\" errors=\"0\""
        + " skipped=\"0\"", xml);
  }

  @Test
  void write_unknownSink_exits5NamingTheSink() throws Exception {
    ChildProcess.Finished r = sinkctl("nosuch", "write", "--sink", "nosuch", "hello");

    assertEquals(ExitCode.NOT_FOUND.code(), r.exitCode(), r::describe);
    assertEquals("", r.stdout());
    assertContains("sinkctl: write to sink 'nosuch' at " + gateway.target() + " failed: NOT_FOUND: no route named"
        + " 'nosuch' (this gateway serves: default, lines, bench, conformance)", r.stderr());
  }

  @Test
  void write_unreachableTarget_exits7NamingTheTarget() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort(); // nothing listens once it is closed
    }
    String target = "127.0.0.1:" + closedPort;

    ChildProcess.Finished r = sinkctl("unreachable", "write", "--target", target, "--deadline", "3s", "hello");

    assertEquals(ExitCode.UNAVAILABLE.code(), r.exitCode(), r::describe);
    assertContains("sinkctl: write to sink 'default' at " + target + " failed: UNAVAILABLE", r.stderr());
    assertContains("Connection refused", r.stderr());
  }
}
