package dev.sinkgate.bench.grpc;

import dev.sinkgate.bench.grpc.BenchServers.Hop;
import dev.sinkgate.bench.grpc.BenchServers.Target;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * One run seen from both ends: what a load generator reported, wrapped with what the
 * servers it went through counted (their own accepted-record counters, fsyncs) and spent
 * (CPU from {@code /proc}, peak RSS reset before the run).
 */
final class Observation {
  private Observation() {}

  /** What a generator reported for a run. */
  record Generated(long ok, long failed, Map<String, Long> errors, double seconds, double recordsPerSecond,
      double megabytesPerSecond, double p50Millis, double p99Millis, double p999Millis, long serverMin,
      long serverMax) {}

  /**
   * Runs {@code generator} against {@code t} and wraps what it saw with what the servers
   * counted (their accepted-record counters, fsyncs) and spent (CPU, peak RSS).
   * Each server on the way must have counted between {@code serverMin} and {@code serverMax}
   * records (exactly {@code ok} for a generator that waits for every answer).
   */
  static GrpcRun observe(PrintStream log, int pair, String generatorName, Target t, String load, int size,
      Supplier<Generated> generator) {
    List<Hop> hops = t.hops();
    long[] before = new long[hops.size()];
    for (int i = 0; i < hops.size(); i++) {
      before[i] = hops.get(i).server().accepted(hops.get(i).route());
      hops.get(i).server().stats().resetPeak();
    }
    long syncsBefore = fsyncs(hops.get(0));
    double cpuBefore = t.cpuSeconds();
    Generated g = generator.get();
    double cpu = t.cpuSeconds() - cpuBefore;
    long syncs = fsyncs(hops.get(0)) - syncsBefore;
    long[] counted = new long[hops.size()];
    long peak = 0;
    boolean match = true;
    for (int i = 0; i < hops.size(); i++) {
      counted[i] = hops.get(i).server().accepted(hops.get(i).route()) - before[i];
      peak = Math.max(peak, hops.get(i).server().stats().peakRssBytes());
      match &= counted[i] >= g.serverMin() && counted[i] <= g.serverMax();
    }
    GrpcRun run = new GrpcRun(pair, generatorName, t.name(), load, size, g.seconds(), g.ok(), g.failed(), g.errors(),
        g.recordsPerSecond(), g.megabytesPerSecond(), g.p50Millis(), g.p99Millis(), g.p999Millis(), cpu, peak,
        counted, match, syncs, ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    log.printf(Locale.ROOT, "bench-grpc: pair %d %-7s %-13s %-22s %8d B: %10.0f rec/s %9.2f MB/s p99 %8.3f ms,"
            + " CPU %.1f s/M rec%s%s%n", pair, generatorName, t.name(), load, size, run.recordsPerSecond(),
        run.megabytesPerSecond(), run.p99Millis(), run.cpuSecondsPerMillion(),
        g.failed() > 0 ? ", FAILED " + g.failed() + " " + g.errors() : "",
        match ? "" : ", COUNTERS " + Arrays.toString(counted) + " not in [" + g.serverMin() + ", " + g.serverMax() + "]");
    return run;
  }

  private static long fsyncs(Hop hop) {
    return hop.server().fsyncs(hop.route());
  }
}
