package dev.sinkgate.bench.startup;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Every run of one {@link StartupBench}, with per flag set medians and ranges, and ratios
 * against the JVM defaults; written as JSON (everything) and Markdown (the tables).
 */
record StartupResult(StartupOptions options, List<FlagSet> sets, List<StartupRun> runs, Environment environment) {
  private static final Gson GSON = new GsonBuilder().setPrettyPrinting().serializeNulls()
      .serializeSpecialFloatingPointValues().create();

  /** Where the numbers came from. */
  record Environment(String jvm, int cores, String kernel, String loadAverage) {
    static Environment here() {
      String load;
      try {
        load = java.nio.file.Files.readString(Path.of("/proc/loadavg")).trim();
      } catch (IOException e) {
        load = "unknown";
      }
      return new Environment(System.getProperty("java.vm.name") + " " + Runtime.version(),
          Runtime.getRuntime().availableProcessors(), System.getProperty("os.name") + " "
          + System.getProperty("os.version"), load);
    }
  }

  /** Median, smallest and largest of one figure over a set's finished runs (NaN when none). */
  record Stat(double median, double min, double max, int n) {
    static Stat of(List<Double> values) {
      double[] v = values.stream().filter(Objects::nonNull).mapToDouble(Double::doubleValue).sorted().toArray();
      if (v.length == 0) {
        return new Stat(Double.NaN, Double.NaN, Double.NaN, 0);
      }
      int mid = v.length / 2;
      double median = v.length % 2 == 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
      return new Stat(median, v[0], v[v.length - 1], v.length);
    }
  }

  /** The figures of one flag set: each a {@link Stat} over its runs, and each ratio the median of per-round ratios. */
  record Summary(String set, int ok, int failed, Stat listeningMillis, Stat servingMillis, Stat readyLineMillis,
      Stat startCpuSeconds, Stat idleRssMib, Stat idleHeapMib, Stat loadedPeakRssMib, Stat streamRecordsPerSecond,
      Stat unaryRecordsPerSecond, Stat streamCpuMicrosPerRecord, Stat unaryCpuMicrosPerRecord, Stat servingRatio,
      Stat idleRssRatio, Stat idleHeapRatio, Stat loadedPeakRssRatio,
      Stat streamRatio, Stat unaryRatio) {}

  /** The files {@link #write} wrote. */
  record Files(Path json, Path markdown) {}

  static final String BASELINE = "defaults";

  boolean allOk() {
    return runs.stream().allMatch(StartupRun::ok);
  }

  List<Summary> summaries() {
    List<Summary> out = new ArrayList<>();
    for (FlagSet s : sets) {
      List<StartupRun> mine = runs.stream().filter(r -> r.set().equals(s.name()) && r.ok()).toList();
      int failed = (int) runs.stream().filter(r -> r.set().equals(s.name()) && !r.ok()).count();
      out.add(new Summary(s.name(), mine.size(), failed,
          stat(mine, StartupRun::listeningMillis), stat(mine, StartupRun::servingMillis),
          stat(mine, StartupRun::readyLineMillis), stat(mine, StartupRun::startCpuSeconds),
          stat(mine, r -> StartupBench.mib(r.idleRssBytes())), stat(mine, r -> StartupBench.mib(r.idleHeapBytes())),
          stat(mine, r -> StartupBench.mib(r.loadedPeakRssBytes())), stat(mine, StartupRun::streamRecordsPerSecond),
          stat(mine, StartupRun::unaryRecordsPerSecond), stat(mine, StartupRun::streamCpuMicrosPerRecord),
          stat(mine, StartupRun::unaryCpuMicrosPerRecord),
          ratio(s.name(), StartupRun::servingMillis), ratio(s.name(), r -> (double) r.idleRssBytes()),
          ratio(s.name(), r -> (double) r.idleHeapBytes()), ratio(s.name(), r -> (double) r.loadedPeakRssBytes()),
          ratio(s.name(), StartupRun::streamRecordsPerSecond), ratio(s.name(), StartupRun::unaryRecordsPerSecond)));
    }
    return out;
  }

  private static Stat stat(List<StartupRun> runs, Function<StartupRun, Double> f) {
    return Stat.of(runs.stream().map(f).toList());
  }

  /** Over the rounds in which both ran: this set's figure ÷ the baseline's. */
  private Stat ratio(String set, Function<StartupRun, Double> f) {
    List<Double> ratios = new ArrayList<>();
    for (StartupRun r : runs) {
      if (!r.set().equals(set) || !r.ok()) {
        continue;
      }
      runs.stream().filter(b -> b.set().equals(BASELINE) && b.run() == r.run() && b.ok()).findFirst()
          .ifPresent(b -> ratios.add(f.apply(r) / f.apply(b)));
    }
    return Stat.of(ratios);
  }

