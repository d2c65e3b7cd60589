package dev.sinkgate.server;

import dev.sinkgate.client.DataSinks;
import dev.sinkgate.proto.v1.Durability;
import dev.sinkgate.server.config.SinkConfig;
import dev.sinkgate.server.config.SinkType;
import dev.sinkgate.server.log.FileLog;
import dev.sinkgate.server.log.FileLogSink;
import dev.sinkgate.server.log.LogFiles;
import dev.sinkgate.server.route.Route;
import dev.sinkgate.server.route.Router;
import dev.sinkgate.server.sink.DataSinkRecordSink;
import dev.sinkgate.server.sink.DiscardRecordSink;
import dev.sinkgate.server.sink.RecordSink;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** Opens the routes a config describes. */
final class Routes {
  private Routes() {}

  /**
   * Opens every configured route, in order. If one fails to open, the ones already open
   * are closed and the failure is rethrown.
   */
  static Router open(List<SinkConfig> sinks, PrintStream stdout, Consumer<String> warnings)
      throws IOException {
    List<Route> opened = new ArrayList<>();
    try {
      for (SinkConfig c : sinks) {
        if (c.type() != SinkType.TEE) {
          opened.add(new Route(c.name(), openSink(c, stdout, warnings), c.maxRecordBytes()));
        }
      }
      opened.addAll(RemoteRoutes.openTees(sinks, opened)); // after the routes they feed
      return new Router(opened);
    } catch (IOException | RuntimeException e) {
      new Router(opened).close();
      throw e;
    }
  }

  private static RecordSink openSink(SinkConfig c, PrintStream stdout, Consumer<String> warnings)
      throws IOException {
    return switch (c.type()) {
      case FILE -> {
        FileLog log;
        try {
          log = FileLog.open(c.path(), c.log(), Clock.systemUTC(), LogFiles.SYSTEM, warnings);
        } catch (IOException e) {
          throw new IOException("route '" + c.name() + "': cannot open file log " + c.path() + ": " + e, e);
        }
        Duration interval = c.fsyncInterval() == null ? FileLogSink.DEFAULT_SYNC_INTERVAL : c.fsyncInterval();
        yield new FileLogSink(c.name(), log, c.fsync(), interval, c.queueRecords(), c.queueBytes(),
            Clock.systemUTC());
      }
      case DISCARD -> new DiscardRecordSink();
      case REMOTE -> RemoteRoutes.openRemote(c, warnings);
      case TEE -> throw new IllegalArgumentException("route '" + c.name() + "': a tee opens after its routes");
      case STDOUT -> new DataSinkRecordSink(c.name(),
          DataSinks.outputStream(stdout, "\n".getBytes(StandardCharsets.UTF_8), false),
          Durability.DURABILITY_WRITTEN, c.queueRecords(), c.queueBytes());
    };
  }
}
