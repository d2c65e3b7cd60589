package dev.sinkgate.server;

import dev.sinkgate.client.DataSink;
import dev.sinkgate.proto.v1.Durability;
import dev.sinkgate.proto.v1.SinkGrpc;
import dev.sinkgate.server.config.ConfigValues;
import dev.sinkgate.server.grpc.DrainGate;
import dev.sinkgate.server.grpc.SinkService;
import dev.sinkgate.server.grpc.StreamLimits;
import dev.sinkgate.server.metrics.MetricsServer;
import dev.sinkgate.server.metrics.PrometheusText;
import dev.sinkgate.server.metrics.SinkMetrics;
import dev.sinkgate.server.grpc.WriteRequestMarshaller;
import dev.sinkgate.server.route.Route;
import dev.sinkgate.server.route.Router;
import dev.sinkgate.server.sink.DataSinkRecordSink;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerInterceptors;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A running sinkgate: the gRPC server(s) in front of a {@link Router}.
 *
 * <p>Serves {@code sinkgate.v1.Sink}, {@code grpc.health.v1.Health} and server reflection,
 * over TCP and over Unix domain sockets ({@link UnixSockets}), and optionally only the
 * health service on a TCP address of its own ({@link Builder#healthListen}, for kubelet's
 * probes). Health names ({@link GatewayHealth}): readiness as {@code ""} and
 * {@code sinkgate.v1.Sink}, SERVING once every route is open; per route as
 * {@code sinkgate.v1.Sink/ROUTE}; and {@code liveness}, SERVING while the servers run.
 * The service never blocks the transport's threads, so it runs on the event loop
 * ({@code directExecutor}); sinks do their blocking work on threads they own.
 * Given {@link Builder#metricsListen}, it also serves its {@link #metrics()} as Prometheus
 * text over HTTP, until the drain has shut the gRPC servers down.
 *
 * <p>The gateway owns the router (and so every route's sink): {@link #drain} and
 * {@link #close} close it. Lifecycle: {@link #start()}, then {@link #drain(Duration)}
 * (stop accepting, finish in-flight writes, shut the servers down, close the sinks);
 * {@link #close()} drains with the configured timeout. Both are idempotent.
 */
public final class Gateway implements AutoCloseable {
  /** Health service name for the gateway's Sink service as a whole. */
  public static final String HEALTH_SERVICE = SinkGrpc.SERVICE_NAME;

  private final Router router;
  private final DrainGate gate = new DrainGate();
  private final SinkService service;
  private final GatewayHealth health = new GatewayHealth();
  private final List<InetSocketAddress> listen;
  private final UnixSockets unixSockets;
  private final InetSocketAddress healthListen;
  private final Consumer<String> warnings;
  private final String inProcessName;
  private final Duration drainTimeout;
  private final int maxMessageBytes;
  private final List<Server> servers = new ArrayList<>();
  private Server healthServer;
  private final SinkMetrics metrics;
  private final InetSocketAddress metricsListen;
  private volatile MetricsServer metricsServer;
  private boolean started;
  private boolean drained;
  private final Object drainStart = new Object();
  private boolean drainBegun; // guarded by drainStart

  private Gateway(Builder b) {
    this.router = b.router != null ? b.router : new Router(b.routes);
    this.listen = b.listen.stream().filter(InetSocketAddress.class::isInstance).map(InetSocketAddress.class::cast)
        .toList();
    List<Path> paths = UnixSockets.pathsOf(b.listen);
    this.unixSockets = paths.isEmpty() ? null : new UnixSockets(paths, b.socketMode);
    this.healthListen = b.healthListen;
    this.warnings = b.warnings;
    this.inProcessName = b.inProcessName;
    this.drainTimeout = b.drainTimeout;
    this.service = new SinkService(router, b.streamLimits);
    this.metrics = new SinkMetrics(router, gate::inFlight, service::openStreams);
    this.metricsListen = b.metricsListen;
    // Room for the largest record plus its key and headers; a record over its route's limit
    // but under this still gets a clear INVALID_ARGUMENT rather than a transport error.
    this.maxMessageBytes = Math.max(16 << 20, router.largestRecordLimit() + (1 << 20));
  }

  /** A builder for a gateway serving {@code router}, which the gateway then owns. */
  public static Builder builder(Router router) {
    return new Builder(Objects.requireNonNull(router, "router"));
  }

  /**
   * A builder for an embedded gateway whose routes are Java objects:
   * {@code Gateway.builder().route("audit", bucket::write).inProcess("gw").build().start()}.
   */
  public static Builder builder() {
    return new Builder(null);
  }

  /** Health service name for one route. */
  public static String healthName(String route) {
    return HEALTH_SERVICE + "/" + route;
  }

  /** Binds and starts serving. On failure, closes what it opened (the router too) and rethrows. */
  public synchronized Gateway start() throws IOException {
    if (started) {
      throw new IllegalStateException("gateway already started");
    }
    started = true;
    // Statuses before the first listener opens: a probe never sees an unknown service.
    health.start(router.routes().values());
    try {
      if (!listen.isEmpty()) {
        NettyServerBuilder nb = NettyServerBuilder.forAddress(listen.get(0));
        for (SocketAddress a : listen.subList(1, listen.size())) {
          nb.addListenAddress(a);
        }
        servers.add(configure(nb).build().start());
      }
      if (unixSockets != null) {
        servers.add(configure(unixSockets.serverBuilder(warnings)).build().start());
        unixSockets.bound();
      }
      if (inProcessName != null) {
        servers.add(configure(InProcessServerBuilder.forName(inProcessName)).build().start());
      }
      if (healthListen != null) {
        // Only the health service: the probe port on the pod's network exposes no Sink.
        healthServer = NettyServerBuilder.forAddress(healthListen).directExecutor()
            .addService(health.service()).build().start();
      }
      if (metricsListen != null) {
        metricsServer = MetricsServer.start(metricsListen, () -> PrometheusText.format(metrics.snapshot()));
      }
    } catch (IOException | RuntimeException e) {
      for (Server s : allServers()) {
        s.shutdownNow();
      }
      if (unixSockets != null) {
        unixSockets.close();
      }
      router.close();
      throw e;
    }
    return this;
  }

  /**
   * Completes once every route is open and health answers SERVING (at once when no route
   * has anything to wait for; a remote route waits for its first connection); cancelled if
   * the drain starts first.
   */
  public CompletionStage<Void> ready() {
    return health.ready();
  }

  private List<Server> allServers() {
    List<Server> all = new ArrayList<>(servers);
    if (healthServer != null) {
      all.add(healthServer);
    }
    return all;
  }

  private ServerBuilder<?> configure(ServerBuilder<?> b) {
    if (b instanceof NettyServerBuilder nb) {
      nb.permitKeepAliveTime(10, TimeUnit.SECONDS);
    }
    return b.directExecutor()
        .maxInboundMessageSize(maxMessageBytes)
        .addService(ServerInterceptors.intercept(WriteRequestMarshaller.bind(service), gate))
        .addService(health.service())
        .addService(ProtoReflectionServiceV1.newInstance());
  }

  /** The Unix socket files the gateway serves on. */
  public List<Path> socketPaths() {
    return unixSockets == null ? List.of() : unixSockets.paths();
  }

  /** Where the health-only listener is bound (port 0 resolved), if the builder was given {@link Builder#healthListen}. */
  public Optional<InetSocketAddress> healthAddress() {
    return Optional.ofNullable(healthServer).map(s -> (InetSocketAddress) s.getListenSockets().get(0));
  }

  /** The TCP addresses the Sink service is bound to (port 0 resolved). */
  public List<InetSocketAddress> boundAddresses() {
    List<InetSocketAddress> out = new ArrayList<>();
    for (Server s : servers) {
      for (SocketAddress a : s.getListenSockets()) {
        if (a instanceof InetSocketAddress i) {
          out.add(i);
        }
      }
    }
    return out;
  }

  public Router router() {
    return router;
  }

  /** The gateway's counters: per route, and calls and streams open. */
  public SinkMetrics metrics() {
    return metrics;
  }

  /** Where {@code GET /metrics} is served (port 0 resolved), if the builder was given {@link Builder#metricsListen}. */
  public Optional<InetSocketAddress> metricsAddress() {
    return Optional.ofNullable(metricsServer).map(MetricsServer::address);
  }

  /** Sink calls (unary and streams) admitted and not yet finished or cancelled. */
  public int callsInFlight() {
    return gate.inFlight();
  }

  /**
   * Starts the drain and returns at once: health goes NOT_SERVING, new calls get
   * UNAVAILABLE, and open streams are told to finish the records they accepted and end.
   * Idempotent; {@link #drain} begins with it and then waits.
   */
  public void beginDrain() {
    synchronized (drainStart) {
      if (drainBegun) {
        return;
      }
      drainBegun = true;
      health.drain();
      // New calls first: a client whose stream the drain ends must find its next call
      // refused, not admitted in the moment before the gate closes. A stream admitted just
      // before the gate closed and registered after drainStreams() is drained as it registers.
      gate.startDraining();
      service.drainStreams();
    }
  }

  /**
   * Drains: health goes NOT_SERVING, new calls get UNAVAILABLE, open streams finish the
   * records they accepted and end with UNAVAILABLE, in-flight writes get up to
   * {@code timeout} to finish; then the servers shut down and every sink flushes, syncs
   * and closes.
   *
   * @return true if every in-flight write finished within the timeout
   */
  public synchronized boolean drain(Duration timeout) {
    if (drained) {
      return true;
    }
    drained = true;
    final long deadline = System.nanoTime() + timeout.toNanos();
    boolean clean = false;
    boolean interrupted = false;
    beginDrain();
    try {
      clean = gate.awaitIdle(timeout);
    } catch (InterruptedException e) {
      interrupted = true;
    }
    // Every Sink call has finished (or the timeout passed). What may still be open are
    // health watches and reflection streams: give them a moment, then cut them, so a
    // watcher cannot hold shutdown for the whole grace period.
    List<Server> all = allServers();
    for (Server s : all) {
      s.shutdown();
    }
    long grace = Math.min(Math.max(0, deadline - System.nanoTime()), TimeUnit.MILLISECONDS.toNanos(500));
    for (Server s : all) {
      try {
        if (interrupted || !s.awaitTermination(grace, TimeUnit.NANOSECONDS)) {
          s.shutdownNow();
          s.awaitTermination(1, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        interrupted = true;
        s.shutdownNow();
      }
    }
    health.stop();
    try {
      if (unixSockets != null) {
        unixSockets.close();
      }
      // Up until the servers are down, so a scrape during the drain sees the last answers.
      if (metricsServer != null) {
        metricsServer.close();
      }
      router.close();
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
    return clean;
  }

  /** Drains with the configured drain timeout. */
  @Override
  public void close() {
    drain(drainTimeout);
  }

  /** Builds a {@link Gateway}. */
  public static final class Builder {
    private final Router router;
    private final List<Route> routes = new ArrayList<>();
    private final List<SocketAddress> listen = new ArrayList<>();
    private Set<PosixFilePermission> socketMode = ConfigValues.DEFAULT_SOCKET_MODE;
    private InetSocketAddress healthListen;
    private Consumer<String> warnings = w -> {};
    private String inProcessName;
    private Duration drainTimeout = Duration.ofSeconds(20);
    private StreamLimits streamLimits = StreamLimits.DEFAULT;
    private InetSocketAddress metricsListen;

    private Builder(Router router) {
      this.router = router;
    }

    /**
     * Mounts any {@link DataSink} — a lambda, {@code anyObject::write}, an adapter — as
     * route {@code name}. Records reach it one at a time, in order, on a thread of its own;
     * an accepted record is reported as {@code DURABILITY_MEMORY}, since nothing is known
     * of where the object keeps it. The gateway closes the sink when it closes.
     */
    public Builder route(String name, DataSink sink) {
      return route(name, sink, Durability.DURABILITY_MEMORY);
    }

    /** Mounts {@code sink} as route {@code name}, reporting {@code durability} for accepted records. */
    public Builder route(String name, DataSink sink, Durability durability) {
      return route(new Route(name, new DataSinkRecordSink(name, sink, durability, 4096, 64L << 20),
          Route.DEFAULT_MAX_RECORD_BYTES));
    }

    /** Adds a route built elsewhere. */
    public Builder route(Route route) {
      if (router != null) {
        throw new IllegalStateException("this builder serves a given Router; add routes to it instead");
      }
      routes.add(route);
      return this;
    }

    /**
     * Serves on these addresses: {@link InetSocketAddress}es over TCP (one server, several
     * listen sockets) and {@link java.net.UnixDomainSocketAddress}es over Unix sockets.
     */
    public Builder listen(List<? extends SocketAddress> addresses) {
      for (SocketAddress a : addresses) {
        if (!(a instanceof InetSocketAddress) && !(a instanceof java.net.UnixDomainSocketAddress)) {
          throw new IllegalArgumentException("listen: " + a + " (expected: an InetSocketAddress or a"
              + " UnixDomainSocketAddress)");
        }
        listen.add(a);
      }
      return this;
    }

    /** The permissions every Unix socket file gets once bound (default {@code rw-rw----}, 0660). */
    public Builder socketMode(Set<PosixFilePermission> mode) {
      this.socketMode = Set.copyOf(mode);
      return this;
    }

    /** Also serves only {@code grpc.health.v1.Health} on this TCP address (for kubelet's gRPC probes). */
    public Builder healthListen(InetSocketAddress address) {
      this.healthListen = Objects.requireNonNull(address, "address");
      return this;
    }

    /** Where start-up warnings go (a stale socket file removed, say); by default nowhere. */
    public Builder warnings(Consumer<String> warnings) {
      this.warnings = Objects.requireNonNull(warnings, "warnings");
      return this;
    }

    /** Also serves on the in-process transport under {@code name} (for tests and embedding). */
    public Builder inProcess(String name) {
      this.inProcessName = name;
      return this;
    }

    public Builder drainTimeout(Duration timeout) {
      if (timeout.isNegative()) {
        throw new IllegalArgumentException("drainTimeout: " + timeout + " (expected: >= 0)");
      }
      this.drainTimeout = timeout;
      return this;
    }

    public Builder streamLimits(StreamLimits limits) {
      this.streamLimits = Objects.requireNonNull(limits, "limits");
      return this;
    }

    /** Also serves the counters as Prometheus text on {@code GET http://ADDRESS/metrics} (port 0: any free port). */
    public Builder metricsListen(InetSocketAddress address) {
      this.metricsListen = Objects.requireNonNull(address, "address");
      return this;
    }

    public Gateway build() {
      if (router == null && routes.isEmpty()) {
        throw new IllegalStateException("a gateway needs at least one route");
      }
      if (listen.isEmpty() && inProcessName == null) {
        throw new IllegalStateException("a gateway needs at least one listen address or an in-process name");
      }
      return new Gateway(this);
    }
  }
}
