package dev.sinkgate.bench;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads a JMH JSON result file ({@code -rf json}) and prints, as a Markdown table, each
 * benchmark of the hot path beside its baseline from the same run, with the ratio of
 * their scores. {@code bin/bench-jmh} runs it after the benchmarks; {@code java -cp
 * bench/target/sinkgate-bench.jar dev.sinkgate.bench.JmhRatios FILE} runs it on any
 * earlier result. Benchmarks without a baseline are listed without a ratio.
 */
public final class JmhRatios {
  /** Each measured benchmark (class.method) and the baselines it is read against. */
  static final Map<String, List<String>> BASELINES = Map.of(
      "LogFrameBenchmark.frame", List.of("LogFrameBenchmark.crc32c", "LogFrameBenchmark.put"),
      "RouteLookupBenchmark.resolveHit", List.of("RouteLookupBenchmark.hashMapGetHit"),
      "RouteLookupBenchmark.resolveMiss", List.of("RouteLookupBenchmark.hashMapGetMiss"),
      "StreamAckBenchmark.gateway", List.of("StreamAckBenchmark.floor"));

  /** One benchmark with one parameter set: its score (± JMH's 99.9% error) and, if reported, bytes/s. */
  record Score(String benchmark, String params, double score, double error, String unit, double bytesPerSecond) {}

  /** A benchmark against one baseline with the same parameters; ratio = score ÷ baseline score. */
  record Row(Score measured, Score baseline) {
    double ratio() {
      return baseline == null ? Double.NaN : measured.score() / baseline.score();
    }
  }

  private JmhRatios() {}

  /** Prints the table for the JMH JSON result file named by the only argument. */
  public static void main(String[] args) throws IOException {
    if (args.length != 1) {
      System.err.println("usage: JmhRatios JMH_RESULT.json (a file written with -rf json)");
      System.exit(2);
    }
    System.out.print(markdown(rows(scores(Files.readString(Path.of(args[0]), StandardCharsets.UTF_8)))));
  }

  /** The scores in a JMH JSON result, in its order; benchmark names without their package. */
  static List<Score> scores(String json) {
    List<Score> out = new ArrayList<>();
    JsonArray results = JsonParser.parseString(json).getAsJsonArray();
    for (JsonElement e : results) {
      JsonObject r = e.getAsJsonObject();
      String name = r.get("benchmark").getAsString().replaceAll("^.*\\.([^.]+\\.[^.]+)$", "$1");
      Map<String, String> params = new TreeMap<>();
      if (r.has("params")) {
        r.getAsJsonObject("params").entrySet().forEach(p -> params.put(p.getKey(), p.getValue().getAsString()));
      }
      JsonObject primary = r.getAsJsonObject("primaryMetric");
      JsonObject secondary = r.has("secondaryMetrics") ? r.getAsJsonObject("secondaryMetrics") : new JsonObject();
      double bytes = secondary.has("bytes")
          ? secondary.getAsJsonObject("bytes").get("score").getAsDouble() : Double.NaN;
      out.add(new Score(name, params.toString(), primary.get("score").getAsDouble(),
          primary.get("scoreError").isJsonPrimitive() ? primary.get("scoreError").getAsDouble() : Double.NaN,
          primary.get("scoreUnit").getAsString(), bytes));
    }
    return out;
  }

  /**
   * Pairs each measured benchmark with each of its baselines that ran at the same
   * parameters (in the result's order); a benchmark with none of them, and one that is
   * neither measured against a baseline nor one itself, gets a row alone.
   */
  static List<Row> rows(List<Score> scores) {
    List<String> baselines = BASELINES.values().stream().flatMap(List::stream).toList();
    List<Row> rows = new ArrayList<>();
    for (Score s : scores) {
      List<String> against = BASELINES.get(s.benchmark());
      if (against == null) {
        if (!baselines.contains(s.benchmark())) {
          rows.add(new Row(s, null));
        }
        continue;
      }
      List<Row> paired = scores.stream()
          .filter(b -> against.contains(b.benchmark()) && b.params().equals(s.params()))
          .map(b -> new Row(s, b))
          .toList();
      rows.addAll(paired.isEmpty() ? List.of(new Row(s, null)) : paired);
    }
    return rows;
  }

  static String markdown(List<Row> rows) {
    StringBuilder b = new StringBuilder();
    b.append("| benchmark | params | score | MB/s | baseline | baseline score | baseline MB/s | ratio |\n");
    b.append("|---|---|--:|--:|---|--:|--:|--:|\n");
    for (Row r : rows) {
      Score m = r.measured();
      Score base = r.baseline();
      b.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s | %s |%n",
          m.benchmark(), m.params().equals("{}") ? "" : m.params(), score(m), megabytes(m),
          base == null ? "" : base.benchmark(), base == null ? "" : score(base),
          base == null ? "" : megabytes(base),
          Double.isNaN(r.ratio()) ? "" : String.format(Locale.ROOT, "%.3f", r.ratio())));
    }
    b.append("\nratio = score ÷ baseline score (both per second, same run): 1 is as fast as the baseline,"
        + " 0.25 costs four times as much per operation. MB/s counts payload bytes (10^6 B).\n");
    return b.toString();
  }

  private static String score(Score s) {
    String error = Double.isNaN(s.error()) ? "" : String.format(Locale.ROOT, " ± %.0f", s.error());
    return String.format(Locale.ROOT, "%.0f%s %s", s.score(), error, s.unit());
  }

  private static String megabytes(Score s) {
    return Double.isNaN(s.bytesPerSecond()) ? "" : String.format(Locale.ROOT, "%.0f", s.bytesPerSecond() / 1e6);
  }
}
