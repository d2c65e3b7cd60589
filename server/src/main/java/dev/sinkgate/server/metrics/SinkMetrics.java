package dev.sinkgate.server.metrics;

import dev.sinkgate.server.route.Route;
import dev.sinkgate.server.route.RouteCounters;
import dev.sinkgate.server.route.Router;
import io.grpc.Status;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.IntSupplier;

/**
 * The gateway's counters, read together: per route, the records and payload bytes
 * acknowledged, the duplicates among them and the records refused by status code; the
 * refusals of records that named no route; and the calls and streams open now.
 *
 * <p>It only reads: the service increments each route's {@link RouteCounters} as it
 * answers, and {@link #snapshot()} sums them when asked (for the {@code /metrics}
 * endpoint, a test, or an embedding application). A snapshot is not atomic across
 * counters: a record answered while it is taken may show in one counter and not yet in
 * another.
 */
public final class SinkMetrics {
  private final Router router;
  private final IntSupplier callsInFlight;
  private final IntSupplier streamsOpen;

  /**
   * @param router whose routes' counters (and unrouted refusals) to read
   * @param callsInFlight Sink calls admitted and not yet finished
   * @param streamsOpen WriteStream calls started and not yet ended
   */
  public SinkMetrics(Router router, IntSupplier callsInFlight, IntSupplier streamsOpen) {
    this.router = router;
    this.callsInFlight = callsInFlight;
    this.streamsOpen = streamsOpen;
  }

  /**
   * The counters of one route at one moment; {@code fsyncs} counts the route's fdatasync
   * calls (a file route's; 0 for others), so records ÷ fsyncs is its group-commit size.
   */
  public record RouteCounts(long accepted, long bytes, long duplicates, Map<Status.Code, Long> refused,
      long fsyncs) {
    /** Counts of a route that does not sync. */
    public RouteCounts(long accepted, long bytes, long duplicates, Map<Status.Code, Long> refused) {
      this(accepted, bytes, duplicates, refused, 0);
    }

    /** Records refused with {@code code}; 0 for a code never answered. */
    public long refused(Status.Code code) {
      return refused.getOrDefault(code, 0L);
    }
  }

  /**
   * Every counter at one moment.
   *
   * @param routes each configured route's counts, in the router's order
   * @param unrouted refusals of records that named no route, by code (codes never answered absent)
   * @param callsInFlight Sink calls admitted and not yet finished
   * @param streamsOpen WriteStream calls started and not yet ended
   */
  public record Snapshot(Map<String, RouteCounts> routes, Map<Status.Code, Long> unrouted, int callsInFlight,
      int streamsOpen) {
    /** The counts of route {@code name}; fails for a route the gateway does not serve. */
    public RouteCounts route(String name) {
      RouteCounts c = routes.get(name);
      if (c == null) {
        throw new IllegalArgumentException("no route '" + name + "' (routes: " + routes.keySet() + ")");
      }
      return c;
    }

    /** Records that named no route refused with {@code code}. */
    public long unrouted(Status.Code code) {
      return unrouted.getOrDefault(code, 0L);
    }
  }

  public Snapshot snapshot() {
    Map<String, RouteCounts> routes = new LinkedHashMap<>();
    for (Route r : router.routes().values()) {
      RouteCounters c = r.counters();
      routes.put(r.name(), new RouteCounts(c.accepted(), c.bytes(), c.duplicates(), refusals(c), r.sink().fsyncs()));
    }
    return new Snapshot(Collections.unmodifiableMap(routes), refusals(router.unrouted()),
        callsInFlight.getAsInt(), streamsOpen.getAsInt());
  }

  /** The non-zero refusal counts, in code order. */
  private static Map<Status.Code, Long> refusals(RouteCounters c) {
    Map<Status.Code, Long> out = new LinkedHashMap<>();
    for (int code = 1; code < RouteCounters.STATUS_CODES; code++) {
      long n = c.refused(code);
      if (n != 0) {
        out.put(Status.fromCodeValue(code).getCode(), n);
      }
    }
    return Collections.unmodifiableMap(out);
  }
}
