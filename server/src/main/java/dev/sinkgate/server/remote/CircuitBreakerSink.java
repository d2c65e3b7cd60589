package dev.sinkgate.server.remote;

import dev.sinkgate.server.sink.Accepted;
import dev.sinkgate.server.sink.ForwardingRecordSink;
import dev.sinkgate.server.sink.Record;
import dev.sinkgate.server.sink.RecordRejectedException;
import dev.sinkgate.server.sink.RecordRejectedException.Reason;
import dev.sinkgate.server.sink.RecordSink;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Stops calling a downstream that keeps failing, so it can recover and callers hear at once:
 * each record is one call of a {@link CircuitBreaker} (whose Javadoc gives the states). While
 * the breaker is open, every record fails at once with {@link Reason#UNAVAILABLE}, retry after
 * the time left open. Only failures that say the downstream is in trouble count
 * ({@link CircuitBreaker#counts}); a record refused as invalid counts as a success.
 */
public final class CircuitBreakerSink extends ForwardingRecordSink {
  private final String route;
  private final CircuitBreaker breaker;

  /** Guards {@code delegate} (owned) per {@code policy}, telling time by {@code clock} (not owned). */
  public CircuitBreakerSink(String route, RecordSink delegate, BreakerPolicy policy, Scheduler clock) {
    this(route, delegate, new CircuitBreaker(route, policy, clock));
  }

  /** Guards {@code delegate} (owned) with {@code breaker}, which other callers of the same downstream may share. */
  public CircuitBreakerSink(String route, RecordSink delegate, CircuitBreaker breaker) {
    super(delegate);
    this.route = Objects.requireNonNull(route, "route");
    this.breaker = Objects.requireNonNull(breaker, "breaker");
  }

  /** The breaker's current state. */
  public CircuitBreaker.State state() {
    return breaker.state();
  }

  @Override
  public CompletableFuture<Accepted> append(Record record) {
    CircuitBreaker.Permit permit;
    try {
      permit = breaker.acquire();
    } catch (RecordRejectedException open) {
      return CompletableFuture.failedFuture(open);
    }
    CompletableFuture<Accepted> call;
    try {
      call = delegate.append(record);
    } catch (RuntimeException e) {
      call = CompletableFuture.failedFuture(e);
    }
    return call.whenComplete((a, t) -> breaker.record(permit, t == null || !CircuitBreaker.counts(unwrap(t))));
  }

  private static Throwable unwrap(Throwable t) {
    return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
  }

  @Override
  public String toString() {
    return "CircuitBreakerSink(" + route + ", " + breaker + ", " + delegate + ")";
  }
}
