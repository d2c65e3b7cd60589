package dev.sinkgate.bench.grpc;

import dev.sinkgate.bench.OptionValues;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;

/**
 * The settings of one {@link GrpcBench} run, parsed from its command line.
 *
 * @param dir scratch directory: the servers' logs, file routes and h2load bodies go in a
 *     fresh directory under it, deleted at the end (so it is also the disk measured)
 * @param out where the JSON, Markdown and PNG results are written
 * @param sizes record sizes in bytes
 * @param concurrencies unary closed-loop concurrencies
 * @param streams concurrent streams in the streaming load
 * @param pairs rounds over every case; medians are taken over these
 * @param warmup per server, before the first round, not reported
 * @param runWarmup the same load, uncounted, just before each counted run (a new connection
 *     and, for the load generator, a new shape of load each time)
 * @param duration each run's counted time
 * @param targets which servers to measure (floor is always measured: every ratio needs it)
 * @param h2load also load with h2load (floor, gateway and the interop peers)
 * @param streamMessages records per h2load WriteStream call
 * @param idleStreams streams held open for the idle-memory measurement (0 skips it)
 * @param idleConnections connections held open for the idle-memory measurement
 * @param serverJvm JVM options of every server process (the same for all of them)
 */
record GrpcBenchOptions(Path dir, Path out, List<Integer> sizes, List<Integer> concurrencies, int streams, int pairs,
    Duration warmup, Duration runWarmup, Duration duration, List<String> targets, boolean h2load, int streamMessages, int idleStreams, int idleConnections,
    List<String> serverJvm, String stamp) {

  static final List<String> ALL_TARGETS = List.of("discard", "file_always", "file_interval", "remote");

  static final String USAGE = """
      Usage: bin/bench-grpc [--quick] [--dir DIR] [--out DIR] [--sizes 100,1024,65536,1048576]
                            [--concurrency 1,8,64] [--streams 2] [--pairs 3] [--warmup 15s]
                            [--run-warmup 1s] [--duration 3s] [--targets discard,file_always,file_interval,remote]
                            [--no-h2load] [--stream-messages 1000] [--idle-streams 2000] [--idle-connections 200]
                            [--server-jvm "-Xms64m -Xmx1g"]

      Measures the gateway against a bare grpc-java server (the floor) and the machine's
      loopback and disk, in one run, as ratios (bench/README.md).

        --dir DIR            scratch space (servers, file routes); also the disk measured
                             (default: bench/target)
        --out DIR            results: grpc-bench-TIMESTAMP.{json,md} and .png charts
                             (default: bench/target)
        --sizes LIST         record sizes in bytes (default: 100,1024,65536,1048576)
        --concurrency LIST   unary closed-loop concurrencies (default: 1,8,64)
        --streams N          concurrent streams of the streaming load (default: 2)
        --pairs N            rounds over every case, >= 1; medians over these (default: 3); each
                             round starts with the next target, so none is always first
        --warmup T           per server before the first round, not reported (default: 15s)
        --run-warmup T       the same load, uncounted, before each run (default: 1s)
        --duration T         counted time of each run (default: 3s)
        --targets LIST       gateway cases besides the floor (default: all of
                             discard,file_always,file_interval,remote)
        --no-h2load          skip the h2load runs (floor, gateway and the interop peers)
        --stream-messages N  records per h2load WriteStream call (default: 1000)
        --idle-streams N     idle streams for the memory-per-stream figure, 0 to skip
                             (default: 2000)
        --idle-connections N idle connections for the memory-per-connection figure (default: 200)
        --server-jvm OPTS    JVM options of every server process (default: -Xmx1g)
        --quick              a smoke run: 1 pair, sizes 100 and 65536, concurrency 8, 1s
                             warm-up, 0.2s + 1s runs, 100 records per h2load stream, 100 idle streams
                             and 20 connections (options after
                             it still apply); its numbers are not for quoting

      Times are like 15s, 500ms, 2m or a number of seconds.
      """;

  GrpcBenchOptions {
    sizes = List.copyOf(sizes);
    concurrencies = List.copyOf(concurrencies);
    targets = List.copyOf(targets);
    serverJvm = List.copyOf(serverJvm);
    for (int s : sizes) {
      if (s < 1 || s > 4 << 20) {
        throw new IllegalArgumentException("--sizes: " + s + " (expected: 1 to 4194304 bytes)");
      }
    }
    for (int c : concurrencies) {
      if (c < 1 || c > 1024) {
        throw new IllegalArgumentException("--concurrency: " + c + " (expected: 1 to 1024)");
      }
    }
    for (String t : targets) {
      if (!ALL_TARGETS.contains(t)) {
        throw new IllegalArgumentException("--targets: '" + t + "' (expected some of " + ALL_TARGETS + ")");
      }
    }
    if (sizes.isEmpty() || concurrencies.isEmpty()) {
      throw new IllegalArgumentException("--sizes/--concurrency: empty (expected: at least one value)");
    }
    if (streams < 1 || streams > 64) {
      throw new IllegalArgumentException("--streams: " + streams + " (expected: 1 to 64)");
    }
    if (pairs < 1) {
      throw new IllegalArgumentException("--pairs: " + pairs + " (expected: >= 1)");
    }
    if (duration.isZero() || duration.isNegative() || warmup.isNegative() || runWarmup.isNegative()) {
      throw new IllegalArgumentException("--duration: " + duration + ", --warmup: " + warmup
          + " (expected: duration > 0, warm-up >= 0)");
    }
    if (streamMessages < 1) {
      throw new IllegalArgumentException("--stream-messages: " + streamMessages + " (expected: >= 1)");
    }
    if (idleStreams < 0 || idleConnections < 0) {
      throw new IllegalArgumentException("--idle-streams/--idle-connections: negative (expected: >= 0)");
    }
  }

  /** Parses a command line; null for {@code --help}. Defaults put everything under {@code target}. */
  static GrpcBenchOptions parse(String[] args, Path target) {
    Path dir = target;
    Path out = target;
    List<Integer> sizes = List.of(100, 1024, 65536, 1048576);
    List<Integer> concurrencies = List.of(1, 8, 64);
    int streams = 2;
    int pairs = 3;
    Duration warmup = Duration.ofSeconds(15);
    Duration runWarmup = Duration.ofSeconds(1);
    Duration duration = Duration.ofSeconds(3);
    List<String> targets = ALL_TARGETS;
    boolean h2load = true;
    int streamMessages = 1000;
    int idleStreams = 2000;
    int idleConnections = 200;
    List<String> jvm = List.of("-Xmx1g");
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      switch (arg) {
        case "-h", "--help" -> {
          return null;
        }
        case "--quick" -> {
          pairs = 1;
          sizes = List.of(100, 65536);
          concurrencies = List.of(8);
          warmup = Duration.ofSeconds(1);
          runWarmup = Duration.ofMillis(200);
          duration = Duration.ofSeconds(1);
          streamMessages = 100;
          idleStreams = 100;
          idleConnections = 20;
        }
        case "--dir" -> dir = Path.of(OptionValues.value(args, ++i, arg));
        case "--out" -> out = Path.of(OptionValues.value(args, ++i, arg));
        case "--sizes" -> sizes = OptionValues.intList(OptionValues.value(args, ++i, arg), arg);
        case "--concurrency" -> concurrencies = OptionValues.intList(OptionValues.value(args, ++i, arg), arg);
        case "--streams" -> streams = OptionValues.integer(OptionValues.value(args, ++i, arg), arg);
        case "--pairs" -> pairs = OptionValues.integer(OptionValues.value(args, ++i, arg), arg);
        case "--warmup" -> warmup = OptionValues.duration(OptionValues.value(args, ++i, arg), arg);
        case "--run-warmup" -> runWarmup = OptionValues.duration(OptionValues.value(args, ++i, arg), arg);
        case "--duration" -> duration = OptionValues.duration(OptionValues.value(args, ++i, arg), arg);
        case "--targets" -> targets = List.of(OptionValues.value(args, ++i, arg).split(","));
        case "--no-h2load" -> h2load = false;
        case "--stream-messages" -> streamMessages = OptionValues.integer(OptionValues.value(args, ++i, arg), arg);
        case "--idle-streams" -> idleStreams = OptionValues.integer(OptionValues.value(args, ++i, arg), arg);
        case "--idle-connections" -> idleConnections = OptionValues.integer(OptionValues.value(args, ++i, arg), arg);
        case "--server-jvm" -> jvm = OptionValues.words(OptionValues.value(args, ++i, arg));
        default -> throw new IllegalArgumentException(arg + ": unknown option (expected one of those in --help)");
      }
    }
    String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
    return new GrpcBenchOptions(dir, out, sizes, concurrencies, streams, pairs, warmup, runWarmup, duration, targets, h2load,
        streamMessages, idleStreams, idleConnections, jvm, stamp);
  }
}
