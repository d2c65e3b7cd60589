package dev.sinkgate.bench.grpc;

import dev.sinkgate.bench.DiskReference;
import dev.sinkgate.bench.grpc.BenchServers.Target;
import dev.sinkgate.bench.grpc.SinkctlLoad.Load;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code bin/bench-grpc}: the gateway against the bare floor of its own stack and the
 * machine's physical limits, in one run (bench/README.md, "gRPC").
 *
 * <p>Every server is a child JVM with the same options; this JVM is the load generator
 * ({@code sinkctl bench} in-process, and h2load as a child). Each server is warmed up, then
 * every round ("pair") runs every (size, load) against every target in turn — floor first —
 * so drift on a shared machine hits all of them alike; medians are over rounds. Every run
 * is checked against the servers' own counters.
 */
public final class GrpcBench {
  private final GrpcBenchOptions options;
  private final PrintStream log;
  private final Path work;
  private final List<GrpcRun> runs = new ArrayList<>();
  private final List<GrpcResult.Reference> references = new ArrayList<>();
  private final List<IdleMemory.Result> memory = new ArrayList<>();

  GrpcBench(GrpcBenchOptions options, PrintStream log) throws IOException {
    this.options = options;
    this.log = log;
    Files.createDirectories(options.dir());
    this.work = Files.createTempDirectory(options.dir(), "grpc-bench-");
  }

  public static void main(String[] args) throws Exception {
    Path target = Path.of(System.getProperty("sinkgate.bench.target", "bench/target"));
    GrpcBenchOptions options;
    try {
      options = GrpcBenchOptions.parse(args, target);
    } catch (IllegalArgumentException e) {
      System.err.println("bench-grpc: " + e.getMessage());
      System.err.print(GrpcBenchOptions.USAGE);
      System.exit(2);
      return;
    }
    if (options == null) {
      System.out.print(GrpcBenchOptions.USAGE);
      return;
    }
    GrpcResult result = new GrpcBench(options, System.err).run();
    GrpcResult.Files files = result.write(options.out(), options.stamp());
    System.out.print(result.markdown());
    System.err.println("bench-grpc: wrote " + files.json() + ", " + files.markdown() + " and " + files.charts());
    if (!result.countersAllMatch()) {
      System.err.println("bench-grpc: some runs' server-side counters disagree with the generator (see 'counted')");
      System.exit(1);
    }
  }

  /** Runs everything and returns the result; the scratch directory is deleted at the end. */
  GrpcResult run() throws IOException, InterruptedException {
    try {
      try (BenchServers servers = BenchServers.start(work, options.serverJvm(), options.targets());
           PeerSet peers = new PeerSet()) {
        if (options.h2load() && H2Load.available()) {
          log.println("bench-grpc: starting the interop peers (Python and Node sinks) for h2load");
          peers.start(work.resolve("peers"));
        } else if (options.h2load()) {
          log.println("bench-grpc: h2load is not installed (Debian nghttp2-client): no h2load runs");
        }
        warmUp(servers);
        for (int pair = 1; pair <= options.pairs(); pair++) {
          round(pair, servers, peers.list());
        }
      }
      if (options.idleStreams() > 0 || options.idleConnections() > 0) {
        memory.addAll(IdleMemory.measure(work, options, log));
      }
      return new GrpcResult(options, environment(), runs, references, memory);
    } finally {
      DiskReference.deleteTree(work);
    }
  }

  /** The interop peers, started only when h2load runs; closes what it started. */
  private static final class PeerSet implements AutoCloseable {
    private final List<Peers.Peer> peers = new ArrayList<>();

    void start(Path dir) throws IOException, InterruptedException {
      Files.createDirectories(dir);
      for (Peers.Language language : Peers.Language.values()) {
        peers.add(Peers.start(language, dir));
      }
    }

    List<Peers.Peer> list() {
      return peers;
    }

    @Override
    public void close() throws InterruptedException {
      for (Peers.Peer p : peers) {
        p.close();
      }
    }
  }

  private void warmUp(BenchServers servers) {
    if (options.warmup().isZero()) {
      return;
    }
    Duration half = options.warmup().dividedBy(2);
    for (Target t : servers.targets()) {
      log.printf(Locale.ROOT, "bench-grpc: warming up %s for %s%n", t.name(), options.warmup());
      SinkctlLoad.run(t.entry().address(), t.route(), Load.unary(8), 1024, half);
      SinkctlLoad.run(t.entry().address(), t.route(), Load.stream(options.streams()), 1024, half);
    }
  }

  private List<Load> loads() {
    List<Load> loads = new ArrayList<>();
    for (int c : options.concurrencies()) {
      loads.add(Load.unary(c));
    }
    loads.add(Load.stream(options.streams()));
    return loads;
  }

