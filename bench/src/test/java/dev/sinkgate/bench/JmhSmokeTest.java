package dev.sinkgate.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinkgate.server.log.LogFrameBenchmark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * Runs every JMH benchmark of the module once, briefly and in this JVM (a few seconds in
 * all): each must run without error and score above zero, and {@link JmhRatios} must
 * read the JSON result and put every benchmark beside its baseline. No figure is checked
 * beyond that; the benchmarks run for real only through {@code bin/bench-jmh}.
 */
class JmhSmokeTest {
  @TempDir
  Path tmp;

  @Test
  void everyBenchmark_runsOnceBriefly_scoresAboveZero_andGetsARatioToItsBaseline() throws Exception {
    Path json = tmp.resolve("jmh.json");
    Collection<RunResult> results = new Runner(new OptionsBuilder()
        .include("^" + LogFrameBenchmark.class.getName() + "\\.")
        .include("^" + RouteLookupBenchmark.class.getName() + "\\.")
        .include("^" + StreamAckBenchmark.class.getName() + "\\.")
        .forks(0)
        .warmupIterations(0)
        .measurementIterations(1)
        .measurementTime(TimeValue.milliseconds(200))
        .shouldFailOnError(true) // a teardown that finds unacknowledged records fails the run
        .verbosity(VerboseMode.SILENT)
        .resultFormat(ResultFormatType.JSON)
        .result(json.toString())
        .build()).run();

    Set<String> ran = new TreeSet<>();
    for (RunResult r : results) {
      String label = r.getParams().getBenchmark().replaceAll(".*\\.(\\w+\\.\\w+)$", "$1")
          + paramsOf(r);
      ran.add(label);
      double score = r.getPrimaryResult().getScore();
      assertTrue(score > 0, label + " scored " + score);
      if (label.startsWith("LogFrameBenchmark.")) {
        Result<?> bytes = r.getSecondaryResults().get("bytes");
        assertTrue(bytes != null && bytes.getScore() > 0, label + " reports bytes/s: " + bytes);
      }
    }
    // 3 framing benchmarks x 3 sizes, 4 routing benchmarks x 3 route counts, gateway and floor.
    assertEquals(9 + 12 + 2, ran.size(), "every benchmark and parameter ran: " + ran);
    assertTrue(ran.contains("LogFrameBenchmark.frame{size=65536}"), ran.toString());
    assertTrue(ran.contains("RouteLookupBenchmark.resolveMiss{routes=100}"), ran.toString());
    assertTrue(ran.contains("StreamAckBenchmark.gateway{}"), ran.toString());
    assertTrue(ran.contains("StreamAckBenchmark.floor{}"), ran.toString());

    List<JmhRatios.Row> rows = JmhRatios.rows(JmhRatios.scores(Files.readString(json)));
    // frame against crc32c and put at 3 sizes, resolveHit and resolveMiss at 3 route counts, gateway.
    assertEquals(6 + 6 + 1, rows.size(), "one row per benchmark and baseline: " + rows);
    for (JmhRatios.Row row : rows) {
      assertTrue(row.baseline() != null && row.ratio() > 0, "a positive ratio: " + row);
    }
    String table = JmhRatios.markdown(rows);
    assertTrue(table.contains("| StreamAckBenchmark.gateway |  | "), table);
    assertTrue(table.contains("| StreamAckBenchmark.floor | "), table);
  }

  private static String paramsOf(RunResult r) {
    StringBuilder b = new StringBuilder("{");
    for (String key : r.getParams().getParamsKeys()) {
      b.append(b.length() > 1 ? "," : "").append(key).append('=').append(r.getParams().getParam(key));
    }
    return b.append('}').toString();
  }
}
