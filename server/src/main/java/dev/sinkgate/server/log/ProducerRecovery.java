package dev.sinkgate.server.log;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.NavigableSet;
import java.util.function.Consumer;

/**
 * Rebuilds a file log's {@link ProducerState} when the log is opened: loads the newest
 * valid {@link ProducerSnapshot} and replays the records after it. A damaged snapshot is
 * skipped with a warning for an older one; with none, the whole retained log is replayed
 * (with a warning unless it is one segment). Used once, by {@link FileLog#open}.
 */
final class ProducerRecovery {
  private final LogFiles files;
  private final Path dir;
  /** The offsets of the snapshots in {@link #dir}; those found wrong are removed. */
  private final NavigableSet<Long> snapshots;
  private final long firstBase;
  private final int segmentCount;
  private final ProducerState producers;
  private final Consumer<String> warnings;

  ProducerRecovery(LogFiles files, Path dir, NavigableSet<Long> snapshots, long firstBase, int segmentCount,
      ProducerState producers, Consumer<String> warnings) {
    this.files = files;
    this.dir = dir;
    this.snapshots = snapshots;
    this.firstBase = firstBase;
    this.segmentCount = segmentCount;
    this.producers = producers;
    this.warnings = warnings;
  }

  /**
   * Loads the newest valid snapshot taken at or below {@code limit} (and not below the
   * log's first offset) and returns the offset from which records must be replayed: the
   * snapshot's, or the log's first offset if there is none.
   */
  long loadNewestSnapshot(long limit) throws IOException {
    boolean damaged = false;
    for (long offset : snapshots.descendingSet()) {
      if (offset > limit || offset < firstBase) {
        continue;
      }
      try {
        ProducerSnapshot.read(files, ProducerSnapshot.file(dir, offset), producers);
        return offset;
      } catch (CorruptLogException e) {
        producers.clear();
        damaged = true;
        warnings.accept("file log " + dir + ": " + e.getMessage() + "; trying an older producer snapshot");
      }
    }
    if (damaged || segmentCount > 1) {
      warnings.accept("file log " + dir + ": no valid producer snapshot; reading the whole log (" + segmentCount
          + " segments) from offset " + firstBase + " to rebuild the producers' sequences");
    }
    return firstBase;
  }

  /** Replays the records of {@code segments} (oldest first) from offset {@code from} up to {@code to}. */
  void replay(List<FileLog.Segment> segments, long from, long to) throws IOException {
    for (int i = 0; i < segments.size(); i++) {
      FileLog.Segment s = segments.get(i);
      long end = i + 1 < segments.size() ? segments.get(i + 1).baseOffset() : to;
      if (end <= from || s.baseOffset() >= to) {
        continue;
      }
      try (SegmentScanner scanner = new SegmentScanner(files, s.file())) {
        LogRecord r;
        while ((r = scanner.next()) != null && r.offset() < to) {
          replay(r, from, producers);
        }
      }
    }
  }

  /**
   * The snapshot loaded describes records the recovered log no longer holds, which ends
   * below {@code nextOffset} (after a repair, or a damaged tail cut after a clean close):
   * deletes every snapshot past the end and rebuilds the table from an older one.
   */
  void restartBelow(long nextOffset, List<FileLog.Segment> allSegments) throws IOException {
    for (Long past : List.copyOf(snapshots.tailSet(nextOffset, false))) {
      files.deleteIfExists(ProducerSnapshot.file(dir, past));
      snapshots.remove(past);
    }
    producers.clear();
    replay(allSegments, loadNewestSnapshot(nextOffset), nextOffset);
  }

  /** Applies {@code r} to {@code producers} if it has a producer id and lies at or after {@code from}. */
  static void replay(LogRecord r, long from, ProducerState producers) {
    if (r.hasProducer() && r.offset() >= from) {
      producers.written(r.producerId(), r.sequence(), r.offset(), r.timestampMillis());
    }
  }
}
