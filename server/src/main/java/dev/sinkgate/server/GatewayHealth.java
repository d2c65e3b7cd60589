package dev.sinkgate.server;

import dev.sinkgate.server.route.Route;
import dev.sinkgate.server.sink.RecordSink;
import io.grpc.BindableService;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The gateway's {@code grpc.health.v1} statuses.
 *
 * <ul>
 *   <li>{@code ""} and {@code sinkgate.v1.Sink}, readiness: NOT_SERVING until every route is
 *       open ({@link RecordSink#opened()}), SERVING from then until the drain starts.
 *   <li>{@code sinkgate.v1.Sink/ROUTE}: NOT_SERVING until the route is open, then its sink's
 *       {@link RecordSink#healthy()}, NOT_SERVING once the drain starts.
 *   <li>{@link #LIVENESS}: SERVING for as long as the servers run, the drain included, so a
 *       liveness probe never restarts a gateway that is opening its logs or draining.
 * </ul>
 */
final class GatewayHealth {
  /** Health service name that answers SERVING while the process serves. */
  static final String LIVENESS = "liveness";

  private final HealthStatusManager manager = new HealthStatusManager();
  private final CompletableFuture<Void> ready = new CompletableFuture<>();
  private final List<String> names = new ArrayList<>();
  private boolean draining;

  BindableService service() {
    return manager.getHealthService();
  }

  /** Completes when every route is open (never, if the drain starts first). */
  CompletableFuture<Void> ready() {
    return ready;
  }

  /** Alive, not ready; each route reports its sink's status once open, and the whole once all are. */
  void start(Collection<Route> routes) {
    set(LIVENESS, ServingStatus.SERVING);
    set("", ServingStatus.NOT_SERVING);
    set(Gateway.HEALTH_SERVICE, ServingStatus.NOT_SERVING);
    List<CompletableFuture<Void>> opened = new ArrayList<>();
    for (Route route : routes) {
      RecordSink sink = route.sink();
      String name = Gateway.healthName(route.name());
      set(name, ServingStatus.NOT_SERVING);
      opened.add(sink.opened().toCompletableFuture().thenRun(() -> {
        // A listener may fire before the first status is set: both set the sink's current state.
        sink.onHealthChange(() -> set(name, status(sink)));
        set(name, status(sink));
      }));
    }
    CompletableFuture.allOf(opened.toArray(CompletableFuture[]::new)).thenRun(() -> {
      set("", ServingStatus.SERVING);
      set(Gateway.HEALTH_SERVICE, ServingStatus.SERVING);
      synchronized (this) {
        if (!draining) {
          ready.complete(null);
        }
      }
    });
  }

  /** Everything but {@link #LIVENESS} goes NOT_SERVING, for good. */
  synchronized void drain() {
    for (String name : names) {
      if (!name.equals(LIVENESS)) {
        manager.setStatus(name, ServingStatus.NOT_SERVING);
      }
    }
    draining = true;
  }

  /** The servers are down: every name NOT_SERVING (watchers were cut anyway). */
  synchronized void stop() {
    manager.enterTerminalState();
  }

  private static ServingStatus status(RecordSink sink) {
    return sink.healthy() ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
  }

  private synchronized void set(String name, ServingStatus status) {
    if (draining && !name.equals(LIVENESS)) {
      return;
    }
    if (!names.contains(name)) {
      names.add(name);
    }
    manager.setStatus(name, status);
  }
}
