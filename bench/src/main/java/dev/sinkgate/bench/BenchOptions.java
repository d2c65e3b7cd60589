package dev.sinkgate.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;

/**
 * The settings of one {@link FileLogBench} run, parsed from its command line.
 *
 * @param dir where the logs and baseline files are written: a fresh directory is created
 *     in it and deleted at the end, so this is the disk that is measured
 * @param json where every run is written as JSON
 * @param writers the concurrent writer counts to measure, in order
 * @param pairs how many sink/raw pairs per writer count; medians are taken over these
 * @param warmup the warm-up before the first pair, spread over every writer count; not reported
 * @param runWarmup how long each run goes before its counted window starts
 * @param duration each run's counted window
 * @param recordBytes the payload of one record
 */
record BenchOptions(Path dir, Path json, List<Integer> writers, int pairs, Duration warmup,
    Duration runWarmup, Duration duration, int recordBytes) {

  static final String USAGE = """
      Usage: bin/bench-filelog [--quick] [--dir DIR] [--json FILE] [--writers 1,8,64] [--pairs 3]
                               [--warmup 15s] [--run-warmup 2s] [--duration 10s] [--record-bytes 1024]

      Measures the file route (FileLogSink, fsync always) against a raw append + force loop
      on the same disk, alternating sink and raw for each writer count (bench/README.md).

        --dir DIR            the disk to measure: the runs write in a fresh directory under DIR,
                             deleted at the end (default: bench/target)
        --json FILE          every run as JSON (default: bench/target/filelog-bench-TIMESTAMP.json)
        --writers LIST       concurrent writers, comma-separated (default: 1,8,64)
        --pairs N            sink/raw pairs per writer count, >= 1; medians over these (default: 3)
        --warmup T           warm-up before the first pair, not reported (default: 15s)
        --run-warmup T       uncounted start of every run (default: 2s)
        --duration T         counted time of every run (default: 10s)
        --record-bytes N     payload bytes per record (default: 1024)
        --quick              a smoke run: 1 pair, 1s warm-up, 0.2s run warm-up, 1s runs
                             (options after it still apply); its numbers are not for quoting

      Times are like 15s, 500ms, 2m or a number of seconds.
      """;

  BenchOptions {
    writers = List.copyOf(writers);
    if (writers.isEmpty()) {
      throw new IllegalArgumentException("--writers: empty (expected: at least one count, e.g. 1,8,64)");
    }
    for (int n : writers) {
      if (n < 1 || n > 4096) {
        throw new IllegalArgumentException("--writers: " + n + " (expected: 1 to 4096)");
      }
    }
    if (writers.stream().distinct().count() < writers.size()) {
      throw new IllegalArgumentException("--writers: " + writers + " (expected: each count once)");
    }
    if (pairs < 1) {
      throw new IllegalArgumentException("--pairs: " + pairs + " (expected: >= 1)");
    }
    if (duration.isZero() || duration.isNegative()) {
      throw new IllegalArgumentException("--duration: " + duration + " (expected: > 0)");
    }
    if (warmup.isNegative() || runWarmup.isNegative()) {
      throw new IllegalArgumentException("--warmup/--run-warmup: negative (expected: >= 0)");
    }
    if (recordBytes < 1 || recordBytes > 16 << 20) {
      throw new IllegalArgumentException("--record-bytes: " + recordBytes + " (expected: 1 to 16777216)");
    }
  }

  /**
   * Parses a command line; null for {@code --help}. Without {@code --dir} and
   * {@code --json}, everything goes under {@code target} (the bench module's build directory).
   *
   * @throws IllegalArgumentException naming the option, what was given and what was expected
   */
  static BenchOptions parse(String[] args, Path target) {
    Path dir = target;
    String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
    Path json = target.resolve("filelog-bench-" + stamp + ".json");
    List<Integer> writers = List.of(1, 8, 64);
    int pairs = 3;
    Duration warmup = Duration.ofSeconds(15);
    Duration runWarmup = Duration.ofSeconds(2);
    Duration duration = Duration.ofSeconds(10);
    int recordBytes = 1024;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      switch (arg) {
        case "-h", "--help" -> {
          return null;
        }
        case "--quick" -> {
          pairs = 1;
          warmup = Duration.ofSeconds(1);
          runWarmup = Duration.ofMillis(200);
          duration = Duration.ofSeconds(1);
        }
        case "--dir" -> dir = Path.of(OptionValues.value(args, ++i, arg));
        case "--json" -> json = Path.of(OptionValues.value(args, ++i, arg));
        case "--writers" -> writers = OptionValues.intList(OptionValues.value(args, ++i, arg), arg);
        case "--pairs" -> pairs = OptionValues.integer(OptionValues.value(args, ++i, arg), arg);
        case "--warmup" -> warmup = OptionValues.duration(OptionValues.value(args, ++i, arg), arg);
        case "--run-warmup" -> runWarmup = OptionValues.duration(OptionValues.value(args, ++i, arg), arg);
        case "--duration" -> duration = OptionValues.duration(OptionValues.value(args, ++i, arg), arg);
        case "--record-bytes" -> recordBytes = OptionValues.integer(OptionValues.value(args, ++i, arg), arg);
        default -> throw new IllegalArgumentException(arg + ": unknown option (expected one of those in --help)");
      }
    }
    return new BenchOptions(dir, json, writers, pairs, warmup, runWarmup, duration, recordBytes);
  }
}
