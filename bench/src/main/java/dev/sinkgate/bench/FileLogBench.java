package dev.sinkgate.bench;

import dev.sinkgate.server.log.FileLog;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.FileStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * Issue 4's figures: records/s and MB/s of the file route with {@code fsync: always} at
 * several concurrent writer counts, each beside a baseline measured in the same run on
 * the same disk, a plain loop that appends the same bytes per record and forces once per
 * batch of the group size the sink just reached. See {@code bench/README.md}.
 *
 * <p>For every pair and writer count: a sink run, then a raw run with the batch that sink
 * run measured; so sink and raw alternate and drift of a shared, noisy disk shows in
 * every pair rather than in one side. Each run starts on a fresh file or log, which is
 * deleted afterwards.
 */
public final class FileLogBench {
  /** Distinct payloads each writer cycles through; random, so nothing compresses them. */
  private static final int PAYLOADS = 64;

  private final BenchOptions options;
  private final PrintStream progress;
  private final List<RunResult> runs = new ArrayList<>();
  private Path workDir;
  private int runNumber;

  FileLogBench(BenchOptions options, PrintStream progress) {
    this.options = options;
    this.progress = progress;
  }

  public static void main(String[] args) throws Exception {
    Path target = Path.of(System.getProperty("sinkgate.bench.target", "target"));
    BenchOptions options;
    try {
      options = BenchOptions.parse(args, target);
    } catch (IllegalArgumentException e) {
      System.err.println("bench-filelog: " + e.getMessage());
      System.err.print(BenchOptions.USAGE);
      System.exit(2);
      return;
    }
    if (options == null) {
      System.out.print(BenchOptions.USAGE);
      return;
    }
    BenchResult result = new FileLogBench(options, System.err).run();
    Files.createDirectories(options.json().toAbsolutePath().getParent());
    Files.writeString(options.json(), BenchReport.json(result));
    System.out.print(BenchReport.markdown(result));
    System.err.println("bench-filelog: every run is in " + options.json());
  }

  /** Runs the warm-up and every pair; deletes what it wrote before it returns. */
  BenchResult run() throws IOException, InterruptedException {
    Files.createDirectories(options.dir());
    workDir = Files.createTempDirectory(options.dir(), "filelog-bench-");
    try {
      SplittableRandom random = new SplittableRandom(4);
      List<byte[]> payloads = new ArrayList<>();
      for (int i = 0; i < PAYLOADS; i++) {
        byte[] b = new byte[options.recordBytes()];
        random.nextBytes(b);
        payloads.add(b);
      }
      int frameBytes = frameBytes(payloads.get(0));
      byte[] rawContent = new byte[PAYLOADS * frameBytes];
      random.nextBytes(rawContent);
      List<String[]> environment = environment(frameBytes);
      progress.println("bench-filelog: " + describe(environment));

      if (!options.warmup().isZero()) {
        Duration slice = options.warmup().dividedBy(2L * options.writers().size());
        for (int writers : options.writers()) {
          RunResult sink = sinkRun("warmup", 0, writers, payloads, Duration.ZERO, slice);
          rawRun("warmup", 0, writers, batchFor(sink), frameBytes, rawContent, Duration.ZERO, slice);
        }
      }
      for (int pair = 1; pair <= options.pairs(); pair++) {
        boolean batchOfOne = false;
        for (int writers : options.writers()) {
          RunResult sink = sinkRun("measured", pair, writers, payloads, options.runWarmup(), options.duration());
          int batch = batchFor(sink);
          batchOfOne |= batch == 1;
          rawRun("measured", pair, writers, batch, frameBytes, rawContent, options.runWarmup(), options.duration());
        }
        if (!batchOfOne) {
          // No writer count gave groups of one: measure the disk's fsync rate on its own.
          rawRun("measured", pair, 0, 1, frameBytes, rawContent, options.runWarmup(), options.duration());
        }
      }
      List<Summary> summaries = options.writers().stream().map(n -> Summary.of(n, runs)).toList();
      double fsyncs = Summary.median(
          runs.stream().filter(r -> r.measured() && r.side().equals(RunResult.RAW) && r.batch() == 1).toList(),
          RunResult::syncsPerSecond);
      return new BenchResult(options, environment, frameBytes, runs, summaries, fsyncs);
    } finally {
      DiskReference.deleteTree(workDir);
    }
  }

  /** The raw batch that matches a sink run: its mean group size, rounded, at least 1. */
  static int batchFor(RunResult sink) {
    return (int) Math.max(1, Math.round(sink.recordsPerSync()));
  }

  private RunResult sinkRun(String phase, int pair, int writers, List<byte[]> payloads, Duration warmup,
      Duration duration) throws IOException, InterruptedException {
    Path dir = nextRunPath();
    Window window;
    try (FileLogSinkWorkload w = FileLogSinkWorkload.start(dir, writers, payloads)) {
      window = Window.measure(w, warmup, duration);
    } finally {
      DiskReference.deleteTree(dir);
    }
    return record(new RunResult(phase, pair, writers, RunResult.SINK, 0, options.recordBytes(), window));
  }

  private RunResult rawRun(String phase, int pair, int writers, int batch, int frameBytes, byte[] content,
      Duration warmup, Duration duration) throws IOException, InterruptedException {
    Path file = nextRunPath();
    Window window;
    try (RawAppendWorkload w = RawAppendWorkload.start(file, batch, frameBytes, content)) {
      window = Window.measure(w, warmup, duration);
    } finally {
      Files.deleteIfExists(file);
    }
    return record(new RunResult(phase, pair, writers, RunResult.RAW, batch, options.recordBytes(), window));
  }

  private Path nextRunPath() {
    return workDir.resolve(String.format("run-%03d", ++runNumber));
  }

  private RunResult record(RunResult r) {
    runs.add(r);
    String what = r.side().equals(RunResult.SINK)
        ? String.format("sink %2d writers", r.writers())
        : String.format("raw  batch %4d", r.batch());
    progress.printf("bench-filelog: %-8s pair %d  %-16s %9.0f rec/s %8.2f MB/s %7.0f fsync/s %7.2f rec/fsync"
        + " %6.1f CPU us/rec  load %.1f%n", r.phase(), r.pair(), what, r.recordsPerSecond(), r.megabytesPerSecond(),
        r.syncsPerSecond(), r.recordsPerSync(), r.cpuMicrosPerRecord(), r.window().loadAverage());
    return r;
  }

  private int frameBytes(byte[] payload) throws IOException {
    return DiskReference.frameBytes(nextRunPath(), payload);
  }

  private List<String[]> environment(int frameBytes) throws IOException {
    FileStore store = Files.getFileStore(workDir);
    return List.of(
        new String[] {"directory", workDir.toAbsolutePath().toString()},
        new String[] {"file system", store.type() + " on " + store.name()},
        new String[] {"cpus", Integer.toString(Runtime.getRuntime().availableProcessors())},
        new String[] {"java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version")},
        new String[] {"os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
            + System.getProperty("os.arch")},
        new String[] {"record", options.recordBytes() + " B payload, " + frameBytes + " B on disk"});
  }

  private static String describe(List<String[]> environment) {
    StringBuilder b = new StringBuilder();
    for (String[] e : environment) {
      if (b.length() > 0) {
        b.append("; ");
      }
      b.append(e[0]).append(' ').append(e[1]);
    }
    return b.toString();
  }
}
