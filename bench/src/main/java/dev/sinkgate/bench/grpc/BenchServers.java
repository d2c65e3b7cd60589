package dev.sinkgate.bench.grpc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The servers one run measures, each a child JVM with the same options: the floor
 * ({@link FloorServer}), the gateway with one route per case, and (for the {@code remote}
 * case) a second gateway it forwards to. Closes them in reverse order of start.
 */
final class BenchServers implements AutoCloseable {
  static final String GATEWAY_MAIN = "dev.sinkgate.server.Main";

  /**
   * One thing a load is aimed at: a server, the route (sink name) to write to, and every
   * (server, route) whose counters must account for the records and whose CPU is charged.
   */
  record Target(String name, MeasuredServer entry, String route, List<Hop> hops) {
    /** CPU seconds of every server the records pass through. */
    double cpuSeconds() {
      double s = 0;
      for (Hop h : hops) {
        s += h.server().stats().cpuSeconds();
      }
      return s;
    }
  }

  /** A server and the route on it that a target's records go through. */
  record Hop(MeasuredServer server, String route) {}

  private final List<ServerProcess> started = new ArrayList<>();
  private final List<Target> targets = new ArrayList<>();

  private BenchServers() {}

  /** Starts the floor and the gateway(s) for {@code gatewayCases} (names from {@link GrpcBenchOptions#ALL_TARGETS}). */
  static BenchServers start(Path dir, List<String> jvm, List<String> gatewayCases)
      throws IOException, InterruptedException {
    BenchServers s = new BenchServers();
    try {
      ServerProcess floor = s.add(ServerProcess.start("floor", jvm, FloorServer.class.getName(),
          List.of("--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0"), dir));
      s.targets.add(new Target("floor", floor, FloorServer.ROUTE, List.of(new Hop(floor, FloorServer.ROUTE))));
      if (gatewayCases.isEmpty()) {
        return s;
      }
      ServerProcess downstream = null;
      if (gatewayCases.contains("remote")) {
        downstream = s.add(gateway("gateway2", jvm, dir, "sinks:\n  discard: { type: discard }\n"));
      }
      StringBuilder config = new StringBuilder("sinks:\n");
      config.append("  discard: { type: discard }\n");
      Path files = Files.createDirectories(dir.resolve("routes"));
      // Retention keeps a long run's logs to a few GiB; every route allows 4 MiB records.
      config.append("  file_always: { type: file, path: \"").append(files.resolve("always"))
          .append("\", fsync: always, retention_bytes: 1GiB }\n");
      config.append("  file_interval: { type: file, path: \"").append(files.resolve("interval"))
          .append("\", fsync: interval, fsync_interval: 1s, retention_bytes: 1GiB }\n");
      if (downstream != null) {
        config.append("  remote: { type: remote, targets: [\"").append(downstream.address())
            .append("\"], sink: discard }\n");
      }
      ServerProcess gateway = s.add(gateway("gateway", jvm, dir, config.toString()));
      for (String c : gatewayCases) {
        List<Hop> hops = c.equals("remote")
            ? List.of(new Hop(gateway, c), new Hop(downstream, "discard"))
            : List.of(new Hop(gateway, c));
        s.targets.add(new Target(c, gateway, c, hops));
      }
      return s;
    } catch (IOException | InterruptedException | RuntimeException e) {
      s.close();
      throw e;
    }
  }

  private static ServerProcess gateway(String name, List<String> jvm, Path dir, String sinks)
      throws IOException, InterruptedException {
    Path config = dir.resolve(name + ".yaml");
    Files.writeString(config, sinks);
    return ServerProcess.start(name, jvm, GATEWAY_MAIN, List.of("serve", "--config", config.toString(),
        "--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0", "--drain-timeout", "10s"), dir);
  }

  private ServerProcess add(ServerProcess p) {
    started.add(p);
    return p;
  }

  /** The floor first, then the gateway cases in the order asked. */
  List<Target> targets() {
    return targets;
  }

  Target target(String name) {
    for (Target t : targets) {
      if (t.name().equals(name)) {
        return t;
      }
    }
    return null;
  }

  List<ServerProcess> processes() {
    return started;
  }

  @Override
  public void close() throws InterruptedException {
    for (int i = started.size() - 1; i >= 0; i--) {
      started.get(i).close();
    }
  }
}
