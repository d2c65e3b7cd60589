package dev.sinkgate.server.route;

import dev.sinkgate.server.sink.RecordSink;
import java.util.Objects;

/**
 * A named pipeline: where records for one sink name go, and the limits they must meet.
 * The route owns its sink; the {@link Router} that holds the route closes it.
 *
 * @param name the sink name clients use
 * @param sink where accepted records go
 * @param maxRecordBytes the largest record the route accepts
 * @param counters what the gateway answered for this route's records (see {@link RouteCounters})
 */
public record Route(String name, RecordSink sink, int maxRecordBytes, RouteCounters counters) {
  /** The size limit of a route that does not set one: 4 MiB. */
  public static final int DEFAULT_MAX_RECORD_BYTES = 4 << 20;

  public Route {
    SinkNames.check(name);
    Objects.requireNonNull(sink, "sink");
    Objects.requireNonNull(counters, "counters");
    if (maxRecordBytes < 0) {
      throw new IllegalArgumentException("maxRecordBytes: " + maxRecordBytes + " (expected: >= 0)");
    }
  }

  /** A route with counters of its own, all at zero. */
  public Route(String name, RecordSink sink, int maxRecordBytes) {
    this(name, sink, maxRecordBytes, new RouteCounters());
  }
}
