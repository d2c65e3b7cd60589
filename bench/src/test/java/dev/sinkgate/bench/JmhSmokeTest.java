package dev.sinkgate.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinkgate.server.log.LogFrameBenchmark;
import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * Runs every JMH benchmark of the module once, briefly and in this JVM (a few seconds in
 * all): each must run without error and score above zero. No figure is checked beyond
 * that; the benchmarks run for real only through {@code bin/bench-jmh}.
 */
class JmhSmokeTest {
  @Test
  void everyBenchmark_runsOnceBriefly_andScoresAboveZero() throws Exception {
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
  }

  private static String paramsOf(RunResult r) {
    StringBuilder b = new StringBuilder("{");
    for (String key : r.getParams().getParamsKeys()) {
      b.append(b.length() > 1 ? "," : "").append(key).append('=').append(r.getParams().getParam(key));
    }
    return b.append('}').toString();
  }
}
