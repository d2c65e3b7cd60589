package dev.sinkgate.server.remote;

import dev.sinkgate.client.BindingException;
import dev.sinkgate.client.BindingSpec;
import dev.sinkgate.client.SinkClient;
import dev.sinkgate.client.SinkException;
import dev.sinkgate.client.WireSink;
import dev.sinkgate.proto.v1.Durability;
import dev.sinkgate.server.sink.Accepted;
import dev.sinkgate.server.sink.Record;
import dev.sinkgate.server.sink.RecordRejectedException;
import dev.sinkgate.server.sink.RecordRejectedException.Reason;
import dev.sinkgate.server.sink.RecordSink;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * A {@code remote} route to a foreign method bound by its shape ({@code method:}): each
 * record is one unary call through a {@link WireSink}, with the record's data, key and
 * headers in the fields the binding found. The downstream cannot deduplicate, so a record
 * resent after a lost answer may be stored twice there (at least once).
 *
 * <p>The method is bound when the route opens: from the {@code descriptor_set} file at once
 * (a method that does not fit fails the start), or by the target's reflection service. A
 * target that cannot be reached yet is asked again with backoff until it answers; the route
 * is open ({@link #opened()}, readiness) once bound, and refuses records UNAVAILABLE until
 * then. A method found not to fit only then leaves the route unhealthy, every record refused
 * with the binding's message, until the config is fixed.
 *
 * <p>Once bound, the route's health follows the target's standard health service
 * ({@code grpc.health.v1.Health/Watch}) for the bound service's name, or for {@code ""} when
 * the target does not know that name. A target without a health service
 * ({@code UNIMPLEMENTED}) leaves the route healthy; one that cannot be reached makes it
 * unhealthy until it answers again.
 *
 * <p>Owns its client (and so its channel) and its scheduler.
 */
public final class ForeignRecordSink implements RecordSink {
  static final Duration FIRST_RETRY = Duration.ofMillis(200);
  static final Duration MAX_RETRY = Duration.ofSeconds(5);

  private final String route;
  private final SinkClient client;
  private final BindingSpec spec;
  private final Duration timeout;
  private final Scheduler scheduler;
  private final Consumer<String> warnings;
  private final CompletableFuture<Void> opened = new CompletableFuture<>();
  private final List<Runnable> healthListeners = new CopyOnWriteArrayList<>();
  private volatile WireSink wire;
  /** Why there is no binding yet (or never will be, when {@link #misfit}). */
  private volatile String unbound;
  private volatile boolean misfit;
  private volatile boolean closed;
  /** The target's own health, as its health service last said; true without one. */
  private volatile boolean downstreamHealthy = true;
  private volatile ClientCallStreamObserver<HealthCheckRequest> healthWatch;

  private ForeignRecordSink(String route, SinkClient client, BindingSpec spec, Duration timeout, Scheduler scheduler,
      Consumer<String> warnings) {
    this.route = route;
    this.client = client;
    this.spec = spec;
    this.timeout = timeout;
    this.scheduler = scheduler;
    this.warnings = warnings;
    this.unbound = "binding " + spec.fullMethodName() + " at " + client.target() + " has not finished";
  }

  /**
   * Opens the route's client to {@code targets} and binds {@code spec}: at once from a
   * descriptor set, else by reflection, retried in the background while the target is
   * unreachable.
   *
   * @throws BindingException if the method does not fit (or the descriptor set lacks it)
   */
  public static ForeignRecordSink open(String route, List<String> targets, BindingSpec spec, Duration timeout,
      Consumer<String> warnings) {
    SinkClient client = RemoteRecordSink.client(targets, timeout);
    Scheduler scheduler = Scheduler.system("sinkgate-bind-" + route);
    ForeignRecordSink sink = new ForeignRecordSink(route, client, spec, timeout, scheduler, warnings);
    try {
      sink.bind(FIRST_RETRY, true);
      return sink;
    } catch (RuntimeException e) {
      sink.close();
      throw e;
    }
  }

  /** One binding attempt; an unreachable target schedules the next. A misfit throws when {@code first}. */
  private void bind(Duration nextDelay, boolean first) {
    if (closed) {
      return;
    }
    try {
      wire = client.bindMethod(spec);
      unbound = null;
      watchHealth(spec.service(), FIRST_RETRY);
      opened.complete(null);
      if (!first) {
        warnings.accept("route '" + route + "': bound " + wire.binding());
      }
    } catch (BindingException e) {
      if (first) {
        throw e;
      }
      unbound = e.getMessage();
      misfit = true;
      warnings.accept("route '" + route + "': " + e.getMessage() + "; every record is refused until the config"
          + " is fixed");
      healthListeners.forEach(Runnable::run);
    } catch (SinkException e) {
      unbound = "cannot bind " + spec.fullMethodName() + " yet: " + client.target() + " answered " + e.code() + ": "
          + e.description();
      if (first) {
        warnings.accept("route '" + route + "': " + unbound + "; retrying until it answers");
      }
      Duration next = nextDelay.multipliedBy(2).compareTo(MAX_RETRY) > 0 ? MAX_RETRY : nextDelay.multipliedBy(2);
      scheduler.schedule(() -> bind(next, false), nextDelay);
    }
  }

  /** Completes once the method is bound. */
  @Override
  public CompletionStage<Void> opened() {
    return opened;
  }

  /** False once the method was found not to fit, or while the target's health service says it is not serving. */
  @Override
  public boolean healthy() {
    return !misfit && downstreamHealthy;
  }

  /**
   * Watches the target's health for {@code service}; {@code SERVICE_UNKNOWN} moves on to
   * {@code ""}, a failed watch is started again after {@code delay} (doubling, at most
   * {@link #MAX_RETRY}).
   */
  private void watchHealth(String service, Duration delay) {
    if (closed) {
      return;
    }
    HealthGrpc.newStub(client.channel()).watch(HealthCheckRequest.newBuilder().setService(service).build(),
        new ClientResponseObserver<HealthCheckRequest, HealthCheckResponse>() {
          @Override
          public void beforeStart(ClientCallStreamObserver<HealthCheckRequest> call) {
            healthWatch = call;
          }

          @Override
          public void onNext(HealthCheckResponse r) {
            if (r.getStatus() == ServingStatus.SERVICE_UNKNOWN && !service.isEmpty()) {
              healthWatch.cancel("the target does not know " + service + "; watching its overall health", null);
              watchHealth("", FIRST_RETRY);
              return;
            }
            setDownstreamHealthy(r.getStatus() == ServingStatus.SERVING);
          }

          @Override
          public void onError(Throwable t) {
            Status status = Status.fromThrowable(t);
            if (closed || status.getCode() == Status.Code.CANCELLED) {
              return; // closing, or moved on to another service name
            }
            if (status.getCode() == Status.Code.UNIMPLEMENTED) {
              setDownstreamHealthy(true); // no health service: nothing to follow
              return;
            }
            setDownstreamHealthy(false);
            Duration next = delay.multipliedBy(2).compareTo(MAX_RETRY) > 0 ? MAX_RETRY : delay.multipliedBy(2);
            scheduler.schedule(() -> watchHealth(service, next), delay);
          }

          @Override
          public void onCompleted() {
            scheduler.schedule(() -> watchHealth(service, FIRST_RETRY), delay);
          }
        });
  }

  private void setDownstreamHealthy(boolean healthy) {
    if (downstreamHealthy != healthy) {
      downstreamHealthy = healthy;
      healthListeners.forEach(Runnable::run);
    }
  }

  @Override
  public void onHealthChange(Runnable listener) {
    healthListeners.add(listener);
  }

  @Override
  public CompletableFuture<Accepted> append(Record record) {
    WireSink w = wire;
    if (closed || w == null) {
      return CompletableFuture.failedFuture(new RecordRejectedException(Reason.UNAVAILABLE,
          "route '" + route + "': " + (closed ? "is closed" : unbound)));
    }
    long attemptNanos = RemoteRecordSink.attemptNanos(record, timeout);
    if (attemptNanos <= 0) {
      return CompletableFuture.failedFuture(new RecordRejectedException(Reason.DEADLINE,
          "route '" + route + "': the record's deadline passed before it was forwarded"));
    }
    CompletableFuture<Accepted> result = new CompletableFuture<>();
    try {
      w.writeAsync(record.data(), record.key(), record.headers(), Duration.ofNanos(attemptNanos)).whenComplete((n, t) -> {
        if (t == null) {
          result.complete(new Accepted(n, Durability.DURABILITY_DOWNSTREAM, 0, false));
        } else {
          result.completeExceptionally(RemoteRecordSink.rejection(route, client.target(), SinkException.from(t)));
        }
      });
    } catch (IllegalStateException closing) {
      result.completeExceptionally(new RecordRejectedException(Reason.UNAVAILABLE, "route '" + route + "' is closed"));
    }
    return result;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    ClientCallStreamObserver<HealthCheckRequest> watch = healthWatch;
    if (watch != null) {
      watch.cancel("route closing", null);
    }
    scheduler.close();
    WireSink w = wire;
    if (w != null) {
      w.close();
    }
    client.close();
  }

  @Override
  public String toString() {
    WireSink w = wire;
    return "ForeignRecordSink(" + route + " -> " + client.target() + " " + (w == null ? spec.fullMethodName()
        : w.binding().toString()) + ")";
  }
}
