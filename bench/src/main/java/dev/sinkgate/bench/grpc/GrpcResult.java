package dev.sinkgate.bench.grpc;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonNull;
import com.google.gson.JsonPrimitive;
import com.google.gson.JsonSerializer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.ToDoubleFunction;

/**
 * Everything one {@link GrpcBench} run measured, and its reports: a JSON file with every
 * run, a Markdown summary (targets first, as ratios; then medians per case), and PNG charts
 * of throughput by record size.
 */
final class GrpcResult {
  private static final Gson GSON = new GsonBuilder().setPrettyPrinting().serializeNulls()
      .registerTypeAdapter(Double.class, (JsonSerializer<Double>) (d, type, context) ->
          Double.isFinite(d) ? new JsonPrimitive(Math.round(d * 1e4) / 1e4) : JsonNull.INSTANCE)
      .create();

  /** A physical reference measured in the same round: loopback bandwidth or the disk's append + fdatasync rate. */
  record Reference(int pair, String name, String description, double megabytesPerSecond, double recordsPerSecond,
      double syncsPerSecond) {}

  /** A target of issue 6 and how this run did: the median of the per-pair ratios, and their range. */
  record Target(String metric, String goal, double ratio, double min, double max, int pairs, boolean higherIsBetter,
      double threshold, String basis) {
    String verdict() {
      if (Double.isNaN(ratio)) {
        return "not measured";
      }
      return (higherIsBetter ? ratio >= threshold : ratio <= threshold) ? "met" : "MISSED";
    }
  }

  /** Where {@link #write} put the reports. */
  record Files(Path json, Path markdown, List<Path> charts) {}

  private final GrpcBenchOptions options;
  private final List<String[]> environment;
  private final List<GrpcRun> runs;
  private final List<Reference> references;
  private final List<IdleMemory.Result> memory;

  GrpcResult(GrpcBenchOptions options, List<String[]> environment, List<GrpcRun> runs, List<Reference> references,
      List<IdleMemory.Result> memory) {
    this.options = options;
    this.environment = List.copyOf(environment);
    this.runs = List.copyOf(runs);
    this.references = List.copyOf(references);
    this.memory = List.copyOf(memory);
  }

  List<GrpcRun> runs() {
    return runs;
  }

  List<Reference> references() {
    return references;
  }

  List<IdleMemory.Result> memory() {
    return memory;
  }

  /** True if, in every run, every server on the way counted exactly the records the generator saw accepted. */
  boolean countersAllMatch() {
    return runs.stream().allMatch(GrpcRun::countersMatch);
  }

  private int smallest() {
    return options.sizes().contains(100) ? 100 : options.sizes().get(0);
  }

  private int largest() {
    return options.sizes().contains(1 << 20) ? 1 << 20 : options.sizes().get(options.sizes().size() - 1);
  }

  private int diskSize() {
    return options.sizes().contains(1024) ? 1024 : options.sizes().get(0);
  }

  private String unaryMax() {
    return "unary c" + options.concurrencies().stream().mapToInt(Integer::intValue).max().orElseThrow();
  }

  private String stream() {
    return "stream c" + options.streams();
  }

  private static Predicate<GrpcRun> run(String target, String load, int size) {
    return r -> r.generator().equals("sinkctl") && r.target().equals(target) && r.load().equals(load)
        && r.size() == size;
  }

  private GrpcRun inPair(int pair, Predicate<GrpcRun> p) {
    for (GrpcRun r : runs) {
      if (r.pair() == pair && p.test(r)) {
        return r;
      }
    }
    return null;
  }

  private Reference reference(int pair, Predicate<Reference> p) {
    for (Reference r : references) {
      if (r.pair() == pair && p.test(r)) {
        return r;
      }
    }
    return null;
  }

  /** Per pair: f(a) / g(b) for the pairs where both were measured. */
  private interface PairRatio {
    double in(int pair);
  }

  private Target target(String metric, String goal, boolean higher, double threshold, String basis, PairRatio ratio) {
    List<Double> ratios = new ArrayList<>();
    for (int pair = 1; pair <= options.pairs(); pair++) {
      double x = ratio.in(pair);
      if (Double.isFinite(x)) {
        ratios.add(x);
      }
    }
    return new Target(metric, goal, median(ratios), min(ratios), max(ratios), ratios.size(), higher, threshold, basis);
  }

  private PairRatio runs(Predicate<GrpcRun> a, Predicate<GrpcRun> b, ToDoubleFunction<GrpcRun> f) {
    return pair -> {
      GrpcRun x = inPair(pair, a);
      GrpcRun y = inPair(pair, b);
      return x == null || y == null ? Double.NaN : f.applyAsDouble(x) / f.applyAsDouble(y);
    };
  }

