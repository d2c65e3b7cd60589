package dev.sinkgate.bench.startup;

import dev.sinkgate.bench.DiskReference;
import dev.sinkgate.bench.Jcmd;
import dev.sinkgate.bench.grpc.SinkctlLoad;
import dev.sinkgate.bench.grpc.SinkctlLoad.Load;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code bin/bench-startup}: start-up time and memory of the real gateway per JVM flag set
 * (bench/README.md, "Start-up and memory"). Every run is a fresh JVM with a sidecar-like
 * config (a file route that takes the load, a file route with the default fsync, a remote
 * route with a spool whose downstream is down). Each round cold-starts every flag set once,
 * starting with the next set each round, so drift on a shared machine hits all alike.
 */
public final class StartupBench {
  static final String START_LINE = "sinkgate: serving routes";
  static final String READY_LINE = "sinkgate: ready";
  static final String LOADED_ROUTE = "events";
  static final int RECORD_BYTES = 1024;
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

  private final StartupOptions options;
  private final PrintStream log;
  private final Path work;

  StartupBench(StartupOptions options, PrintStream log) throws IOException {
    this.options = options;
    this.log = log;
    Files.createDirectories(options.dir());
    this.work = Files.createTempDirectory(options.dir(), "startup-bench-");
  }

  public static void main(String[] args) throws Exception {
    Path repo = Path.of(System.getProperty("sinkgate.repo", ".")).toAbsolutePath().normalize();
    Path target = Path.of(System.getProperty("sinkgate.bench.target", "bench/target"));
    StartupOptions options;
    try {
      options = StartupOptions.parse(args, repo, target);
    } catch (IllegalArgumentException e) {
      System.err.println("bench-startup: " + e.getMessage());
      System.err.print(StartupOptions.USAGE);
      System.exit(2);
      return;
    }
    if (options == null) {
      System.out.print(StartupOptions.USAGE);
      return;
    }
    StartupResult result = new StartupBench(options, System.err).run();
    StartupResult.Files files = result.write(options.out(), options.stamp());
    System.out.print(result.markdown());
    System.err.println("bench-startup: wrote " + files.json() + " and " + files.markdown());
    if (!result.allOk()) {
      System.err.println("bench-startup: some runs failed (see their 'error')");
      System.exit(1);
    }
  }

  /** The flag sets of this run: {@code defaults} (the baseline) first, then the others asked for. */
  List<FlagSet> flagSets() {
    Path archive = work.resolve("cds/gateway.jsa");
    List<FlagSet> sets = new ArrayList<>();
    sets.add(FlagSet.builtIn("defaults", options.repo(), archive));
    for (String s : options.sets()) {
      if (!s.equals("defaults")) {
        sets.add(FlagSet.builtIn(s, options.repo(), archive));
      }
    }
    options.custom().forEach((name, opts) -> sets.add(new FlagSet(name, opts, false)));
    return sets;
  }

  /** Every round, then the result; the scratch directory is deleted at the end. */
  StartupResult run() throws IOException, InterruptedException {
    GatewayChild.checkBuilt(options.repo());
    List<FlagSet> sets = flagSets();
    List<StartupRun> runs = new ArrayList<>();
    try {
      // One archive serves every set that maps one: dumped with the first such set's flags.
      for (FlagSet s : sets) {
        if (s.needsArchive()) {
          dumpArchive(s);
          break;
        }
      }
      if (options.warmup()) {
        log.println("bench-startup: one unreported cold start (" + sets.get(0).name() + ") to warm up");
        StartupRun w = measure(sets.get(0), 0, Duration.ofSeconds(1));
        if (!w.ok()) {
          throw new IOException("the warm-up start failed: " + w.error());
        }
      }
      for (int r = 1; r <= options.runs(); r++) {
        for (int i = 0; i < sets.size(); i++) {
          FlagSet s = sets.get((i + r - 1) % sets.size());
          StartupRun run = measure(s, r, options.load());
          runs.add(run);
          log.println(run.ok() ? String.format(Locale.ROOT, "bench-startup: run %d %-9s SERVING %5.0f ms, idle RSS"
              + " %5.1f MiB, heap %5.1f MiB, loaded peak %5.1f MiB, stream %6.0f/s, unary %6.0f/s", r, s.name(),
              run.servingMillis(), mib(run.idleRssBytes()), mib(run.idleHeapBytes()), mib(run.loadedPeakRssBytes()),
              run.streamRecordsPerSecond(), run.unaryRecordsPerSecond())
              : "bench-startup: run " + r + " " + s.name() + " FAILED: " + run.error());
        }
      }
    } finally {
      DiskReference.deleteTree(work);
    }
    return new StartupResult(options, sets, runs, StartupResult.Environment.here());
  }

