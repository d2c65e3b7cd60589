package dev.sinkgate.bench.startup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The summaries: medians and ranges per set, ratios paired by round, failed runs kept apart. */
class StartupResultTest {
  private static final Path REPO = Path.of("/repo");
  private static final long MIB = 1 << 20;

  private static StartupRun run(String set, int round, double servingMillis, long idleRssMib) {
    return new StartupRun(set, round, servingMillis / 2, servingMillis / 2, servingMillis, null, 1.0,
        idleRssMib * MIB, 6 * MIB, 2 * idleRssMib * MIB, true, 1000, 100, 10, 100, 0, 0, null);
  }

  private static StartupResult result(List<StartupRun> runs) {
    StartupOptions options = StartupOptions.parse(new String[] {"--runs", "3"}, REPO, Path.of("t"));
    List<FlagSet> sets = List.of(FlagSet.builtIn("defaults", REPO, Path.of("a.jsa")),
        FlagSet.builtIn("shipped", REPO, Path.of("a.jsa")));
    return new StartupResult(options, sets, runs, new StartupResult.Environment("jvm", 2, "linux", "0.1"));
  }

  @Test
  void ratios_arePairedByRound_andTheirMedianIsReported() {
    StartupResult r = result(List.of(
        run("defaults", 1, 1000, 100), run("shipped", 1, 500, 80),   // 0.5, 0.8
        run("defaults", 2, 2000, 100), run("shipped", 2, 1800, 90),  // 0.9, 0.9
        run("defaults", 3, 1000, 100), run("shipped", 3, 700, 70))); // 0.7, 0.7
    StartupResult.Summary shipped = r.summaries().get(1);
    assertEquals("shipped", shipped.set());
    assertEquals(700, shipped.servingMillis().median());
    assertEquals(500, shipped.servingMillis().min());
    assertEquals(1800, shipped.servingMillis().max());
    // Paired per round the ratios are 0.5, 0.9, 0.7; the ratio of the medians would be 700/1000 too,
    // but the range says which rounds moved.
    assertEquals(0.7, shipped.servingRatio().median(), 1e-9);
    assertEquals(0.5, shipped.servingRatio().min(), 1e-9);
    assertEquals(0.9, shipped.servingRatio().max(), 1e-9);
    assertEquals(0.8, shipped.idleRssRatio().median(), 1e-9);
    assertEquals(80, shipped.idleRssMib().median(), 1e-9);
    assertTrue(r.allOk());
    String md = r.markdown();
    assertTrue(md.contains("| shipped | 3/3 |"), md);
    assertTrue(md.contains("| shipped | 0.70 [0.50–0.90] | 0.80 [0.70–0.90] |"), md);
  }

  @Test
  void aFailedRun_isLeftOutOfTheFigures_andListedWithItsError() {
    StartupResult r = result(List.of(
        run("defaults", 1, 1000, 100), StartupRun.failed("shipped", 1, "the gateway exited before serving"),
        run("defaults", 2, 1000, 100), run("shipped", 2, 800, 80)));
    StartupResult.Summary shipped = r.summaries().get(1);
    assertEquals(1, shipped.ok());
    assertEquals(1, shipped.failed());
    assertEquals(800, shipped.servingMillis().median());
    assertEquals(0.8, shipped.servingRatio().median(), 1e-9);
    assertFalse(r.allOk());
    String md = r.markdown();
    assertTrue(md.contains("| shipped | 1/2 |") && md.contains("- round 1 shipped: the gateway exited before serving"),
        md);
  }
}