  /** The targets, each as a ratio measured within a round. */
  List<Target> targets() {
    List<Target> t = new ArrayList<>();
    int s = smallest();
    int big = largest();
    String u = unaryMax();
    String st = stream();
    t.add(target("unary " + s + " B → discard, req/s", "≥ 0.90 × floor", true, 0.90, "sinkctl " + u,
        runs(run("discard", u, s), run("floor", u, s), GrpcRun::recordsPerSecond)));
    t.add(target("CPU per unary request", "≤ 1.15 × floor", false, 1.15, "server CPU s per M records, sinkctl " + u
        + ", " + s + " B", runs(run("discard", u, s), run("floor", u, s), GrpcRun::cpuSecondsPerMillion)));
    t.add(target("streaming " + s + " B → discard, records/s", "≥ 0.85 × floor", true, 0.85, "sinkctl " + st,
        runs(run("discard", st, s), run("floor", st, s), GrpcRun::recordsPerSecond)));
    t.add(target("streaming " + size(big) + " → discard, MB/s", "≥ 0.85 × floor", true, 0.85, "sinkctl " + st,
        runs(run("discard", st, big), run("floor", st, big), GrpcRun::megabytesPerSecond)));
    t.add(target("streaming " + size(big) + " → discard, MB/s", "≥ 0.40 × loopback", true, 0.40,
        "loopback: a Java socket pair in the same round", pair -> {
          GrpcRun x = inPair(pair, run("discard", st, big));
          Reference l = reference(pair, r -> r.name().equals("loopback"));
          return x == null || l == null ? Double.NaN : x.megabytesPerSecond() / l.megabytesPerSecond();
        }));
    t.add(target("p99 latency at half the floor's max unary rate", "≤ 1.3 × floor's p99", false, 1.3,
        u + " open loop at ½ the floor's " + u + " rate of the same round, " + s + " B",
        runs(halfRate("discard", s), halfRate("floor", s), GrpcRun::p99Millis)));
    int d = diskSize();
    t.add(target("fsync: always, " + size(d) + ", " + u.substring(6) + " writers, MB/s",
        "≥ 0.70 × raw append+fdatasync at the same batch", true, 0.70,
        "raw loop at the route's records/fsync in the same round", pair -> {
          GrpcRun x = inPair(pair, run("file_always", u, d));
          Reference raw = x == null || x.fsyncs() == 0 ? null
              : reference(pair, r -> r.name().equals("disk batch " + Math.max(1, Math.round(x.recordsPerSync()))));
          return raw == null ? Double.NaN : x.recordsPerSecond() / raw.recordsPerSecond();
        }));
    t.add(target("fsync: always vs one fsync per record, records/s", "≥ 100 ×", true, 100,
        "the best file_always load at " + size(d) + " vs the raw loop at batch 1", pair -> {
          double best = Double.NaN;
          for (GrpcRun r : runs) {
            if (r.pair() == pair && r.generator().equals("sinkctl") && r.target().equals("file_always")
                && r.size() == d && !(r.recordsPerSecond() <= best)) {
              best = r.recordsPerSecond();
            }
          }
          Reference one = reference(pair, r -> r.name().equals("disk batch 1"));
          return one == null ? Double.NaN : best / one.recordsPerSecond();
        }));
    t.add(target("gateway → remote gateway, " + st + ", " + s + " B", "≥ 0.45 × single hop", true, 0.45,
        "records/s, remote route vs discard route", runs(run("remote", st, s), run("discard", st, s),
            GrpcRun::recordsPerSecond)));
    t.add(target("gateway → remote gateway, " + u + ", " + s + " B", "≥ 0.45 × single hop", true, 0.45,
        "records/s, remote route vs discard route", runs(run("remote", u, s), run("discard", u, s),
            GrpcRun::recordsPerSecond)));
    IdleMemory.Result floor = memory("floor");
    IdleMemory.Result gw = memory("discard");
    if (floor != null && gw != null) {
      t.add(new Target("idle memory per open stream (heap after GC)", "≤ 1.5 × floor",
          gw.heapPerStream() / floor.heapPerStream(), Double.NaN, Double.NaN, 1, false, 1.5,
          String.format(Locale.ROOT, "%.0f B vs %.0f B per stream, %d streams", gw.heapPerStream(),
              floor.heapPerStream(), gw.streams())));
      t.add(new Target("idle memory per connection (heap after GC)", "≤ 1.25 × floor",
          gw.heapPerConnection() / floor.heapPerConnection(), Double.NaN, Double.NaN, 1, false, 1.25,
          String.format(Locale.ROOT, "%.0f B vs %.0f B per connection, %d connections", gw.heapPerConnection(),
              floor.heapPerConnection(), gw.connections())));
    }
    return t;
  }

