package dev.sinkgate.server;

import dev.sinkgate.client.BindingException;
import dev.sinkgate.server.config.ConfigException;
import dev.sinkgate.server.config.ConfigLoader;
import dev.sinkgate.server.config.ConfigValues;
import dev.sinkgate.server.config.GatewayConfig;
import dev.sinkgate.server.log.LogRepair;
import dev.sinkgate.server.log.LogVerifier;
import dev.sinkgate.server.metrics.MetricsServer;
import dev.sinkgate.server.route.Router;
import io.netty.channel.epoll.Epoll;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/**
 * The {@code sinkgate} command.
 *
 * <pre>
 * sinkgate serve [--config FILE] [--listen HOST:PORT|unix:///PATH]... [--socket-mode MODE]
 *                [--drain-timeout DURATION] [--metrics-listen HOST:PORT] [--health-listen HOST:PORT]
 * sinkgate log cat PATH [--format json|raw] [--from OFFSET] [--follow]
 * sinkgate log verify PATH [--format text|json]
 * sinkgate log repair PATH [--dry-run]
 * </pre>
 * Exit codes: 0 success (and a clean drain on SIGTERM), 1 a runtime failure (a port in
 * use, an unreadable log, a drain that timed out), 2 a usage or config error.
 */
public final class Main {
  static final int OK = 0;
  static final int FAILED = 1;
  static final int USAGE = 2;
  /** How often {@code log cat --follow} looks for new records: quick for a person, idle for a disk. */
  static final Duration FOLLOW_POLL_INTERVAL = Duration.ofMillis(200);

  static final String USAGE_TEXT = """
      usage: sinkgate serve [--config FILE] [--listen HOST:PORT|unix:///PATH]... [--socket-mode MODE]
                            [--drain-timeout DURATION] [--metrics-listen HOST:PORT]
                            [--health-listen HOST:PORT]
             sinkgate log cat PATH [--format json|raw] [--from OFFSET] [--follow]
             sinkgate log verify PATH [--format text|json]
             sinkgate log repair PATH [--dry-run]

        serve      run the gateway; without --config it serves the embedded default:
                   route 'default' to a file log under ./data/default, on 127.0.0.1:50051;
                   --listen takes TCP addresses and Unix sockets (unix:///run/sinkgate/sink.sock,
                   created with --socket-mode, default 0660, and removed at exit);
                   --metrics-listen serves counters on http://HOST:PORT/metrics (Prometheus);
                   --health-listen serves only grpc.health.v1 (for kubelet probes): '' and
                   sinkgate.v1.Sink are SERVING once every route is open, 'liveness' while up
        log cat    print the records of a file log: one JSON object per record (offset,
                   timestamp, key, headers, base64 data), or the raw data, one per line;
                   --follow keeps printing records as they are appended, until Ctrl-C
        log verify check every CRC of every segment and print a summary (segments,
                   records, bytes, offsets, timestamps); exit 1 naming the segment, byte
                   and offset of the first corrupt or torn record
        log repair cut a damaged log back to its last good record, moving the damaged
                   bytes and every record after them into PATH/repair-TIMESTAMP/ (the
                   gateway must be stopped); --dry-run only says what it would do
      """;

  private Main() {}

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  static int run(String[] args, PrintStream out, PrintStream err) {
    if (args.length == 0 || args[0].equals("help") || args[0].equals("--help") || args[0].equals("-h")) {
      (args.length == 0 ? err : out).print(USAGE_TEXT);
      return args.length == 0 ? USAGE : OK;
    }
    try {
      return switch (args[0]) {
        case "serve" -> serve(new Args(args, 1), out, err);
        case "log" -> log(args, out, err);
        default -> throw new UsageException("unknown command '" + args[0]
            + "' (expected: serve, log cat, log verify, log repair)");
      };
    } catch (UsageException e) {
      err.println("sinkgate: " + e.getMessage());
      err.print(USAGE_TEXT);
      return USAGE;
    } catch (ConfigException e) {
      err.println("sinkgate: bad config: " + e.getMessage());
      return USAGE;
    }
  }

