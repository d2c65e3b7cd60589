package dev.sinkgate.server.spool;

import dev.sinkgate.server.config.SpoolConfig;
import dev.sinkgate.server.log.FileLog;
import dev.sinkgate.server.log.FileLogSink;
import dev.sinkgate.server.log.FsyncPolicy;
import dev.sinkgate.server.log.LogFiles;
import dev.sinkgate.server.sink.RecordSink;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * A file log used as a queue in front of a downstream sink: records are appended and
 * acknowledged at the spool's durability, and a forwarder drains them to the downstream in
 * order behind a committed cursor. The layout on disk and the guarantees are in
 * {@code docs/spool.md}.
 */
public final class Spool {
  /** The dead-letter log's directory inside the spool's. */
  public static final String DEAD_LETTER_DIR = "dead-letter";
  /** Bounds of the queue in front of the spool's writer thread. */
  static final int QUEUE_RECORDS = 4096;
  static final long QUEUE_BYTES = 16L << 20;

  private Spool() {}

  /**
   * Opens (or recovers) the spool at {@code config.path()} in front of {@code downstream}
   * and starts its forwarder, which resumes from the committed cursor. The returned sink
   * owns {@code downstream} and closes it (also when opening fails).
   *
   * @param route the route's name, for thread names and messages
   * @param clock stamps the spooled records and times the cursor commits
   * @param warnings receives one line per recovery action, per outage of the downstream
   *     and per dead-lettered record
   * @throws IllegalArgumentException if {@code config.maxBytes()} is under two segments (the
   *     segment being written is never deleted, so a smaller spool could not free room)
   */
  public static SpoolingSink open(String route, SpoolConfig config, RecordSink downstream, Clock clock,
      Consumer<String> warnings) throws IOException {
    return open(route, config, OrderedDownstream.oneAtATime(downstream), clock, warnings);
  }

  /**
   * As above, forwarding to {@code downstream} with its window of records in flight (a
   * {@code WriteStream}); the returned sink owns {@code downstream} and closes it.
   */
  public static SpoolingSink open(String route, SpoolConfig config, OrderedDownstream downstream, Clock clock,
      Consumer<String> warnings) throws IOException {
    return open(route, config, downstream, clock, warnings, Forwarder.Settings.DEFAULT, LogFiles.SYSTEM);
  }

  /** As above, with the forwarder's commit and retry settings (a test's fake pause) and the spool log's files. */
  static SpoolingSink open(String route, SpoolConfig config, RecordSink downstream, Clock clock,
      Consumer<String> warnings, Forwarder.Settings settings, LogFiles files) throws IOException {
    return open(route, config, OrderedDownstream.oneAtATime(downstream), clock, warnings, settings, files);
  }

  static SpoolingSink open(String route, SpoolConfig config, OrderedDownstream downstream, Clock clock,
      Consumer<String> warnings, Forwarder.Settings settings, LogFiles files) throws IOException {
    try (Closer opened = new Closer()) {
      opened.add(downstream::close);
      if (config.maxBytes() < 2 * config.segmentBytes()) {
        throw new IllegalArgumentException("route '" + route + "': spool max_bytes " + config.maxBytes()
            + " (expected: at least twice segment_bytes " + config.segmentBytes() + ")");
      }
      Path dir = config.path();
      Files.createDirectories(dir);
      FileLog log = FileLog.open(dir, FileLog.Options.DEFAULT.withSegmentBytes(config.segmentBytes())
          .withCapacity(config.maxBytes()), clock, files, warnings);
      Duration interval = config.fsyncInterval() == null ? FileLogSink.DEFAULT_SYNC_INTERVAL : config.fsyncInterval();
      opened.add(log);
      FileLogSink spool = opened.add(new FileLogSink(route + "-spool", log, config.fsync(), interval, QUEUE_RECORDS,
          QUEUE_BYTES, clock));
      FileLog deadLog = FileLog.open(dir.resolve(DEAD_LETTER_DIR),
          FileLog.Options.DEFAULT.withSegmentBytes(config.segmentBytes()), clock, LogFiles.SYSTEM, warnings);
      opened.add(deadLog);
      FileLogSink deadLetters = opened.add(new FileLogSink(route + "-dead-letter", deadLog, FsyncPolicy.ALWAYS,
          QUEUE_RECORDS, QUEUE_BYTES, clock));

      // The log is open (and locked), so no other gateway changes the state files under us.
      SpoolState state = new SpoolState(dir, LogFiles.SYSTEM);
      UUID producerId = state.producerId();
      long cursor = state.cursor();
      long end = spool.writtenEnd();
      if (cursor < 0) {
        cursor = log.firstOffset();
      } else if (cursor > end) {
        // Records were forwarded that the log no longer holds (restored from a backup, say):
        // new records will reuse those offsets, which the old producer id would make duplicates.
        producerId = state.newProducerId();
        warnings.accept("route '" + route + "': the spool's cursor " + cursor + " is past its log's end " + end
            + "; forwarding from " + end + " as the new producer " + producerId);
        cursor = end;
        state.commitCursor(cursor);
      } else if (cursor < log.firstOffset()) {
        cursor = log.firstOffset();
      }
      Forwarder forwarder = opened.add(new Forwarder(route, dir, files, spool, deadLetters, downstream, state,
          producerId.toString(), cursor, clock, settings, warnings));
      SpoolingSink sink = new SpoolingSink(route, dir, spool, deadLetters, forwarder, downstream, producerId.toString());
      opened.release();
      return sink;
    }
  }
}