  private static Predicate<GrpcRun> halfRate(String target, int size) {
    return r -> r.generator().equals("sinkctl") && r.target().equals(target) && r.load().contains(" @ ")
        && r.size() == size;
  }

  private IdleMemory.Result memory(String server) {
    return memory.stream().filter(m -> m.server().equals(server)).findFirst().orElse(null);
  }

  /** One row per (generator, target, load, size): medians over the pairs. */
  record Summary(String generator, String target, String load, int size, int pairs, double recordsPerSecond,
      double megabytesPerSecond, double p50Millis, double p99Millis, double p999Millis, double cpuSecondsPerMillion,
      double peakRssMiB, double recordsPerSync, double vsFloor, boolean countersMatch) {}

  List<Summary> summaries() {
    Map<String, List<GrpcRun>> byCase = new LinkedHashMap<>();
    for (GrpcRun r : runs) {
      byCase.computeIfAbsent(r.generator() + "|" + r.target() + "|" + (r.load().contains(" @ ")
          ? r.load().substring(0, r.load().indexOf(" @ ")) + " @ ½ floor max" : r.load()) + "|" + r.size(),
          k -> new ArrayList<>()).add(r);
    }
    List<Summary> out = new ArrayList<>();
    for (Map.Entry<String, List<GrpcRun>> e : byCase.entrySet()) {
      List<GrpcRun> rs = e.getValue();
      GrpcRun first = rs.get(0);
      String load = e.getKey().split("\\|")[2];
      List<Double> vsFloor = new ArrayList<>();
      for (GrpcRun r : rs) {
        GrpcRun f = inPair(r.pair(), x -> x.generator().equals(r.generator()) && x.target().equals("floor")
            && x.load().equals(r.load()) && x.size() == r.size());
        if (f != null && f.recordsPerSecond() > 0) {
          vsFloor.add(r.recordsPerSecond() / f.recordsPerSecond());
        }
      }
      out.add(new Summary(first.generator(), first.target(), load, first.size(), rs.size(),
          median(rs, GrpcRun::recordsPerSecond), median(rs, GrpcRun::megabytesPerSecond),
          median(rs, GrpcRun::p50Millis), median(rs, GrpcRun::p99Millis), median(rs, GrpcRun::p999Millis),
          median(rs, GrpcRun::cpuSecondsPerMillion), median(rs, r -> r.peakRssBytes() / 1048576.0),
          median(rs, GrpcRun::recordsPerSync), median(vsFloor),
          rs.stream().allMatch(GrpcRun::countersMatch)));
    }
    return out;
  }