  private void round(int pair, BenchServers servers, List<Peers.Peer> peers)
      throws IOException, InterruptedException {
    // Each round starts with the next target, so that none is always the first run after
    // the load changes shape.
    List<Target> order = new ArrayList<>(servers.targets());
    java.util.Collections.rotate(order, -((pair - 1) % order.size()));
    for (int size : options.sizes()) {
      for (Load load : loads()) {
        for (Target t : order) {
          measure(pair, t, load, size);
        }
      }
    }
    latencyAtHalfRate(pair, servers);
    disk(pair, servers);
    double loopback = LoopbackBandwidth.measure(options.duration(), 1 << 20);
    references.add(new GrpcResult.Reference(pair, "loopback", "Java socket pair over 127.0.0.1, 1 MiB writes",
        loopback / 1e6, Double.NaN, Double.NaN));
    log.printf(Locale.ROOT, "bench-grpc: pair %d: loopback %.0f MB/s%n", pair, loopback / 1e6);
    if (options.h2load() && H2Load.available()) {
      H2LoadCases.round(pair, H2LoadCases.targets(servers, peers), options, work, runs, log);
    }
  }

  /** The floor's and the gateway's unary latency at half the rate the floor reached in this round. */
  private void latencyAtHalfRate(int pair, BenchServers servers) {
    int size = options.sizes().get(0);
    int c = options.concurrencies().stream().mapToInt(Integer::intValue).max().orElseThrow();
    GrpcRun floorMax = find(pair, "sinkctl", "floor", Load.unary(c).label(), size);
    Target discard = servers.target("discard");
    if (floorMax == null || discard == null || floorMax.recordsPerSecond() <= 0) {
      return;
    }
    Load half = Load.unary(c).atRate(floorMax.recordsPerSecond() / 2);
    measure(pair, servers.target("floor"), half, size);
    measure(pair, discard, half, size);
  }

  /**
   * The disk's limits in this round: the raw append + fdatasync loop at the group size the
   * {@code fsync: always} route reached with the most unary writers at 1 KiB (or the first
   * size), and at one record per fsync.
   */
  private void disk(int pair, BenchServers servers) throws IOException, InterruptedException {
    if (servers.target("file_always") == null) {
      return;
    }
    int size = options.sizes().contains(1024) ? 1024 : options.sizes().get(0);
    int c = options.concurrencies().stream().mapToInt(Integer::intValue).max().orElseThrow();
    GrpcRun always = find(pair, "sinkctl", "file_always", Load.unary(c).label(), size);
    byte[] payload = new byte[size];
    int frame = DiskReference.frameBytes(work.resolve("frame-" + pair), payload);
    List<Integer> batches = new ArrayList<>(List.of(1));
    if (always != null && always.fsyncs() > 0) {
      batches.add(0, Math.max(1, (int) Math.round(always.recordsPerSync())));
    }
    for (int batch : batches.stream().distinct().toList()) {
      DiskReference.Result r = DiskReference.measure(work, batch, frame, Duration.ofMillis(500), options.duration());
      references.add(new GrpcResult.Reference(pair, "disk batch " + batch,
          "raw append of " + batch + " × " + frame + " B (a " + size + " B record as the log frames it) + fdatasync",
          r.recordsPerSecond() * size / 1e6, r.recordsPerSecond(), r.syncsPerSecond()));
      log.printf(Locale.ROOT, "bench-grpc: pair %d: disk, batch %d: %.0f records/s, %.0f fsync/s%n", pair, batch,
          r.recordsPerSecond(), r.syncsPerSecond());
    }
  }

  private GrpcRun find(int pair, String generator, String target, String load, int size) {
    String key = generator + "|" + target + "|" + load + "|" + size;
    for (GrpcRun r : runs) {
      if (r.pair() == pair && r.key().equals(key)) {
        return r;
      }
    }
    return null;
  }

  private void measure(int pair, Target t, Load load, int size) {
    if (!options.runWarmup().isZero()) {
      SinkctlLoad.run(t.entry().address(), t.route(), load, size, options.runWarmup());
    }
    GrpcRun run = Observation.observe(log, pair, "sinkctl", t, load.label(), size, () -> {
      SinkctlLoad.Result r = SinkctlLoad.run(t.entry().address(), t.route(), load, size, options.duration());
      return new Observation.Generated(r.ok(), r.failed(), r.errors(), r.seconds(), r.recordsPerSecond(),
          r.megabytesPerSecond(), r.p50Millis(), r.p99Millis(), r.p999Millis(), r.ok(), r.ok());
    });
    runs.add(run);
  }

  private List<String[]> environment() throws IOException {
    java.nio.file.FileStore store = Files.getFileStore(work);
    return List.of(
        new String[] {"cpus", Integer.toString(Runtime.getRuntime().availableProcessors())},
        new String[] {"java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version")},
        new String[] {"os", System.getProperty("os.name") + " " + System.getProperty("os.version")},
        new String[] {"disk", store.type() + " on " + store.name() + " (" + options.dir().toAbsolutePath() + ")"},
        new String[] {"server JVM options", String.join(" ", options.serverJvm())},
        new String[] {"runs", options.pairs() + " pair(s); " + options.warmup().toMillis() / 1000.0 + " s warm-up per server; "
            + options.runWarmup().toMillis() + " ms uncounted + " + options.duration().toMillis() + " ms per run;"
            + " the target order rotates each round"});
  }
}
