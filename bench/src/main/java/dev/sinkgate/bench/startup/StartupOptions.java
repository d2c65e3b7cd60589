package dev.sinkgate.bench.startup;

import dev.sinkgate.bench.OptionValues;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The settings of one {@link StartupBench} run, parsed from its command line.
 *
 * @param repo the repository: the gateway is {@code server/target/sinkgate-server.jar} + {@code lib/},
 *     the shipped flags {@code deploy/jvm.options}
 * @param dir scratch space: a fresh directory under it per bench run, deleted at the end
 * @param out where the JSON and Markdown results are written
 * @param runs cold starts per flag set (rounds); medians are over these
 * @param load each load phase (stream, then unary) after the idle reading
 * @param idle how long the gateway sits idle after SERVING before its idle RSS is read
 * @param maxRam the {@code -XX:MaxRAM} every gateway gets, standing in for a container's
 *     memory limit; empty for none
 * @param sets the built-in flag sets to measure, {@code defaults} first (the baseline)
 * @param custom further flag sets by name, each a list of JVM options
 * @param listener {@code uds}: the sidecar's listeners (Sink on a Unix socket, Health on a
 *     health-only TCP port); {@code tcp}: one TCP listener for both
 * @param warmup one unreported cold start first (warms the harness's own JVM and the page cache)
 */
record StartupOptions(Path repo, Path dir, Path out, int runs, Duration load, Duration idle, String maxRam,
    List<String> sets, Map<String, List<String>> custom, String listener, boolean warmup, String stamp) {

  static final String USAGE = """
      Usage: bin/bench-startup [--runs 7] [--load 5s] [--idle 3s] [--max-ram 256m]
                               [--sets defaults,shipped,g1,c1,cds,cds-c1,lean] [--set NAME=OPTS]...
                               [--listener uds|tcp] [--no-warmup] [--dir DIR] [--out DIR]

      Cold-starts the real gateway (server/target) N times per JVM flag set, with a
      sidecar-like config, and measures the time to the first SERVING health check, the
      idle RSS and heap, the peak RSS under load and the records/s reached (bench/README.md).

        --runs N        cold starts per flag set, >= 1; medians over these (default: 7)
        --load T        each load phase, stream c2 then unary c8, 1 KiB records (default: 5s)
        --idle T        idle time after SERVING before the idle RSS is read (default: 3s)
        --max-ram SIZE  -XX:MaxRAM of every gateway, the stand-in for a container memory
                        limit; 'none' for the machine's memory (default: 256m)
        --sets LIST     built-in flag sets (default: all): defaults (the JVM's own
                        ergonomics, the baseline, always measured), shipped
                        (@deploy/jvm.options), g1, c1, cds, cds-c1, lean (shipped
                        plus one change each, cds-c1 two; bench/README.md describes them)
        --set NAME=OPTS a further flag set, e.g. --set "parallel=-XX:+UseParallelGC"
        --listener L    uds: Sink on a Unix socket, Health on a health-only TCP listener (the
                        sidecar); tcp: one TCP listener for both (default: uds)
        --no-warmup     no unreported cold start first
        --dir DIR       scratch space (default: bench/target)
        --out DIR       startup-bench-TIMESTAMP.{json,md} (default: bench/target)

      Times are like 5s, 500ms or a number of seconds.
      """;

  StartupOptions {
    sets = List.copyOf(sets);
    custom = new LinkedHashMap<>(custom);
    if (runs < 1) {
      throw new IllegalArgumentException("--runs: " + runs + " (expected: >= 1)");
    }
    if (load.isZero() || load.isNegative()) {
      throw new IllegalArgumentException("--load: " + load + " (expected: > 0)");
    }
    if (idle.isNegative()) {
      throw new IllegalArgumentException("--idle: " + idle + " (expected: >= 0)");
    }
    if (!maxRam.isEmpty() && !maxRam.matches("\\d+[kKmMgG]?")) {
      throw new IllegalArgumentException("--max-ram: '" + maxRam + "' (expected: a size like 256m or 1g, or none)");
    }
    for (String s : sets) {
      if (!FlagSet.BUILT_IN.contains(s)) {
        throw new IllegalArgumentException("--sets: '" + s + "' (expected some of " + FlagSet.BUILT_IN + ")");
      }
    }
    for (String name : custom.keySet()) {
      if (!name.matches("[a-z0-9][a-z0-9_-]*") || FlagSet.BUILT_IN.contains(name)) {
        throw new IllegalArgumentException("--set: name '" + name + "' (expected: lower-case letters, digits, '-'"
            + " or '_', and not a built-in set's name)");
      }
    }
    if (!listener.equals("uds") && !listener.equals("tcp")) {
      throw new IllegalArgumentException("--listener: '" + listener + "' (expected: uds or tcp)");
    }
  }

  /** Parses a command line; null for {@code --help}. */
  static StartupOptions parse(String[] args, Path repo, Path target) {
    Path dir = target;
    Path out = target;
    int runs = 7;
    Duration load = Duration.ofSeconds(5);
    Duration idle = Duration.ofSeconds(3);
    String maxRam = "256m";
    List<String> sets = FlagSet.BUILT_IN;
    Map<String, List<String>> custom = new LinkedHashMap<>();
    String listener = "uds";
    boolean warmup = true;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      switch (arg) {
        case "-h", "--help" -> {
          return null;
        }
        case "--runs" -> runs = OptionValues.integer(OptionValues.value(args, ++i, arg), arg);
        case "--load" -> load = OptionValues.duration(OptionValues.value(args, ++i, arg), arg);
        case "--idle" -> idle = OptionValues.duration(OptionValues.value(args, ++i, arg), arg);
        case "--max-ram" -> {
          String v = OptionValues.value(args, ++i, arg);
          maxRam = v.equals("none") ? "" : v;
        }
        case "--sets" -> sets = List.of(OptionValues.value(args, ++i, arg).split(","));
        case "--set" -> {
          String v = OptionValues.value(args, ++i, arg);
          int eq = v.indexOf('=');
          if (eq < 1) {
            throw new IllegalArgumentException("--set: '" + v + "' (expected: NAME=JVM OPTIONS)");
          }
          custom.put(v.substring(0, eq), OptionValues.words(v.substring(eq + 1)));
        }
        case "--listener" -> listener = OptionValues.value(args, ++i, arg);
        case "--no-warmup" -> warmup = false;
        case "--dir" -> dir = Path.of(OptionValues.value(args, ++i, arg));
        case "--out" -> out = Path.of(OptionValues.value(args, ++i, arg));
        default -> throw new IllegalArgumentException(arg + ": unknown option (expected one of those in --help)");
      }
    }
    String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
    return new StartupOptions(repo, dir, out, runs, load, idle, maxRam, sets, custom, listener, warmup, stamp);
  }
}