  String markdown() {
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "## Start-up and memory per JVM flag set (%s)%n%n", options.stamp()));
    b.append(String.format(Locale.ROOT, "%d cold starts per flag set (rounds; each round starts with the next set),"
        + " %s idle, then %s of stream c2 and %s of unary c8 with %d B records to route `%s`; listeners: %s;"
        + " every JVM with %s. %s, %d cores, %s; load average at the end: %s.%n%n",
        options.runs(), human(options.idle()), human(options.load()), human(options.load()),
        StartupBench.RECORD_BYTES, StartupBench.LOADED_ROUTE,
        options.listener().equals("uds") ? "Sink on a Unix socket, Health on a health-only TCP port"
            : "one TCP listener for Sink and Health",
        options.maxRam().isEmpty() ? "no -XX:MaxRAM" : "`-XX:MaxRAM=" + options.maxRam() + "`",
        environment.jvm(), environment.cores(), environment.kernel(), environment.loadAverage()));
    b.append("| set | JVM options (after MaxRAM) |\n|---|---|\n");
    for (FlagSet s : sets) {
      b.append("| ").append(s.name()).append(" | ")
          .append(s.options().isEmpty() ? "(none)" : "`" + String.join(" ", display(s.options())) + "`")
          .append(" |\n");
    }
    b.append("\nMedians, with the smallest and largest run in brackets (times in ms after the spawn of the JVM;"
        + " memory in MiB):\n\n");
    b.append("| set | runs ok | port open | SERVING | ready line | CPU s to SERVING | idle RSS | idle heap"
        + " (after GC) | loaded peak RSS | stream rec/s | unary rec/s | CPU µs/rec stream | CPU µs/rec unary |\n");
    b.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    List<Summary> summaries = summaries();
    for (Summary s : summaries) {
      b.append(String.format(Locale.ROOT, "| %s | %d/%d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |%n", s.set(),
          s.ok(), s.ok() + s.failed(), range(s.listeningMillis(), "%.0f"), range(s.servingMillis(), "%.0f"),
          range(s.readyLineMillis(), "%.0f"), range(s.startCpuSeconds(), "%.2f"), range(s.idleRssMib(), "%.1f"),
          range(s.idleHeapMib(), "%.1f"), range(s.loadedPeakRssMib(), "%.1f"),
          range(s.streamRecordsPerSecond(), "%.0f"), range(s.unaryRecordsPerSecond(), "%.0f"),
          range(s.streamCpuMicrosPerRecord(), "%.1f"), range(s.unaryCpuMicrosPerRecord(), "%.1f")));
    }
    b.append("\nRatios against `defaults` (the median of the per-round ratios, range in brackets;"
        + " below 1 is less time or memory, or fewer records/s):\n\n");
    b.append("| set | SERVING | idle RSS | idle heap | loaded peak RSS | stream rec/s | unary rec/s |\n");
    b.append("|---|---|---|---|---|---|---|\n");
    for (Summary s : summaries) {
      b.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s |%n", s.set(),
          range(s.servingRatio(), "%.2f"), range(s.idleRssRatio(), "%.2f"), range(s.idleHeapRatio(), "%.2f"),
          range(s.loadedPeakRssRatio(), "%.2f"), range(s.streamRatio(), "%.2f"), range(s.unaryRatio(), "%.2f")));
    }
    List<StartupRun> failed = runs.stream().filter(r -> !r.ok()).toList();
    if (!failed.isEmpty()) {
      b.append("\nFailed runs:\n\n");
      for (StartupRun r : failed) {
        b.append("- round ").append(r.run()).append(' ').append(r.set()).append(": ")
            .append(r.error().replace('\n', ' ')).append('\n');
      }
    }
    return b.toString();
  }

  /** Options without this machine's paths: the repository's and the run's scratch directory. */
  private List<String> display(List<String> jvmOptions) {
    return jvmOptions.stream().map(o -> o.replace(options.repo() + "/", "")
        .replaceAll("[^\\s=]*/startup-bench-\\d+/", "SCRATCH/")).toList();
  }

  private static String range(Stat s, String format) {
    if (s.n() == 0) {
      return "–";
    }
    String m = String.format(Locale.ROOT, format, s.median());
    return s.n() == 1 ? m : m + String.format(Locale.ROOT, " [" + format + "–" + format + "]", s.min(), s.max());
  }

  private static String human(java.time.Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
  }

  /** Writes {@code startup-bench-STAMP.json} and {@code .md} under {@code dir}. */
  Files write(Path dir, String stamp) throws IOException {
    java.nio.file.Files.createDirectories(dir);
    Path json = dir.resolve("startup-bench-" + stamp + ".json");
    Path md = dir.resolve("startup-bench-" + stamp + ".md");
    Map<String, Object> doc = new LinkedHashMap<>();
    Map<String, Object> settings = new LinkedHashMap<>();
    settings.put("runs", options.runs());
    settings.put("load_seconds_each", options.load().toMillis() / 1000.0);
    settings.put("idle_seconds", options.idle().toMillis() / 1000.0);
    settings.put("max_ram", options.maxRam());
    settings.put("listener", options.listener());
    settings.put("record_bytes", StartupBench.RECORD_BYTES);
    settings.put("stamp", stamp);
    doc.put("settings", settings);
    doc.put("environment", environment);
    List<Map<String, Object>> setList = new ArrayList<>();
    for (FlagSet s : sets) {
      setList.add(Map.of("name", s.name(), "options", display(s.options())));
    }
    doc.put("sets", setList);
    doc.put("summaries", summaries());
    doc.put("runs", runs);
    java.nio.file.Files.writeString(json, GSON.toJson(doc));
    java.nio.file.Files.writeString(md, markdown());
    return new Files(json, md);
  }

}
