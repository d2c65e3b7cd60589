package dev.sinkgate.cli;

import dev.sinkgate.client.RetryPolicy;
import dev.sinkgate.client.SinkClient;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code sinkctl bench}: a bounded load generator that reports throughput and latency percentiles. */
@Command(name = "bench",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    header = "Generate load and report throughput and latency percentiles.",
    description = {
        "Sends records of --size random bytes to a sink until --count records were sent or --duration"
            + " passed (10s if neither is given), then prints records/s, MB/s and latency percentiles"
            + " (p50, p90, p99, p99.9, max) as a table, or as JSON with --output json.",
        "With --rate, records are due at fixed times (an open loop) and latency counts from when a record"
            + " was due, so a stall shows in the percentiles instead of being hidden (no coordinated omission).",
        "Nothing is retried: failures are counted by status code, and the exit code is that of the status"
            + " that failed the most records (0 if none failed). On a terminal, a progress line on stderr."},
    footerHeading = "%nExamples:%n",
    footer = {
        "  sinkctl bench --sink trash --count 100000                      # as fast as it goes, 4 workers",
        "  sinkctl bench --sink audit --rate 2000 --duration 30s --size 512",
        "  sinkctl bench --sink audit --mode stream --concurrency 2 --output json"})
final class BenchCommand implements Callable<Integer> {
  private final StdIo io;

  @Spec
  private CommandSpec spec;

  @Mixin
  private ConnectionOptions connection;

  @Option(names = {"-s", "--sink"}, paramLabel = "SINK", defaultValue = "default",
      description = "The sink (route) to load. Default: ${DEFAULT-VALUE}.")
  private String sink;

  @Option(names = "--rate", paramLabel = "N", defaultValue = "0",
      description = "Records per second over all workers; 0 = as fast as possible. Default: ${DEFAULT-VALUE}.")
  private double rate;

  @Option(names = {"-c", "--concurrency"}, paramLabel = "N", defaultValue = "4",
      description = "Workers, each with one call or one stream at a time. Default: ${DEFAULT-VALUE}.")
  private int concurrency;

  @Option(names = "--size", paramLabel = "BYTES", defaultValue = "100",
      description = "Bytes per record. Default: ${DEFAULT-VALUE}.")
  private int size;

  @Option(names = {"-n", "--count"}, paramLabel = "N", description = "Stop after N records.")
  private Long count;

  @Option(names = {"-d", "--duration"}, paramLabel = "DURATION", converter = DurationConverter.class,
      description = "Stop sending after this long (e.g. 30s, 2m). Default: 10s unless --count is given.")
  private Duration duration;

  @Option(names = "--mode", paramLabel = "MODE", defaultValue = "unary",
      description = "unary (one Write call per record) or stream (one WriteStream per worker). Default: ${DEFAULT-VALUE}.")
  private Bench.Mode mode;

  @Option(names = "--window", paramLabel = "N", defaultValue = "1024",
      description = "Stream mode: records in flight per stream. Default: ${DEFAULT-VALUE}.")
  private int window;

  @Option(names = "--no-progress", description = "No progress line, even on a terminal.")
  private boolean noProgress;

  BenchCommand(StdIo io) {
    this.io = io;
  }

  @Override
  public Integer call() throws InterruptedException {
    Bench.Settings settings = settings();
    String target = connection.target(io);
    Progress progress = Progress.on(io, !noProgress);
    BenchResult result;
    // No retries: a benchmark counts failures instead of hiding them in latency.
    try (SinkClient client = connection.connect(io, RetryPolicy.none())) {
      result = new Bench(settings, client, io.nanoTime()).run(Progress.DEFAULT_INTERVAL, s -> {
        if (progress.due()) {
          progress.draw(BenchReport.progress(s));
        }
      });
    } finally {
      progress.clear();
    }
    if (connection.output == OutputFormat.JSON) {
      io.out().println(BenchReport.json(result, target));
    } else {
      io.out().print(BenchReport.text(result, target));
    }
    ExitCode code = result.exitCode();
    if (code != ExitCode.OK) {
      io.err().println("sinkctl: bench: " + result.failed() + " of " + result.records() + " records to sink '" + sink
          + "' at " + target + " failed: " + result.errors());
    }
    return code.code();
  }

  private Bench.Settings settings() {
    if (!(rate >= 0) || Double.isInfinite(rate)) {
      throw usage("--rate: " + rate + " (expected: >= 0 records per second, 0 for unlimited)");
    }
    if (concurrency < 1 || concurrency > 1024) {
      throw usage("--concurrency: " + concurrency + " (expected: 1 to 1024)");
    }
    if (size < 0 || size > WriteCommand.MAX_RECORD_BYTES) {
      throw usage("--size: " + size + " (expected: 0 to " + WriteCommand.MAX_RECORD_BYTES + " bytes)");
    }
    if (count != null && count < 1) {
      throw usage("--count: " + count + " (expected: >= 1)");
    }
    if (duration != null && (duration.isZero() || duration.isNegative())) {
      throw usage("--duration: " + duration + " (expected: > 0)");
    }
    if (window < 1) {
      throw usage("--window: " + window + " (expected: >= 1)");
    }
    Duration d = duration == null && count == null ? Duration.ofSeconds(10) : duration;
    return new Bench.Settings(sink, mode, rate, concurrency, size, count == null ? 0 : count, d, window);
  }

  private ParameterException usage(String message) {
    return new ParameterException(spec.commandLine(), message);
  }
}
