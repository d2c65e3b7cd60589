package dev.sinkgate.server.config;

import dev.sinkgate.server.log.FsyncPolicy;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The {@code spool:} of a {@code remote} route: a file log in front of the downstream.
 *
 * @param path the spool's directory (its dead-letter log lives in {@code path/dead-letter})
 * @param maxBytes the most bytes the spool holds on disk; past it writers get
 *     RESOURCE_EXHAUSTED with RetryInfo
 * @param fsync when appends to the spool are synced
 * @param fsyncInterval how often a {@code fsync: interval} spool syncs at most (null for the
 *     other modes)
 * @param segmentBytes the size at which the spool starts a new segment; whole segments behind
 *     the forwarder's committed cursor are deleted
 */
public record SpoolConfig(Path path, long maxBytes, FsyncPolicy fsync, Duration fsyncInterval, long segmentBytes) {}
