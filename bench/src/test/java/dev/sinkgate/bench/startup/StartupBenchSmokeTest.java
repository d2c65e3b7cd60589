package dev.sinkgate.bench.startup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CI form of {@code bin/bench-startup}: one cold start of the real packaged gateway
 * (server/target, built before this module's tests) with the sidecar's listeners, a short
 * load through its Unix socket, and the reports. It checks that the run reached SERVING, that
 * every figure was read and that the outputs parse; its numbers are not looked at.
 */
class StartupBenchSmokeTest {
  /** The repository: surefire runs in bench/. */
  private static final Path REPO = Path.of("").toAbsolutePath().getParent();

  @TempDir
  Path dir;

  @Test
  void oneRun_reachesServing_readsEveryFigure_andWritesReportsThatParse() throws Exception {
    StartupOptions options = StartupOptions.parse(new String[] {"--runs", "1", "--load", "500ms", "--idle", "0s",
        "--sets", "defaults", "--no-warmup", "--dir", dir.toString(), "--out", dir.resolve("out").toString()},
        REPO, dir);
    ByteArrayOutputStream progress = new ByteArrayOutputStream();
    StartupResult result;
    try (PrintStream log = new PrintStream(progress, true, StandardCharsets.UTF_8)) {
      result = new StartupBench(options, log).run();
    }
    String log = progress.toString(StandardCharsets.UTF_8);

    assertEquals(1, result.runs().size(), log);
    StartupRun run = result.runs().get(0);
    assertNull(run.error(), "the run failed; log:\n" + log);
    assertTrue(run.listeningMillis() > 0 && run.servingMillis() >= run.listeningMillis(), run.toString());
    assertTrue(run.startLineMillis() != null && run.startLineMillis() > 0, "no start-up line timed: " + run);
    assertTrue(run.readyLineMillis() != null && run.readyLineMillis() > 0, "no 'sinkgate: ready' line timed: " + run);
    assertTrue(run.startCpuSeconds() > 0, run.toString());
    assertTrue(run.idleRssBytes() > run.idleHeapBytes() && run.idleHeapBytes() > 0, run.toString());
    assertTrue(run.loadedPeakRssBytes() > 0, run.toString());
    assertTrue(run.streamRecordsPerSecond() > 0 && run.unaryRecordsPerSecond() > 0, run.toString());
    assertTrue(run.streamCpuMicrosPerRecord() > 0 && run.unaryCpuMicrosPerRecord() > 0, run.toString());
    assertEquals(0, run.failed(), run.toString());
    assertEquals(0, run.exitCode(), "the gateway did not drain cleanly on SIGTERM: " + run);

    StartupResult.Files files = result.write(dir.resolve("out"), "smoke");
    JsonObject json = JsonParser.parseString(Files.readString(files.json())).getAsJsonObject();
    assertEquals(1, json.getAsJsonArray("runs").size());
    JsonObject summary = json.getAsJsonArray("summaries").get(0).getAsJsonObject();
    assertEquals("defaults", summary.get("set").getAsString());
    assertEquals(1.0, summary.getAsJsonObject("servingRatio").get("median").getAsDouble());
    String md = Files.readString(files.markdown());
    assertTrue(md.contains("| defaults | 1/1 |") && md.contains("Ratios against `defaults`"), md);
  }
}
