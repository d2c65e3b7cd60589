package dev.sinkgate.server.config;

import dev.sinkgate.server.log.FileLog;
import dev.sinkgate.server.log.FsyncPolicy;
import java.nio.file.Path;
import java.time.Duration;

/**
 * One entry under {@code sinks:}.
 *
 * @param name the route name
 * @param type which built-in sink serves the route
 * @param path the log directory ({@code file} only, else null)
 * @param maxRecordBytes the largest record the route accepts
 * @param fsync when a {@code file} route syncs ({@code file} only, else null)
 * @param fsyncInterval how often a {@code fsync: interval} route syncs at most (null for the
 *     other modes and other sink types)
 * @param queueRecords records the route may hold queued before it answers RESOURCE_EXHAUSTED
 * @param queueBytes bytes the route may hold queued before it answers RESOURCE_EXHAUSTED
 * @param log segment size and retention ({@code file} only, else null)
 * @param remote targets and resilience ({@code remote} only, else null)
 * @param tee the routes fed and when to answer ({@code tee} only, else null)
 */
public record SinkConfig(String name, SinkType type, Path path, int maxRecordBytes,
    FsyncPolicy fsync, Duration fsyncInterval, int queueRecords, long queueBytes, FileLog.Options log,
    RemoteConfig remote, TeeConfig tee) {

  /** A route that is neither {@code remote} nor {@code tee}. */
  public SinkConfig(String name, SinkType type, Path path, int maxRecordBytes,
      FsyncPolicy fsync, Duration fsyncInterval, int queueRecords, long queueBytes, FileLog.Options log) {
    this(name, type, path, maxRecordBytes, fsync, fsyncInterval, queueRecords, queueBytes, log, null, null);
  }
}
