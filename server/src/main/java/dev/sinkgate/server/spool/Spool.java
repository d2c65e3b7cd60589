package dev.sinkgate.server.spool;

import dev.sinkgate.server.config.SpoolConfig;
import dev.sinkgate.server.sink.RecordSink;
import java.io.IOException;
import java.time.Clock;
import java.util.function.Consumer;

/**
 * A file log used as a queue in front of a downstream sink: records are appended and
 * acknowledged at the spool's durability, and a forwarder drains them to the downstream in
 * order behind a committed cursor.
 */
public final class Spool {
  private Spool() {}

  /**
   * Opens (or recovers) the spool at {@code config.path()} in front of {@code downstream}
   * and starts its forwarder. The returned sink owns {@code downstream} and closes it.
   */
  public static RecordSink open(String route, SpoolConfig config, RecordSink downstream, Clock clock,
      Consumer<String> warnings) throws IOException {
    throw new UnsupportedOperationException("the spool is not built yet");
  }
}