  private static int serve(Args a, PrintStream out, PrintStream err) throws UsageException, ConfigException {
    String configFile = null;
    List<SocketAddress> listen = new ArrayList<>();
    Set<PosixFilePermission> socketMode = null;
    Duration drainTimeout = null;
    InetSocketAddress metricsListen = null;
    InetSocketAddress healthListen = null;
    while (a.hasNext()) {
      String flag = a.next();
      switch (flag) {
        case "--config" -> configFile = a.value(flag);
        case "--listen" -> listen.add(a.parse(flag, ConfigValues::serveAddress));
        case "--socket-mode" -> socketMode = a.parse(flag, ConfigValues::socketMode);
        case "--health-listen" -> healthListen = a.parse(flag, ConfigValues::listenAddress);
        case "--drain-timeout" -> drainTimeout = a.parse(flag, ConfigValues::duration);
        case "--metrics-listen" -> metricsListen = a.parse(flag, ConfigValues::listenAddress);
        default -> throw new UsageException("unknown option '" + flag + "' for serve");
      }
    }
    GatewayConfig config = configFile == null ? ConfigLoader.embeddedDefault() : ConfigLoader.load(Path.of(configFile));
    if (!listen.isEmpty()) {
      config = config.withListen(listen);
    }
    if (drainTimeout != null) {
      config = config.withDrainTimeout(drainTimeout);
    }
    if (metricsListen != null) {
      config = config.withMetricsListen(metricsListen);
    }
    if (healthListen != null) {
      config = config.withHealthListen(healthListen);
    }
    if (socketMode != null) {
      config = config.withSocketMode(socketMode);
    }

    Gateway gateway;
    try {
      Router router = Routes.open(config.sinks(), out, w -> err.println("sinkgate: warning: " + w));
      Gateway.Builder builder = Gateway.builder(router).listen(config.listen()).socketMode(config.socketMode())
          .drainTimeout(config.drainTimeout()).warnings(w -> err.println("sinkgate: warning: " + w));
      if (config.metricsListen() != null) {
        builder.metricsListen(config.metricsListen());
      }
      if (config.healthListen() != null) {
        builder.healthListen(config.healthListen());
      }
      gateway = builder.build().start();
    } catch (IOException e) {
      if (e.getCause() instanceof BindingException) {
        // A route's method does not fit its descriptors: the config, not the machine, is wrong.
        err.println("sinkgate: bad config: " + e.getMessage());
        return USAGE;
      }
      err.println("sinkgate: cannot start: " + e.getMessage());
      return FAILED;
    }

    CountDownLatch stop = TerminationSignals.install();
    Gateway g = gateway;
    GatewayConfig c = config;
    // Any other way out of the JVM still drains and closes the sinks (drain is idempotent).
    Runtime.getRuntime().addShutdownHook(new Thread(() -> g.drain(c.drainTimeout()), "sinkgate-shutdown"));

    List<String> addresses = new ArrayList<>();
    gateway.boundAddresses().forEach(t -> addresses.add(ConfigValues.format(t)));
    gateway.socketPaths().forEach(p -> addresses.add(ConfigValues.format(UnixDomainSocketAddress.of(p))));
    err.println("sinkgate: serving routes " + gateway.router().names() + " from " + config.source()
        + " on " + String.join(", ", addresses) + " (transport " + (Epoll.isAvailable() ? "epoll" : "nio") + ")"
        + gateway.healthAddress().map(h -> ", health on " + ConfigValues.format(h)).orElse("")
        + gateway.metricsAddress().map(m -> ", metrics on http://" + ConfigValues.format(m) + MetricsServer.PATH)
            .orElse(""));
    err.flush();
    gateway.ready().thenRun(() -> {
      err.println("sinkgate: ready: every route is open");
      err.flush();
    });

    boolean interrupted = false;
    while (true) {
      try {
        stop.await();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    err.println("sinkgate: draining (up to " + config.drainTimeout().toMillis() + " ms)");
    boolean clean = gateway.drain(config.drainTimeout());
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    err.println(clean ? "sinkgate: drained; every sink flushed and closed"
        : "sinkgate: drain timeout passed with writes still in flight; sinks closed anyway");
    return clean ? OK : FAILED;
  }

  private static int log(String[] args, PrintStream out, PrintStream err) throws UsageException {
    String sub = args.length < 2 ? "" : args[1];
    return switch (sub) {
      case "cat" -> logCat(new Args(args, 2), out, err);
      case "verify" -> logVerify(new Args(args, 2), out, err);
      case "repair" -> logRepair(new Args(args, 2), out, err);
      default -> throw new UsageException((sub.isEmpty() ? "log needs a subcommand" : "unknown log subcommand '"
          + sub + "'") + " (expected: 'log cat PATH', 'log verify PATH' or 'log repair PATH')");
    };
  }

  private static int logVerify(Args a, PrintStream out, PrintStream err) throws UsageException {
    String path = null;
    LogVerify.Format format = LogVerify.Format.TEXT;
    while (a.hasNext()) {
      String arg = a.next();
      if (arg.equals("--format")) {
        String f = a.value(arg);
        format = switch (f) {
          case "text" -> LogVerify.Format.TEXT;
          case "json" -> LogVerify.Format.JSON;
          default -> throw new UsageException("--format '" + f + "' (expected: text or json)");
        };
      } else if (arg.startsWith("--") || path != null) {
        throw new UsageException("unexpected argument '" + arg + "' for log verify");
      } else {
        path = arg;
      }
    }
    if (path == null) {
      throw new UsageException("log verify needs the PATH of a file log directory");
    }
    LogVerifier.Summary summary;
    try {
      summary = LogVerifier.verify(Path.of(path));
    } catch (IOException e) {
      return readFailed(path, e, err);
    }
    LogVerify.print(summary, format, out);
    if (summary.clean()) {
      return OK;
    }
    err.println("sinkgate: " + summary.finding().message());
    return FAILED;
  }

  private static int logRepair(Args a, PrintStream out, PrintStream err) throws UsageException {
    String path = null;
    boolean dryRun = false;
    while (a.hasNext()) {
      String arg = a.next();
      if (arg.equals("--dry-run")) {
        dryRun = true;
      } else if (arg.startsWith("--") || path != null) {
        throw new UsageException("unexpected argument '" + arg + "' for log repair");
      } else {
        path = arg;
      }
    }
    if (path == null) {
      throw new UsageException("log repair needs the PATH of a file log directory");
    }
    LogRepair.Result r;
    try {
      r = LogRepair.repair(Path.of(path), !dryRun, Clock.systemUTC());
    } catch (IOException e) {
      return readFailed(path, e, err);
    }
    out.println(LogRepairReport.text(Path.of(path), r));
    out.flush();
    return OK;
  }

  private static int readFailed(String path, IOException e, PrintStream err) {
    if (e instanceof NoSuchFileException n) {
      err.println("sinkgate: " + n.getFile() + ": " + (n.getReason() == null ? "no such directory" : n.getReason()));
    } else {
      err.println("sinkgate: reading " + path + " failed: " + e.getMessage());
    }
    return FAILED;
  }

  private static int logCat(Args a, PrintStream out, PrintStream err) throws UsageException {
    String path = null;
    LogCat.Format format = LogCat.Format.JSON;
    long from = 0;
    boolean follow = false;
    while (a.hasNext()) {
      String arg = a.next();
      switch (arg) {
        case "--format" -> {
          String f = a.value(arg);
          format = switch (f) {
            case "json" -> LogCat.Format.JSON;
            case "raw" -> LogCat.Format.RAW;
            default -> throw new UsageException("--format '" + f + "' (expected: json or raw)");
          };
        }
        case "--follow" -> follow = true;
        case "--from" -> from = a.parse(arg, s -> {
          long v = Long.parseLong(s);
          if (v < 0) {
            throw new IllegalArgumentException("'" + s + "' (expected: an offset >= 0)");
          }
          return v;
        });
        default -> {
          if (arg.startsWith("--") || path != null) {
            throw new UsageException("unexpected argument '" + arg + "' for log cat");
          }
          path = arg;
        }
      }
    }
    if (path == null) {
      throw new UsageException("log cat needs the PATH of a file log directory");
    }
    try {
      if (follow) {
        // Ctrl-C ends the follow and exits 0, as reaching the end does without --follow.
        LogCat.follow(Path.of(path), from, format, out, TerminationSignals.install(), FOLLOW_POLL_INTERVAL);
      } else {
        LogCat.print(Path.of(path), from, format, out);
      }
      return OK;
    } catch (IOException e) {
      return readFailed(path, e, err);
    }
  }

  /** A command line mistake; the message says what was given and what was expected. */
  static final class UsageException extends Exception {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
      super(message);
    }
  }

  private static final class Args {
    private final String[] args;
    private int i;

    Args(String[] args, int start) {
      this.args = args;
      this.i = start;
    }

    boolean hasNext() {
      return i < args.length;
    }

    String next() {
      return args[i++];
    }

    String value(String flag) throws UsageException {
      if (!hasNext()) {
        throw new UsageException(flag + " needs a value");
      }
      return next();
    }

    <T> T parse(String flag, java.util.function.Function<String, T> parser) throws UsageException {
      String v = value(flag);
      try {
        return parser.apply(v);
      } catch (IllegalArgumentException e) {
        throw new UsageException(flag + ": " + e.getMessage());
      }
    }
  }
}
