package dev.sinkgate.server.config;

import dev.sinkgate.server.log.FileLog;
import dev.sinkgate.server.log.FsyncPolicy;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.yaml.snakeyaml.nodes.NodeTuple;

/**
 * Reads the keys of a file log for {@link ConfigLoader}, with its error reporting: a
 * {@code file} route's {@code fsync}, {@code fsync_interval}, segment, retention and producer
 * keys, and a spool's {@code fsync} and {@code fsync_interval} ({@link RemoteKeys}).
 */
final class FileLogKeys {
  private final ConfigLoader loader;

  FileLogKeys(ConfigLoader loader) {
    this.loader = loader;
  }

  /** {@code fsync}: always, interval or never; {@code dflt} when absent. */
  FsyncPolicy fsync(Map<String, NodeTuple> keys, String where, FsyncPolicy dflt) throws ConfigException {
    NodeTuple fsyncTuple = keys.get("fsync");
    if (fsyncTuple == null) {
      return dflt;
    }
    String f = loader.scalar(fsyncTuple.getValueNode(), where + ".fsync");
    List<String> modes = List.of("always", "interval", "never");
    if (!modes.contains(f)) {
      throw loader.error(fsyncTuple.getValueNode(), where + ".fsync", "'" + f + "'"
          + ConfigLoader.suggestion(f, modes) + " (expected one of: always, interval, never)");
    }
    return FsyncPolicy.valueOf(f.toUpperCase(Locale.ROOT));
  }

  /**
   * {@code fsync_interval}: only with {@code fsync: interval}, where it defaults to 1s. Refused
   * with the other modes rather than ignored, so nobody believes a setting that does nothing.
   */
  Duration fsyncInterval(Map<String, NodeTuple> keys, String where, FsyncPolicy fsync)
      throws ConfigException {
    NodeTuple t = keys.get("fsync_interval");
    if (fsync != FsyncPolicy.INTERVAL) {
      if (t != null) {
        throw loader.error(t.getKeyNode(), where + ".fsync_interval", "only applies with 'fsync: interval'"
            + " (fsync here is " + fsync.name().toLowerCase(Locale.ROOT) + "; expected: fsync: interval,"
            + " or no fsync_interval)");
      }
      return null;
    }
    if (t == null) {
      return ConfigLoader.DEFAULT_FSYNC_INTERVAL;
    }
    Duration d = loader.convert(t.getValueNode(), where + ".fsync_interval", ConfigValues::duration);
    if (d.isZero() || d.compareTo(ConfigLoader.MAX_FSYNC_INTERVAL) > 0) {
      throw loader.error(t.getValueNode(), where + ".fsync_interval", "'"
          + loader.scalar(t.getValueNode(), where) + "' (expected: from 1ms to 1h; for a sync before every acknowledgement use fsync: always)");
    }
    return d;
  }

  /**
   * {@code segment_bytes} (default 64MiB), {@code retention_bytes} and {@code retention_age}
   * (default: keep everything). Retention by size must leave room for at least two
   * segments, or the log would delete each segment as soon as it rolled. {@code
   * producer_expiry} (default 24h) and {@code max_producers} (default 10000) bound the
   * memory idempotent writes take.
   */
  FileLog.Options logOptions(Map<String, NodeTuple> keys, String where) throws ConfigException {
    long segment = loader.sizeKey(keys, "segment_bytes", where, FileLog.Options.DEFAULT.segmentBytes());
    if (segment < FileLog.Options.MIN_SEGMENT_BYTES || segment > 1L << 30) {
      throw loader.error(keys.get("segment_bytes").getValueNode(), where + ".segment_bytes", segment
          + " bytes (expected: from 4KiB to 1GiB)");
    }
    long retention = loader.sizeKey(keys, "retention_bytes", where, 0);
    if (retention != 0 && retention < 2 * segment) {
      throw loader.error(keys.get("retention_bytes").getValueNode(), where + ".retention_bytes", retention
          + " bytes is less than two segments of " + segment + " bytes (expected: >= 2 x segment_bytes,"
          + " or 0 to keep everything; lower segment_bytes to keep less)");
    }
    Duration age = loader.positiveDuration(keys, "retention_age", where, null,
        "a positive age like 7d, or no retention_age to keep records regardless of age");
    Duration expiry = loader.positiveDuration(keys, "producer_expiry", where,
        FileLog.Options.DEFAULT_PRODUCER_EXPIRY, "a positive duration like 24h: how long a producer that writes nothing is still recognized when it retries");
    long producers = loader.sizeKey(keys, "max_producers", where, FileLog.Options.DEFAULT_MAX_PRODUCERS);
    if (producers < 1 || producers > 1_000_000) {
      // About 1 KiB each: a million is a gigabyte of heap.
      throw loader.error(keys.get("max_producers").getValueNode(), where + ".max_producers", producers
          + " (expected: a producer count from 1 to 1000000)");
    }
    return new FileLog.Options(segment, retention, age, expiry, (int) producers, 0);
  }
}
