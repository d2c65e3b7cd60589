package dev.sinkgate.bench;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonNull;
import com.google.gson.JsonPrimitive;
import com.google.gson.JsonSerializer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes a {@link BenchResult} as Markdown tables for people and as JSON for scripts.
 * JSON through gson, which the bench declares itself (the CLI writes its few flat objects
 * by hand to keep gson off its own class path; the bench has no such concern).
 */
final class BenchReport {
  /** Numbers to 4 decimals; NaN (a median of nothing) and infinities, which JSON lacks, as null. */
  private static final Gson GSON = new GsonBuilder().setPrettyPrinting().serializeNulls()
      .registerTypeAdapter(Double.class, (JsonSerializer<Double>) (d, type, context) ->
          Double.isFinite(d) ? new JsonPrimitive(Math.round(d * 1e4) / 1e4) : JsonNull.INSTANCE)
      .create();

  private BenchReport() {}

  static String markdown(BenchResult result) {
    BenchOptions o = result.options();
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "## File sink (fsync: always) vs raw append + force, %d B records%n%n",
        o.recordBytes()));
    for (String[] e : result.environment()) {
      b.append("- ").append(e[0]).append(": ").append(e[1]).append('\n');
    }
    b.append(String.format(Locale.ROOT,
        "- runs: %s warm-up first, then %d pair(s) per writer count, sink then raw, each run %s uncounted + %s"
            + " counted%n", seconds(o.warmup()), o.pairs(), seconds(o.runWarmup()), seconds(o.duration())));
    b.append(String.format(Locale.ROOT, "- MB/s counts payload bytes (10^6 B); both sides put %d B per record"
        + " on disk; the raw batch is the group size of the sink run before it%n%n", result.frameBytes()));
    b.append(String.format(Locale.ROOT, "**The disk allowed %.0f fsyncs/s** (raw append of one %d B record +"
        + " force, median).%n%n", result.fsyncsPerSecond(), result.frameBytes()));

    b.append("Medians over the pairs; sink/raw is the median of the per-pair ratios (min-max).\n\n");
    b.append("| writers | sink rec/s | sink MB/s | records/fsync | sink fsync/s | raw batch | raw rec/s"
        + " | raw MB/s | raw fsync/s | CPU us/rec sink, raw | sink/raw |\n");
    b.append("|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");
    for (Summary s : result.summaries()) {
      b.append(String.format(Locale.ROOT, "| %d | %.0f | %.2f | %.1f | %.0f | %s | %.0f | %.2f | %.0f | %.1f, %.1f | %.2f (%.2f-%.2f) |%n",
          s.writers(), s.sinkRecordsPerSecond(), s.sinkMegabytesPerSecond(), s.recordsPerSync(),
          s.sinkSyncsPerSecond(), trim(s.rawBatch()), s.rawRecordsPerSecond(), s.rawMegabytesPerSecond(),
          s.rawSyncsPerSecond(), s.sinkCpuMicrosPerRecord(), s.rawCpuMicrosPerRecord(), s.ratio(),
          s.ratioMin(), s.ratioMax()));
    }

    b.append("\nEvery measured run, in the order run:\n\n");
    b.append("| pair | writers | side | rec/s | MB/s | fsync/s | records/fsync | CPU us/rec | load |\n");
    b.append("|--:|--:|---|--:|--:|--:|--:|--:|--:|\n");
    for (RunResult r : result.runs()) {
      if (!r.measured()) {
        continue;
      }
      String side = r.side().equals(RunResult.RAW) ? "raw, batch " + r.batch() : "sink";
      b.append(String.format(Locale.ROOT, "| %d | %d | %s | %.0f | %.2f | %.0f | %.2f | %.1f | %.1f |%n",
          r.pair(), r.writers(), side, r.recordsPerSecond(), r.megabytesPerSecond(), r.syncsPerSecond(),
          r.recordsPerSync(), r.cpuMicrosPerRecord(), r.window().loadAverage()));
    }
    return b.toString();
  }

  static String json(BenchResult result) {
    BenchOptions o = result.options();
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("benchmark", "filelog");
    Map<String, Object> env = new LinkedHashMap<>();
    for (String[] e : result.environment()) {
      env.put(e[0], e[1]);
    }
    root.put("environment", env);
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("writers", o.writers());
    config.put("pairs", o.pairs());
    config.put("warmupSeconds", o.warmup().toNanos() / 1e9);
    config.put("runWarmupSeconds", o.runWarmup().toNanos() / 1e9);
    config.put("durationSeconds", o.duration().toNanos() / 1e9);
    config.put("recordBytes", o.recordBytes());
    config.put("frameBytes", result.frameBytes());
    root.put("config", config);
    root.put("fsyncsPerSecond", result.fsyncsPerSecond());
    List<Object> summaries = new ArrayList<>();
    for (Summary s : result.summaries()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("writers", s.writers());
      m.put("pairs", s.pairs());
      m.put("sinkRecordsPerSecond", s.sinkRecordsPerSecond());
      m.put("sinkMegabytesPerSecond", s.sinkMegabytesPerSecond());
      m.put("recordsPerSync", s.recordsPerSync());
      m.put("sinkSyncsPerSecond", s.sinkSyncsPerSecond());
      m.put("rawBatch", s.rawBatch());
      m.put("rawRecordsPerSecond", s.rawRecordsPerSecond());
      m.put("rawMegabytesPerSecond", s.rawMegabytesPerSecond());
      m.put("rawSyncsPerSecond", s.rawSyncsPerSecond());
      m.put("sinkCpuMicrosPerRecord", s.sinkCpuMicrosPerRecord());
      m.put("rawCpuMicrosPerRecord", s.rawCpuMicrosPerRecord());
      m.put("ratio", s.ratio());
      m.put("ratioMin", s.ratioMin());
      m.put("ratioMax", s.ratioMax());
      summaries.add(m);
    }
    root.put("summary", summaries);
    List<Object> runs = new ArrayList<>();
    for (RunResult r : result.runs()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("phase", r.phase());
      m.put("pair", r.pair());
      m.put("writers", r.writers());
      m.put("side", r.side());
      m.put("batch", r.batch());
      m.put("seconds", r.window().seconds());
      m.put("records", r.window().records());
      m.put("syncs", r.window().syncs());
      m.put("recordsPerSecond", r.recordsPerSecond());
      m.put("megabytesPerSecond", r.megabytesPerSecond());
      m.put("syncsPerSecond", r.syncsPerSecond());
      m.put("recordsPerSync", r.recordsPerSync());
      m.put("cpuSeconds", r.window().cpuNanos() < 0 ? null : r.window().cpuNanos() / 1e9);
      m.put("cpuMicrosPerRecord", r.cpuMicrosPerRecord());
      m.put("loadAverage", r.window().loadAverage() < 0 ? null : r.window().loadAverage());
      runs.add(m);
    }
    root.put("runs", runs);
    return GSON.toJson(root) + "\n";
  }

  private static String seconds(java.time.Duration d) {
    return trim(d.toNanos() / 1e9) + " s";
  }

  /** A number without a trailing ".0". */
  private static String trim(double v) {
    return v == Math.rint(v) && !Double.isInfinite(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%.1f", v);
  }
}
