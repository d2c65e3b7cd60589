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
 */
public record Route(String name, RecordSink sink, int maxRecordBytes) {
  /** The size limit of a route that does not set one: 4 MiB. */
  public static final int DEFAULT_MAX_RECORD_BYTES = 4 << 20;

  public Route {
    SinkNames.check(name);
    Objects.requireNonNull(sink, "sink");
    if (maxRecordBytes < 0) {
      throw new IllegalArgumentException("maxRecordBytes: " + maxRecordBytes + " (expected: >= 0)");
    }
  }
}
