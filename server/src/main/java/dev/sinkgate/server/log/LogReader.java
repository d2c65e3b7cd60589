package dev.sinkgate.server.log;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Reads a file log's records in offset order, checking every CRC, with memory bounded by
 * the largest record. Safe to use while a gateway appends to the log: it reads what is
 * complete and stops at the first incomplete frame. A corrupt frame (a whole frame with a
 * bad CRC, or an impossible length) ends the read with {@link CorruptLogException} after
 * the records before it were visited.
 */
public final class LogReader {
  private LogReader() {}

  /** Receives records; may throw to stop reading. */
  @FunctionalInterface
  public interface RecordVisitor {
    void visit(LogRecord record) throws IOException;
  }

  /**
   * Calls {@code visitor} for every record with offset &ge; {@code fromOffset}.
   *
   * @return the number of records visited
   * @throws NoSuchFileException if {@code dir} is not a log directory
   */
  public static long read(Path dir, long fromOffset, RecordVisitor visitor) throws IOException {
    // One poll of a fresh tail reads everything whole from the segment holding fromOffset on.
    return new LogTail(dir, fromOffset).poll(visitor);
  }

  /** The index of the segment that holds {@code offset}: the last one whose base is not above it (0 if none). */
  static int segmentHolding(List<Path> segments, long offset) {
    int index = 0;
    for (int i = 0; i < segments.size(); i++) {
      if (baseOffset(segments.get(i)) <= offset) {
        index = i;
      }
    }
    return index;
  }

  /** The base offset a segment file's name gives. */
  static long baseOffset(Path segment) {
    return Long.parseLong(segment.getFileName().toString().substring(0, 20));
  }

  static CorruptLogException corruptAt(Path segment, long position) {
    return new CorruptLogException(segment + ": the record at byte " + position
        + " is corrupt (bad length or CRC); the records before it were read, none after it");
  }

  /** All records of a log, for tests and small logs. */
  public static List<LogRecord> readAll(Path dir) throws IOException {
    List<LogRecord> out = new ArrayList<>();
    read(dir, 0, out::add);
    return out;
  }

  static List<Path> segments(Path dir) throws IOException {
    List<Path> segments = segmentsOrEmpty(dir);
    if (segments.isEmpty()) {
      throw new NoSuchFileException(dir.toString(), null,
          "no log segments (expected files named like 00000000000000000000.log)");
    }
    return segments;
  }

  /** The segment files of {@code dir}, oldest first; empty if it has none. */
  static List<Path> segmentsOrEmpty(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      throw new NoSuchFileException(dir.toString(), null, "not a file log directory");
    }
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.getFileName().toString().matches(FileLog.SEGMENT_NAME)).sorted().toList();
    }
  }
}
