package dev.sinkgate.bench.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The harness's small parts: reading a scrape, reading /proc, parsing its command line. */
class HarnessPartsTest {
  private static final String SCRAPE = """
      # HELP sinkgate_records_accepted_total Records acknowledged.
      # TYPE sinkgate_records_accepted_total counter
      sinkgate_records_accepted_total{route="a"} 5
      sinkgate_records_accepted_total{route="ab"} 7
      sinkgate_records_accepted_total{subroute="a"} 100
      sinkgate_records_accepted_total_other{route="a"} 1000
      sinkgate_records_refused_total{route="a",code="INVALID_ARGUMENT"} 2
      sinkgate_records_refused_total{code="NOT_FOUND",route="a"} 3
      sinkgate_streams_open 4
      """;

  @Test
  void metricsSum_matchesTheNameExactly_andTheRouteLabelExactly() {
    assertEquals(5, Metrics.sum(SCRAPE, "sinkgate_records_accepted_total", "a"));
    assertEquals(7, Metrics.sum(SCRAPE, "sinkgate_records_accepted_total", "ab"));
    assertEquals(112, Metrics.sum(SCRAPE, "sinkgate_records_accepted_total", null), "every series of the name");
    assertEquals(5, Metrics.sum(SCRAPE, "sinkgate_records_refused_total", "a"), "the route label anywhere");
    assertEquals(4, Metrics.sum(SCRAPE, "sinkgate_streams_open", null));
    assertEquals(0, Metrics.sum(SCRAPE, "sinkgate_fsyncs_total", "a"), "an absent series is 0");
  }

  @Test
  void procStats_readThisProcess_andResetItsPeak() {
    ProcStats self = new ProcStats(ProcessHandle.current().pid());
    assertTrue(self.cpuSeconds() > 0, "this JVM has used CPU");
    long rss = self.rssBytes();
    assertTrue(rss > 10 << 20, "a JVM's RSS is more than 10 MiB: " + rss);
    assertTrue(self.peakRssBytes() >= rss);
    if (self.resetPeak()) {
      assertTrue(self.peakRssBytes() <= Math.max(rss, self.rssBytes()) + (64 << 20),
          "after a reset the peak is about the current RSS");
    }
    assertThrows(IllegalStateException.class, () -> new ProcStats(Long.MAX_VALUE).cpuSeconds(),
        "a process that does not exist is an error, not a zero");
  }

  @Test
  void options_quickAndDefaults_andBadValuesNameTheOption() {
    Path target = Path.of("target");
    GrpcBenchOptions d = GrpcBenchOptions.parse(new String[0], target);
    assertEquals(List.of(100, 1024, 65536, 1048576), d.sizes());
    assertEquals(List.of(1, 8, 64), d.concurrencies());
    assertEquals(3, d.pairs());
    assertEquals(Duration.ofSeconds(15), d.warmup());
    assertEquals(GrpcBenchOptions.ALL_TARGETS, d.targets());
    GrpcBenchOptions q = GrpcBenchOptions.parse(new String[] {"--quick", "--pairs", "2"}, target);
    assertEquals(2, q.pairs(), "options after --quick still apply");
    assertEquals(List.of(100, 65536), q.sizes());
    assertEquals(100, q.streamMessages());
    assertNull(GrpcBenchOptions.parse(new String[] {"--help"}, target));

    assertMessage("--sizes: 0 (expected: 1 to 4194304 bytes)", "--sizes", "0");
    assertMessage("--targets: 'disk' (expected some of [discard, file_always, file_interval, remote])",
        "--targets", "disk");
    assertMessage("--streams: 0 (expected: 1 to 64)", "--streams", "0");
    assertMessage("--pairs: 0 (expected: >= 1)", "--pairs", "0");
    assertMessage("--bogus: unknown option (expected one of those in --help)", "--bogus");
    assertMessage("--duration: missing value", "--duration");
  }

  private static void assertMessage(String expected, String... args) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> GrpcBenchOptions.parse(args, Path.of("target")));
    assertEquals(expected, e.getMessage());
  }
}
