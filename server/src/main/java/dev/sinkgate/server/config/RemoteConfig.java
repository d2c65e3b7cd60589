package dev.sinkgate.server.config;

import dev.sinkgate.client.BindingSpec;
import dev.sinkgate.client.RetryPolicy;
import dev.sinkgate.server.remote.BreakerPolicy;
import dev.sinkgate.server.remote.RetryBudget;
import java.time.Duration;
import java.util.List;

/**
 * The settings of a {@code remote} route.
 *
 * @param targets one {@code host:port}, {@code dns:///name:port} or {@code unix:/path}, or
 *     several {@code host:port}
 * @param sink the route name sent downstream (the {@code sink} field), by default the route's own
 * @param timeout the deadline of one attempt (the record's own deadline may cut it shorter)
 * @param retry attempts and backoff; {@link RetryPolicy#none()} when the route has no {@code retry:}
 * @param budget how many retries the route may add to its calls
 * @param breaker when the circuit breaker opens; null when the route has no {@code breaker:}
 * @param spool the spool in front of the downstream; null when the route has no {@code spool:}
 * @param method a foreign method bound by its shape ({@code method:}, with {@code data_field},
 *     {@code count_field}, {@code key_field}, {@code headers_field}, {@code descriptor_set}) instead of
 *     {@code sinkgate.v1.Sink/Write}; null for a sinkgate downstream
 */
public record RemoteConfig(List<String> targets, String sink, Duration timeout, RetryPolicy retry,
    RetryBudget budget, BreakerPolicy breaker, SpoolConfig spool, BindingSpec method) {

  /** A route to a sinkgate downstream ({@code sinkgate.v1.Sink}). */
  public RemoteConfig(List<String> targets, String sink, Duration timeout, RetryPolicy retry,
      RetryBudget budget, BreakerPolicy breaker, SpoolConfig spool) {
    this(targets, sink, timeout, retry, budget, breaker, spool, null);
  }
}
