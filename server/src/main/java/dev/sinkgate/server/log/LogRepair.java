package dev.sinkgate.server.log;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code sinkgate log repair}: cuts a damaged log back to its last good record, keeping
 * everything it removes. What follows the first bad record (the rest of that segment and
 * every later segment) is moved into a {@code repair-TIMESTAMP} directory inside the log
 * directory, where the later segments stay readable with {@code sinkgate log cat}. The
 * log then ends at the offset of the bad record, and the next append reuses that offset:
 * the records set aside are no longer part of the log.
 *
 * <p>Takes the directory lock, so it refuses to run beside a gateway that has the log open.
 */
public final class LogRepair {
  private LogRepair() {}

  /**
   * What repair found and did.
   *
   * @param finding the damage, or null if the log was clean (and nothing was done)
   * @param asideDirectory where the removed bytes went (null if none, or for a dry run)
   * @param bytesSetAside bytes removed from the log, damaged ones included
   * @param recordsSetAside valid records in the later segments that were set aside
   * @param nextOffset the offset the repaired log continues at
   */
  public record Result(LogVerifier.Finding finding, Path asideDirectory, long bytesSetAside,
      long recordsSetAside, long nextOffset, boolean applied) {}

  /**
   * Repairs the log in {@code dir}; with {@code apply} false, only says what it would do.
   *
   * @throws java.nio.file.NoSuchFileException if {@code dir} is not a log directory
   * @throws IOException if the log is in use or a file operation failed
   */
  public static Result repair(Path dir, boolean apply, Clock clock) throws IOException {
    LogReader.segments(dir); // fails clearly if this is not a log directory
    try (DirectoryLock lock = DirectoryLock.acquire(dir)) {
      LogVerifier.Summary summary = LogVerifier.verify(dir);
      if (summary.clean()) {
        return new Result(null, null, 0, 0, summary.lastOffset() + 1, false);
      }
      LogVerifier.Finding f = summary.finding();
      List<Path> later = new ArrayList<>();
      long bytes = Files.size(f.segment()) - f.position();
      long records = 0;
      for (Path s : LogReader.segments(dir)) {
        if (LogReader.baseOffset(s) > LogReader.baseOffset(f.segment())) {
          later.add(s);
          bytes += Files.size(s);
          records += countValid(s);
        }
      }
      if (!apply) {
        return new Result(f, null, bytes, records, f.offset(), false);
      }
      String stamp = "repair-" + DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
          .withZone(ZoneOffset.UTC).format(clock.instant());
      Path aside = dir.resolve(stamp);
      for (int i = 1; Files.exists(aside); i++) {
        aside = dir.resolve(stamp + "." + i);
      }
      Files.createDirectory(aside);
      LogFiles files = LogFiles.SYSTEM;
      files.syncDirectory(dir); // the aside directory's name
      // Newest first, each move made durable before the next change: a crash midway leaves
      // the log contiguous (a shorter tail of segments), never with a gap.
      java.util.Collections.reverse(later);
      for (Path s : later) {
        Files.move(s, aside.resolve(s.getFileName()));
        files.syncDirectory(aside);
        files.syncDirectory(dir);
      }
      boolean wholeSegment = f.position() < LogFormat.SEGMENT_HEADER_BYTES;
      if (wholeSegment) {
        // The header itself is bad: the whole segment goes aside.
        Files.move(f.segment(), aside.resolve(f.segment().getFileName()));
        files.syncDirectory(aside);
      } else {
        Path tail = aside.resolve(f.segment().getFileName() + ".from-" + f.position());
        try (FileChannel in = FileChannel.open(f.segment(), StandardOpenOption.READ, StandardOpenOption.WRITE)) {
          try (FileChannel out = FileChannel.open(tail, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            long size = in.size();
            for (long done = 0; done < size - f.position(); ) {
              done += in.transferTo(f.position() + done, size - f.position() - done, out);
            }
            out.force(true);
          }
          files.syncDirectory(aside); // the copy's name is durable before the bytes are cut
          in.truncate(f.position());
          in.force(true);
        }
      }
      if (LogReader.segmentsOrEmpty(dir).isEmpty()) {
        // Keep the offsets: the log continues where the good records end, not at 0.
        FileLog.createSegment(files, dir, f.offset());
      }
      files.syncDirectory(dir);
      return new Result(f, aside, bytes, records, f.offset(), true);
    }
  }

  private static long countValid(Path segment) throws IOException {
    long n = 0;
    try (SegmentScanner scanner = new SegmentScanner(segment)) {
      while (scanner.next() != null) {
        n++;
      }
    } catch (CorruptLogException e) {
      return n;
    }
    return n;
  }
}