  String markdown() {
    StringBuilder b = new StringBuilder("## gRPC: sinkgate vs the bare floor and the machine\n\n");
    for (String[] e : environment) {
      b.append("- ").append(e[0]).append(": ").append(e[1]).append('\n');
    }
    b.append("- server-side counters matched the generators in ").append(runs.stream().filter(GrpcRun::countersMatch)
        .count()).append(" of ").append(runs.size()).append(" runs\n\n");
    b.append("### Targets (median of the per-round ratios, min–max)\n\n");
    b.append("| metric | target | measured | verdict | basis |\n|---|---|--:|---|---|\n");
    for (Target t : targets()) {
      b.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s |%n", t.metric(), t.goal(),
          Double.isNaN(t.min()) ? fmt(t.ratio()) : fmt(t.ratio()) + " (" + fmt(t.min()) + "–" + fmt(t.max()) + ")",
          t.verdict(), t.basis()));
    }
    b.append("\n### Results (medians over rounds)\n\n");
    b.append("| generator | target | load | size | records/s | MB/s | p50 ms | p99 ms | p99.9 ms | CPU s/M rec"
        + " | peak RSS MiB | rec/fsync | × floor | counters |\n");
    b.append("|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|\n");
    for (Summary s : summaries()) {
      b.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %.0f | %.2f | %s | %s | %s | %.2f | %.0f | %s | %s"
              + " | %s |%n", s.generator(), s.target(), s.load(), size(s.size()), s.recordsPerSecond(),
          s.megabytesPerSecond(), fmt(s.p50Millis()), fmt(s.p99Millis()), fmt(s.p999Millis()),
          s.cpuSecondsPerMillion(), s.peakRssMiB(), fmt(s.recordsPerSync()), fmt(s.vsFloor()),
          s.countersMatch() ? "match" : "MISMATCH"));
    }
    b.append("\n### Physical references (medians over rounds)\n\n| reference | MB/s | records/s | fsync/s |"
        + " what |\n|---|--:|--:|--:|---|\n");
    Map<String, List<Reference>> refs = new LinkedHashMap<>();
    references.forEach(r -> refs.computeIfAbsent(r.name(), k -> new ArrayList<>()).add(r));
    refs.forEach((name, rs) -> b.append(String.format(Locale.ROOT, "| %s | %.1f | %s | %s | %s |%n", name,
        medianRef(rs, Reference::megabytesPerSecond), fmt(medianRef(rs, Reference::recordsPerSecond)),
        fmt(medianRef(rs, Reference::syncsPerSecond)), rs.get(0).description())));
    if (!memory.isEmpty()) {
      b.append("\n### Idle memory (fresh servers, after a full GC)\n\n| server | connections | heap B/conn |"
          + " RSS B/conn | streams | heap B/stream | RSS B/stream |\n|---|--:|--:|--:|--:|--:|--:|\n");
      for (IdleMemory.Result m : memory) {
        b.append(String.format(Locale.ROOT, "| %s | %d | %.0f | %.0f | %d | %.0f | %.0f |%n", m.server(),
            m.connections(), m.heapPerConnection(), m.rssPerConnection(), m.streams(), m.heapPerStream(),
            m.rssPerStream()));
      }
    }
    return b.toString();
  }

  /** Writes grpc-bench-STAMP.json, .md, -stream.png and -unary.png under {@code dir}. */
  Files write(Path dir, String stamp) throws IOException {
    java.nio.file.Files.createDirectories(dir);
    Path json = dir.resolve("grpc-bench-" + stamp + ".json");
    Path md = dir.resolve("grpc-bench-" + stamp + ".md");
    Map<String, Object> doc = new LinkedHashMap<>();
    Map<String, String> env = new LinkedHashMap<>();
    environment.forEach(e -> env.put(e[0], e[1]));
    doc.put("environment", env);
    doc.put("targets", targets());
    doc.put("summaries", summaries());
    doc.put("references", references);
    doc.put("idle_memory", memory);
    doc.put("runs", runs);
    java.nio.file.Files.writeString(json, GSON.toJson(doc));
    java.nio.file.Files.writeString(md, markdown());
    List<Path> charts = new ArrayList<>();
    charts.add(chart(dir.resolve("grpc-bench-" + stamp + "-stream.png"), stream()));
    charts.add(chart(dir.resolve("grpc-bench-" + stamp + "-unary.png"), unaryMax()));
    return new Files(json, md, charts);
  }

  private Path chart(Path png, String load) throws IOException {
    List<Chart.Series> series = new ArrayList<>();
    for (String target : List.of("floor", "discard", "file_interval", "file_always", "remote")) {
      List<Chart.Point> points = new ArrayList<>();
      for (int size : options.sizes()) {
        List<GrpcRun> rs = runs.stream().filter(run(target, load, size)).toList();
        if (!rs.isEmpty()) {
          points.add(new Chart.Point(size, median(rs, GrpcRun::megabytesPerSecond)));
        }
      }
      if (!points.isEmpty()) {
        series.add(new Chart.Series(target.equals("floor") ? "floor (bare grpc-java)" : "gateway → " + target, points));
      }
    }
    double loopback = medianRef(references.stream().filter(r -> r.name().equals("loopback")).toList(),
        Reference::megabytesPerSecond);
    if (Double.isFinite(loopback)) {
      List<Chart.Point> line = new ArrayList<>();
      for (int size : options.sizes()) {
        line.add(new Chart.Point(size, loopback));
      }
      series.add(new Chart.Series("loopback bandwidth (physical limit)", line));
    }
    Chart.writePng(png, "Throughput by record size, sinkctl " + load + " (MB/s, medians)", series);
    return png;
  }

  static String size(int bytes) {
    if (bytes >= 1 << 20 && bytes % (1 << 20) == 0) {
      return (bytes >> 20) + " MiB";
    }
    if (bytes >= 1024 && bytes % 1024 == 0) {
      return (bytes >> 10) + " KiB";
    }
    return bytes + " B";
  }

  private static String fmt(double x) {
    if (Double.isNaN(x)) {
      return "–";
    }
    return Math.abs(x) >= 100 ? String.format(Locale.ROOT, "%.0f", x) : String.format(Locale.ROOT, "%.3g", x);
  }

  private static double median(List<GrpcRun> rs, ToDoubleFunction<GrpcRun> f) {
    List<Double> xs = new ArrayList<>();
    rs.forEach(r -> xs.add(f.applyAsDouble(r)));
    return median(xs);
  }

  private static double medianRef(List<Reference> rs, ToDoubleFunction<Reference> f) {
    List<Double> xs = new ArrayList<>();
    rs.forEach(r -> xs.add(f.applyAsDouble(r)));
    return median(xs);
  }

  static double median(List<Double> xs) {
    List<Double> s = xs.stream().filter(Double::isFinite).sorted().toList();
    if (s.isEmpty()) {
      return Double.NaN;
    }
    int n = s.size();
    return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
  }

  private static double min(List<Double> xs) {
    return xs.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
  }

  private static double max(List<Double> xs) {
    return xs.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
  }
}
