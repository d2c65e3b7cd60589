package dev.sinkgate.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code sinkctl conformance --idempotent} against the Python and Node sinks of
 * {@code interop/}, each a real child process: every check passes (the routing checks are
 * skipped, as for any single-purpose sink). bin/test installs their runtimes.
 */
@Timeout(300)
class ConformanceInteropTest {
  private static final Pattern LISTENING = Pattern.compile("^listening on (\\d+)$");

  @TempDir
  Path tmp;

  @ParameterizedTest
  @ValueSource(strings = {"python", "node"})
  void conformance_interopSink_passesEveryCheckWithIdempotency(String language) throws Exception {
    Path root = Path.of(System.getProperty("sinkgate.repo.root"));
    Path script = root.resolve("interop").resolve(language)
        .resolve(language.equals("python") ? "sinkgate_sink.py" : "sinkgate_sink.js");
    List<String> command = new ArrayList<>(language.equals("python")
        ? List.of("/usr/bin/python3", script.toString()) : List.of("node", script.toString()));
    command.addAll(List.of("--listen", "127.0.0.1:0", "--file", tmp.resolve("records.jsonl").toString()));
    Process sink = new ProcessBuilder(command).directory(script.getParent().toFile())
        .redirectError(tmp.resolve("sink.stderr").toFile()).start();
    try {
      int port = awaitPort(sink);
      InProcessRun.Result r = InProcessRun.of("conformance", "--target", "127.0.0.1:" + port, "--idempotent");

      assertEquals(0, r.exitCode(), r::describe);
      Map<String, String[]> rows = ConformanceCommandTest.rows(r.out());
      assertEquals(14, rows.size(), r::describe);
      rows.forEach((name, row) -> assertEquals(name.startsWith("routing-") ? "SKIP" : "PASS", row[0],
          () -> name + ": " + r.describe()));
      assertTrue(r.out().contains("0 failed, 2 skipped"), r::describe);
    } finally {
      sink.destroy();
      if (!sink.waitFor(20, TimeUnit.SECONDS)) {
        sink.destroyForcibly().waitFor();
      }
    }
  }

  /** Reads the sink's stdout until it says its port (or ends: then the test fails with its stderr). */
  private int awaitPort(Process sink) throws Exception {
    BufferedReader out = new BufferedReader(new InputStreamReader(sink.getInputStream(), StandardCharsets.UTF_8));
    CompletableFuture<Integer> port = CompletableFuture.supplyAsync(() -> {
      try {
        for (String line; (line = out.readLine()) != null; ) {
          Matcher m = LISTENING.matcher(line);
          if (m.matches()) {
            return Integer.parseInt(m.group(1));
          }
        }
        return -1;
      } catch (IOException e) {
        return -1;
      }
    });
    int p = port.get(60, TimeUnit.SECONDS);
    if (p < 0) {
      throw new AssertionError("the sink ended before listening; stderr:\n"
          + java.nio.file.Files.readString(tmp.resolve("sink.stderr")));
    }
    return p;
  }
}
