package dev.sinkgate.bench.grpc;

import dev.sinkgate.bench.grpc.BenchServers.Hop;
import dev.sinkgate.bench.grpc.BenchServers.Target;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The h2load part of a round: the same unary and client-streaming h2load loads against
 * the floor, the gateway's {@code discard} route and the interop peers (Python and Node
 * sinks), at the smallest record size. h2load sees HTTP 200 for a call that ended with a
 * gRPC error status, so each run is checked against what the servers counted.
 */
final class H2LoadCases {
  /** Unary: 8 connections × 8 concurrent calls, a closed loop of 64 calls. */
  static final int UNARY_CLIENTS = 8;
  static final int UNARY_STREAMS = 8;
  /** Streaming: 2 connections, one call each, of {@code --stream-messages} records per call. */
  static final int STREAM_CLIENTS = 2;

  private H2LoadCases() {}

  /** A peer as a server the harness can count and sample: its count is the lines in its file. */
  record PeerServer(Peers.Peer peer, ProcStats stats) implements MeasuredServer {
    PeerServer(Peers.Peer peer) {
      this(peer, new ProcStats(peer.pid()));
    }

    @Override
    public String name() {
      return peer.language().id();
    }

    @Override
    public String address() {
      return "127.0.0.1:" + peer.port();
    }

    @Override
    public long accepted(String route) {
      try {
        return peer.storedRecords();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public long fsyncs(String route) {
      return 0;
    }
  }

  /** The targets h2load loads: floor, the gateway's discard route if measured, and each peer. */
  static List<Target> targets(BenchServers servers, List<Peers.Peer> peers) {
    List<Target> out = new ArrayList<>();
    out.add(servers.target("floor"));
    if (servers.target("discard") != null) {
      out.add(servers.target("discard"));
    }
    for (Peers.Peer p : peers) {
      PeerServer s = new PeerServer(p);
      out.add(new Target(s.name(), s, "peer", List.of(new Hop(s, "peer"))));
    }
    return out;
  }

  static void round(int pair, List<Target> targets, GrpcBenchOptions options, Path work, List<GrpcRun> runs,
      PrintStream log) throws IOException, InterruptedException {
    int size = options.sizes().get(0);
    int messages = options.streamMessages();
    for (Target t : targets) {
      Path unary = H2Load.writeBody(work.resolve("h2load-" + t.name() + "-unary.bin"), t.route(), size, 1);
      Path stream = H2Load.writeBody(work.resolve("h2load-" + t.name() + "-stream.bin"), t.route(), size,
          messages);
      String host = t.entry().address();
      H2Load.Spec u = new H2Load.Spec("http://" + host + "/sinkgate.v1.Sink/Write", unary, UNARY_CLIENTS,
          UNARY_STREAMS, 1, Duration.ZERO, options.duration());
      H2Load.Spec s = new H2Load.Spec("http://" + host + "/sinkgate.v1.Sink/WriteStream", stream, STREAM_CLIENTS,
          1, 1, Duration.ZERO, options.duration());
      if (pair == 1) {
        // Warm-up (the peers have had none, and h2load's connections are new): not reported.
        Duration w = Duration.ofMillis(Math.max(1000, options.warmup().toMillis() / 4));
        H2Load.run(new H2Load.Spec(u.uri(), unary, UNARY_CLIENTS, UNARY_STREAMS, 1, Duration.ZERO, w));
        H2Load.run(new H2Load.Spec(s.uri(), stream, STREAM_CLIENTS, 1, 1, Duration.ZERO, w));
      }
      runs.add(run(log, pair, t, "unary c" + UNARY_CLIENTS + "×m" + UNARY_STREAMS, size, u, 1));
      runs.add(run(log, pair, t, "stream c" + STREAM_CLIENTS + "×" + messages, size, s, messages));
    }
  }

  private static GrpcRun run(PrintStream log, int pair, Target t, String load, int size, H2Load.Spec spec,
      int messages) {
    return Observation.observe(log, pair, "h2load", t, load, size, () -> {
      H2Load.Result r;
      try {
        r = H2Load.run(spec);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      }
      double seconds = spec.duration().toNanos() / 1e9;
      long ok = r.succeeded() * messages;
      Map<String, Long> errors = new LinkedHashMap<>();
      if (r.failed() > 0) {
        errors.put("h2load failed calls", r.failed());
      }
      if (r.errored() > 0) {
        errors.put("h2load errored calls", r.errored());
      }
      double rate = ok / seconds;
      return new Observation.Generated(ok, r.failed() * messages, errors, seconds, rate, rate * size / 1e6,
          Double.NaN, Double.NaN, Double.NaN, ok, r.requestsStarted() * messages);
    });
  }
}
