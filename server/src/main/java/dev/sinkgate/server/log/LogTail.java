package dev.sinkgate.server.log;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * Follows a file log: each {@link #poll} visits the records appended since the previous
 * one, resuming at the byte where it stopped instead of rereading the log. Like
 * {@link LogReader} it reads only whole, checked frames, so it is safe beside a gateway
 * that appends: a frame still being written is read by a later poll. Not thread-safe.
 */
public final class LogTail {
  private final Path dir;
  private final long fromOffset;
  private final LogFiles files;
  private Path segment;
  /** Where the next scan of {@link #segment} resumes; -1 for just after its header. */
  private long position = -1;

  /** Follows the log in {@code dir} from {@code fromOffset}. Opens nothing until the first poll. */
  public LogTail(Path dir, long fromOffset) {
    this(dir, fromOffset, LogFiles.SYSTEM);
  }

  /** As above, reading the segments through {@code files} (a test counts the bytes read). */
  public LogTail(Path dir, long fromOffset, LogFiles files) {
    this.dir = dir;
    this.fromOffset = fromOffset;
    this.files = files;
  }

  /**
   * Visits every whole record appended since the last poll (from the start on the first).
   *
   * @return how many records were visited
   * @throws java.nio.file.NoSuchFileException if {@code dir} is not a log directory
   * @throws CorruptLogException at a corrupt frame; later polls stop there again
   */
  public long poll(LogReader.RecordVisitor visitor) throws IOException {
    List<Path> segments = LogReader.segments(dir);
    if (segment == null) {
      segment = segments.get(LogReader.segmentHolding(segments, fromOffset));
    }
    long visited = 0;
    while (true) {
      SegmentScanner opened;
      try {
        opened = position < 0 ? new SegmentScanner(files, segment) : new SegmentScanner(files, segment, position);
      } catch (NoSuchFileException e) {
        // Retention deleted the segment being followed: go on with the oldest one after it.
        Path next = firstAfter(LogReader.segments(dir), LogReader.baseOffset(segment));
        if (next == null) {
          return visited;
        }
        segment = next;
        position = -1;
        continue;
      }
      try (SegmentScanner scanner = opened) {
        LogRecord r;
        while ((r = scanner.next()) != null) {
          if (r.offset() >= fromOffset) {
            visitor.visit(r);
            visited++;
          }
          position = scanner.validEnd();
        }
        position = scanner.validEnd();
        if (scanner.stoppedBy() == LogFormat.FrameCheck.CORRUPT) {
          throw LogReader.corruptAt(segment, position);
        }
      }
      // A later segment means this one is finished once it is read to its end.
      Path next = firstAfter(segments, LogReader.baseOffset(segment));
      if (next == null || position < Files.size(segment)) {
        return visited;
      }
      segment = next;
      position = -1;
    }
  }

  private static Path firstAfter(List<Path> segments, long base) {
    for (Path p : segments) {
      if (LogReader.baseOffset(p) > base) {
        return p;
      }
    }
    return null;
  }
}
