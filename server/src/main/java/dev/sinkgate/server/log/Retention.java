package dev.sinkgate.server.log;

import dev.sinkgate.server.log.FileLog.Segment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.List;

/**
 * Which of a log's closed segments may go: decisions only, oldest first; {@link FileLog}
 * deletes them (and never the active segment, which is not in the list).
 */
final class Retention {
  private Retention() {}

  /**
   * How many of the oldest {@code closed} segments to delete so that the log (of
   * {@code totalBytes}, the active segment included) is within
   * {@link FileLog.Options#retentionBytes()}, and none is older than
   * {@link FileLog.Options#retentionAge()} at {@code now}, judged by its last write.
   */
  static int overLimits(List<Segment> closed, long totalBytes, FileLog.Options options, Instant now)
      throws IOException {
    Instant cutoff = null;
    if (options.retentionAge() != null) {
      try {
        cutoff = now.minus(options.retentionAge());
      } catch (DateTimeException | ArithmeticException e) {
        cutoff = Instant.MIN; // older than time can say: nothing is that old
      }
    }
    long total = totalBytes;
    int delete = 0;
    for (Segment s : closed) {
      boolean tooBig = options.retentionBytes() > 0 && total > options.retentionBytes();
      boolean tooOld = cutoff != null && lastWrite(s).isBefore(cutoff);
      if (!tooBig && !tooOld) {
        break;
      }
      total -= s.bytes();
      delete++;
    }
    return delete;
  }

  /**
   * How many of the oldest {@code closed} segments hold only records below {@code offset};
   * {@code activeBase} is the first offset of the active segment, which follows the last.
   */
  static int below(List<Segment> closed, long activeBase, long offset) {
    int delete = 0;
    for (int i = 0; i < closed.size(); i++) {
      long next = i + 1 < closed.size() ? closed.get(i + 1).baseOffset() : activeBase;
      if (next > offset) {
        break;
      }
      delete++;
    }
    return delete;
  }

  private static Instant lastWrite(Segment s) throws IOException {
    try {
      return Files.getLastModifiedTime(s.file()).toInstant();
    } catch (NoSuchFileException e) {
      return Instant.MIN; // already gone: nothing to keep
    }
  }
}