  /** One cold start, idle reading and load; a failure is recorded in the run, not thrown. */
  private StartupRun measure(FlagSet set, int round, Duration load) throws IOException, InterruptedException {
    Path dir = Files.createDirectories(work.resolve("r" + round + "-" + set.name()));
    Launch launch = launch(dir);
    List<String> jvm = jvmOptions(set.options());
    try (GatewayChild g = GatewayChild.start(GatewayChild.command(options.repo(), jvm, launch.args()), dir, "gateway")) {
      try {
        HealthProbe.Times t = HealthProbe.await(g, launch.healthPort(), START_TIMEOUT.toNanos());
        double startCpu = g.stats().cpuSeconds();
        Thread.sleep(options.idle().toMillis()); // the idle period being measured, not a wait for an event
        long idleRss = g.stats().rssBytes();
        long heap = Jcmd.heapUsedAfterGc(g.pid());
        boolean reset = g.stats().resetPeak();
        double cpu0 = g.stats().cpuSeconds();
        SinkctlLoad.Result stream = SinkctlLoad.run(launch.address(), LOADED_ROUTE, Load.stream(2), RECORD_BYTES, load);
        double cpu1 = g.stats().cpuSeconds();
        SinkctlLoad.Result unary = SinkctlLoad.run(launch.address(), LOADED_ROUTE, Load.unary(8), RECORD_BYTES, load);
        double cpu2 = g.stats().cpuSeconds();
        long peak = g.stats().peakRssBytes();
        long start = g.lineAt(START_LINE);
        long ready = g.lineAt(READY_LINE);
        int exit = g.stop();
        return new StartupRun(set.name(), round, millis(t.listeningNanos()), start < 0 ? null : millis(start),
            millis(t.servingNanos()), ready < 0 ? null : millis(ready), startCpu, idleRss, heap, peak, reset,
            stream.recordsPerSecond(), unary.recordsPerSecond(), perRecord(cpu1 - cpu0, stream.ok()),
            perRecord(cpu2 - cpu1, unary.ok()), stream.failed() + unary.failed(), exit, null);
      } catch (IOException | RuntimeException e) {
        return StartupRun.failed(set.name(), round, e.getMessage() + (g.alive() ? "" : "; stderr: " + g.stderr()));
      }
    }
  }

  /** Dumps the set's CDS archive: one start with the set's flags, a short load (so the classes it uses are in), SIGTERM. */
  private void dumpArchive(FlagSet set) throws IOException, InterruptedException {
    Path archive = work.resolve("cds/gateway.jsa");
    Files.createDirectories(archive.getParent());
    Path dir = Files.createDirectories(work.resolve("cds/dump"));
    log.println("bench-startup: dumping the CDS archive for '" + set.name() + "' (one start, 1 s of each load)");
    Launch launch = launch(dir);
    try (GatewayChild g = GatewayChild.start(GatewayChild.command(options.repo(),
        jvmOptions(set.archiveOptions(archive)), launch.args()), dir, "gateway")) {
      HealthProbe.await(g, launch.healthPort(), START_TIMEOUT.toNanos());
      SinkctlLoad.run(launch.address(), LOADED_ROUTE, Load.stream(2), RECORD_BYTES, Duration.ofSeconds(1));
      SinkctlLoad.run(launch.address(), LOADED_ROUTE, Load.unary(8), RECORD_BYTES, Duration.ofSeconds(1));
      int exit = g.stop();
      if (!Files.isRegularFile(archive)) {
        throw new IOException("no CDS archive at " + archive + " after the dump run (exit " + exit + "): "
            + g.stderr());
      }
    }
  }

  private List<String> jvmOptions(List<String> setOptions) {
    List<String> jvm = new ArrayList<>();
    if (!options.maxRam().isEmpty()) {
      jvm.add("-XX:MaxRAM=" + options.maxRam());
    }
    jvm.addAll(setOptions);
    return jvm;
  }

  /** How one gateway is started and reached: its command-line arguments, Sink address and health port. */
  record Launch(List<String> args, String address, int healthPort) {}

  /** A sidecar-like config in {@code dir} and the listeners of {@link StartupOptions#listener()}. */
  private Launch launch(Path dir) throws IOException {
    int health = freePort();
    Path config = dir.resolve("sidecar.yaml");
    Files.writeString(config, sidecarConfig(dir, freePort()));
    List<String> args = new ArrayList<>(List.of("serve", "--config", config.toString(), "--drain-timeout", "10s",
        "--metrics-listen", "127.0.0.1:0"));
    if (options.listener().equals("uds")) {
      Path socket = dir.resolve("sink.sock");
      args.addAll(List.of("--listen", "unix://" + socket, "--health-listen", "127.0.0.1:" + health));
      return new Launch(args, "unix://" + socket, health);
    }
    args.addAll(List.of("--listen", "127.0.0.1:" + health));
    return new Launch(args, "127.0.0.1:" + health, health);
  }

  /**
   * The routes of a sidecar: {@code events} (a file log synced every second, which takes the
   * load), {@code audit} (a file log with the default, fsync before every ack) and
   * {@code upstream} (a remote route with a spool, to a port nobody listens on: the
   * aggregator is down, so records would wait in the spool).
   */
  static String sidecarConfig(Path dir, int deadPort) {
    return "sinks:\n"
        + "  events: { type: file, path: \"" + dir.resolve("events") + "\", fsync: interval, fsync_interval: 1s,"
        + " retention_bytes: 256MiB }\n"
        + "  audit: { type: file, path: \"" + dir.resolve("audit") + "\" }\n"
        + "  upstream: { type: remote, targets: [\"127.0.0.1:" + deadPort + "\"], sink: events,"
        + " spool: { path: \"" + dir.resolve("spool") + "\", max_bytes: 64MiB } }\n";
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static double perRecord(double cpuSeconds, long records) {
    return records == 0 ? Double.NaN : cpuSeconds * 1e6 / records;
  }

  private static double millis(long nanos) {
    return nanos / 1e6;
  }

  static double mib(long bytes) {
    return bytes / (1024.0 * 1024.0);
  }
}
