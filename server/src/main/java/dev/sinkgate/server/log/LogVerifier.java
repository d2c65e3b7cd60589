package dev.sinkgate.server.log;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * Checks every frame of every segment of a file log, read-only, and sums up what it found.
 * Unlike {@link FileLog#open} it changes nothing and does not take the directory lock, so
 * it may run beside a gateway; a record being appended at that moment then reads as a
 * torn tail. Unlike {@link LogReader} it reports a torn tail instead of stopping quietly.
 */
public final class LogVerifier {
  private LogVerifier() {}

  /** What is wrong with a log, at the first place it goes wrong. */
  public enum Problem {
    /** A whole frame that fails its CRC or does not parse, or an offset out of sequence. */
    CORRUPT,
    /** The last segment ends inside a frame, as a crash (or an append in progress) leaves it. */
    TORN
  }

  /**
   * Where a log first goes wrong.
   *
   * @param segment the segment file
   * @param position the byte in {@code segment} where the bad frame starts
   * @param offset the offset the bad frame should have had
   * @param message what is wrong and what to do, for a person
   */
  public record Finding(Problem problem, Path segment, long position, long offset, String message) {}

  /**
   * What verification found: counts cover the valid records before the finding, if any.
   *
   * @param bytes the size of all segment files, headers and any bad bytes included
   * @param firstOffset the offset of the first record, -1 if there is none (also for the others)
   * @param earliestMillis the earliest record timestamp, -1 without records
   * @param finding null for a clean log
   */
  public record Summary(Path directory, int segments, long records, long bytes, long firstOffset,
      long lastOffset, long earliestMillis, long latestMillis, Finding finding) {
    public boolean clean() {
      return finding == null;
    }
  }

  /**
   * Verifies the log in {@code dir}.
   *
   * @throws NoSuchFileException if {@code dir} is not a log directory
   */
  public static Summary verify(Path dir) throws IOException {
    return new Walk(dir).run();
  }

  /** The state of one verification, segment by segment. */
  private static final class Walk {
    private final Path dir;
    private int segments;
    private long records;
    private long bytes;
    private long firstOffset = -1;
    private long nextOffset = -1;
    private long earliest = -1;
    private long latest = -1;

    Walk(Path dir) {
      this.dir = dir;
    }

    Summary run() throws IOException {
      List<Path> files = LogReader.segments(dir);
      Finding finding = null;
      for (int i = 0; i < files.size(); i++) {
        Path segment = files.get(i);
        try {
          long size = Files.size(segment);
          if (finding == null) {
            finding = scan(segment, i == files.size() - 1);
          }
          segments++;
          bytes += size;
        } catch (NoSuchFileException e) {
          // A gateway's retention deleted it since the listing (verify runs beside one): the
          // log now starts later, so the next segment's base is not checked against it.
          nextOffset = -1;
        }
      }
      return new Summary(dir, segments, records, bytes, firstOffset, firstOffset < 0 ? -1 : nextOffset - 1,
          earliest, latest, finding);
    }

    private Finding scan(Path segment, boolean last) throws IOException {
      SegmentScanner scanner;
      try {
        scanner = new SegmentScanner(segment);
      } catch (CorruptLogException e) {
        // The header is unreadable: the offset it should hold is the one its name gives.
        return corrupt(segment, 0, nextOffset >= 0 ? nextOffset : LogReader.baseOffset(segment), e.getMessage());
      }
      try (scanner) {
        if (nextOffset >= 0 && scanner.baseOffset() != nextOffset) {
          return corrupt(segment, 0, nextOffset, segment + ": the segment starts at offset "
              + scanner.baseOffset() + " (expected: " + nextOffset + ", right after the previous segment)");
        }
        if (nextOffset < 0) {
          nextOffset = scanner.baseOffset();
        }
        while (true) {
          long position = scanner.validEnd();
          LogRecord r;
          try {
            r = scanner.next();
          } catch (CorruptLogException e) {
            return corrupt(segment, position, nextOffset, e.getMessage());
          }
          if (r == null) {
            break;
          }
          if (r.offset() != nextOffset) {
            return corrupt(segment, position, nextOffset, segment + ": the record at byte " + position
                + " has offset " + r.offset() + " (expected: " + nextOffset + ")");
          }
          count(r);
        }
        long end = scanner.validEnd();
        long size = Files.size(segment);
        if (size > end) {
          // The same rule as recovery: damage at the end of the last segment, with no valid
          // record after it, is a torn tail; anything else is corruption.
          long valid;
          try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.READ)) {
            valid = last ? SegmentScanner.groupStartAfter(ch, end, nextOffset) : -1;
          }
          if (valid >= 0) {
            return corrupt(segment, end, nextOffset, segment + ": the record at byte " + end
                + " fails its CRC check (or has an impossible length) and a valid record of a later write follows"
                + " at byte " + valid);
          }
          if (!last) {
            return corrupt(segment, end, nextOffset, segment + ": the record at byte " + end + " is damaged or"
                + " incomplete, but this is not the last segment, so no crash can have torn it");
          }
          if (Files.exists(dir.resolve(FileLog.CLEAN_FILE))) {
            return corrupt(segment, end, nextOffset, segment + ": the record at byte " + end + " is damaged or"
                + " incomplete, but the log was closed cleanly (" + FileLog.CLEAN_FILE + "), so no crash can have"
                + " torn it");
          }
          return new Finding(Problem.TORN, segment, end, nextOffset, segment + ": the log ends inside the"
              + " record at byte " + end + " (offset " + nextOffset + "; " + (size - end) + " bytes of it"
              + " present): a torn tail, as a crash leaves; the " + records + " records before it are intact."
              + " The next gateway to open the log cuts it off and keeps the bytes in "
              + segment.getFileName() + ".torn-" + end + ". If a gateway is writing this log now, the record"
              + " may just be in flight: verify again");
        }
        return null;
      }
    }

    private void count(LogRecord r) {
      if (firstOffset < 0) {
        firstOffset = r.offset();
      }
      nextOffset = r.offset() + 1;
      records++;
      earliest = earliest < 0 ? r.timestampMillis() : Math.min(earliest, r.timestampMillis());
      latest = Math.max(latest, r.timestampMillis());
    }

    private Finding corrupt(Path segment, long position, long offset, String what) {
      return new Finding(Problem.CORRUPT, segment, position, offset, what + " (offset " + offset + "); the "
          + records + " records before it are intact, none after it was read; 'sinkgate log cat' reads up to"
          + " it" + FileLog.repairHint(dir));
    }
  }
}
