package dev.sinkgate.cli;

import io.grpc.Status;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** Prints a {@link BenchResult} as a table for people or as one JSON object. */
final class BenchReport {
  /** The percentiles reported, with their JSON names. */
  private static final Map<String, Double> PERCENTILES = new LinkedHashMap<>();

  static {
    PERCENTILES.put("p50", 50.0);
    PERCENTILES.put("p90", 90.0);
    PERCENTILES.put("p99", 99.0);
    PERCENTILES.put("p99_9", 99.9);
  }

  private BenchReport() {}

  static String json(BenchResult r, String target) {
    Bench.Settings s = r.settings();
    Json latency = Json.object();
    PERCENTILES.forEach((name, p) -> latency.put(name, Units.round(r.latencyMillis(p), 3)));
    latency.put("max", Units.round(r.maxLatencyMillis(), 3));
    Map<String, Long> errors = new LinkedHashMap<>();
    r.errors().forEach((code, n) -> errors.put(code.name(), n));
    return Json.object()
        .put("target", target).put("sink", s.sink()).put("mode", s.mode().toString())
        .put("concurrency", s.concurrency()).put("size", s.size()).put("rate", s.rate())
        .put("records", r.records()).put("ok", r.ok()).put("failed", r.failed()).put("errors", errors)
        .put("seconds", Units.round(r.seconds(), 3))
        .put("records_per_second", Units.round(r.recordsPerSecond(), 1))
        .put("mb_per_second", Units.round(r.megabytesPerSecond(), 3))
        .put("latency_ms", latency)
        .toString();
  }

  static String text(BenchResult r, String target) {
    Bench.Settings s = r.settings();
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "bench: %s writes to sink '%s' at %s, concurrency %d, %d-byte records, rate %s%n",
        s.mode(), s.sink(), target, s.concurrency(), s.size(),
        s.rate() > 0 ? Units.perSecond(s.rate()) + "/s" : "unlimited"));
    b.append(String.format(Locale.ROOT, "  records     %d sent, %d ok, %d failed in %s s%n",
        r.records(), r.ok(), r.failed(), Units.seconds(r.elapsedNanos())));
    b.append(String.format(Locale.ROOT, "  throughput  %s records/s, %.3f MB/s%n",
        Units.perSecond(r.recordsPerSecond()), r.megabytesPerSecond()));
    b.append("  latency ms ");
    PERCENTILES.forEach((name, p) -> b.append(String.format(Locale.ROOT, " %9s", name.replace('_', '.'))));
    b.append(String.format(Locale.ROOT, " %9s%n", "max"));
    b.append("             ");
    PERCENTILES.values().forEach(p -> b.append(String.format(Locale.ROOT, " %9.3f", r.latencyMillis(p))));
    b.append(String.format(Locale.ROOT, " %9.3f%n", r.maxLatencyMillis()));
    if (!r.errors().isEmpty()) {
      b.append("  errors     ");
      for (Map.Entry<Status.Code, Long> e : r.errors().entrySet()) {
        b.append(' ').append(e.getKey()).append(' ').append(e.getValue());
      }
      b.append(System.lineSeparator());
    }
    return b.toString();
  }

  /** The progress line while a bench runs. */
  static String progress(Bench.Snapshot s) {
    return String.format(Locale.ROOT, "sinkctl bench: %.1f s, %d ok, %d failed, %s records/s",
        s.elapsedNanos() / 1e9, s.ok(), s.failed(), Units.perSecond(Units.rate(s.ok(), s.elapsedNanos() / 1e9)));
  }
}
