package dev.sinkgate.server.route;

import dev.sinkgate.server.sink.RecordRejectedException;
import dev.sinkgate.server.sink.RecordRejectedException.Reason;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Maps sink names to routes and checks a record against its route before it goes
 * anywhere. Immutable once built; owns its routes and closes them in reverse order of
 * opening.
 */
public final class Router implements AutoCloseable {
  private final Map<String, Route> routes;
  private final RouteCounters unrouted = new RouteCounters();
  private boolean closed;

  /** Takes ownership of {@code routes}, in the order they were opened. */
  public Router(List<Route> routes) {
    Map<String, Route> byName = new LinkedHashMap<>();
    for (Route r : routes) {
      if (byName.putIfAbsent(r.name(), r) != null) {
        throw new IllegalArgumentException("route '" + r.name() + "' is defined twice");
      }
    }
    this.routes = Collections.unmodifiableMap(byName);
  }

  /** The largest {@code max_record_bytes} of any route. */
  public int largestRecordLimit() {
    int max = 0;
    for (Route r : routes.values()) {
      max = Math.max(max, r.maxRecordBytes());
    }
    return max;
  }

  /** Route names in the order they were opened. */
  public List<String> names() {
    return List.copyOf(routes.keySet());
  }

  public Map<String, Route> routes() {
    return routes;
  }

  /** The route named {@code sinkName} (an empty name means {@link SinkNames#DEFAULT}), or null if there is none. */
  private Route find(String sinkName) {
    return routes.get(sinkName.isEmpty() ? SinkNames.DEFAULT : sinkName);
  }

  /**
   * The refusals of records that named no route of this router (an unknown or invalid
   * sink name); only their {@link RouteCounters#refused(int) refused} counts are used.
   */
  public RouteCounters unrouted() {
    return unrouted;
  }

  /** The counters to charge with a refusal of a record sent to {@code sinkName}: its route's, or {@link #unrouted()}. */
  public RouteCounters countersFor(String sinkName) {
    Route route = find(sinkName);
    return route == null ? unrouted : route.counters();
  }

  /**
   * The route for a record sent to {@code sinkName} with {@code size} bytes.
   *
   * @throws RecordRejectedException INVALID for a bad name or an oversized record,
   *     NO_SUCH_ROUTE for an unknown name
   */
  public Route resolve(String sinkName, int size) {
    return resolve(sinkName, size, "");
  }

  /** The longest producer id accepted, in characters: ids are held in memory and in every producer snapshot. */
  public static final int MAX_PRODUCER_ID_CHARS = 128;

  /**
   * As {@link #resolve(String, int)}, also checking the record's producer id.
   *
   * @throws RecordRejectedException INVALID for a producer id over {@link #MAX_PRODUCER_ID_CHARS}
   */
  public Route resolve(String sinkName, int size, String producerId) {
    if (producerId.length() > MAX_PRODUCER_ID_CHARS) {
      throw new RecordRejectedException(Reason.INVALID, "producer_id of " + producerId.length()
          + " characters is over the limit of " + MAX_PRODUCER_ID_CHARS
          + " (expected: a short id unique to the producer session, such as a UUID)");
    }
    String name = sinkName.isEmpty() ? SinkNames.DEFAULT : sinkName;
    // Looked up before the name is checked: a route's name is valid (Route checks it), so
    // only a miss pays for the pattern match that tells INVALID from NO_SUCH_ROUTE.
    Route route = routes.get(name);
    if (route == null) {
      if (!SinkNames.isValid(name)) {
        throw new RecordRejectedException(Reason.INVALID, "sink name '" + name
            + "' is invalid (expected: " + SinkNames.RULE + "; an empty name means '"
            + SinkNames.DEFAULT + "')");
      }
      throw new RecordRejectedException(Reason.NO_SUCH_ROUTE, "no route named '" + name
          + "' (this gateway serves: " + String.join(", ", routes.keySet()) + ")");
    }
    if (size > route.maxRecordBytes()) {
      throw new RecordRejectedException(Reason.INVALID, "record of " + size
          + " bytes is over route '" + name + "' limit of " + route.maxRecordBytes()
          + " bytes (max_record_bytes)");
    }
    return route;
  }

  /** Closes every route's sink, last opened first; the first failure is rethrown. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    List<Route> reversed = new ArrayList<>(routes.values());
    Collections.reverse(reversed);
    RuntimeException first = null;
    for (Route r : reversed) {
      try {
        r.sink().close();
      } catch (RuntimeException e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }
}
