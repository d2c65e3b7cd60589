package dev.sinkgate.server.log;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.Consumer;

/**
 * Start-up recovery of a log's last segment, the only one a crash can have left
 * incomplete (every earlier one was synced before its successor was created): checks
 * every frame, and cuts a torn tail or refuses corruption by the rule documented in
 * docs/file-log-format.md and {@link SegmentScanner#groupStartAfter}.
 */
final class TailRecovery {
  private TailRecovery() {}

  /** The last segment, open for appending after its last valid record. */
  record Recovered(FileChannel channel, long validEnd, long nextOffset) {}

  /**
   * Recovers {@code file}, the last segment of the log in {@code dir}, whose name says it
   * starts at offset {@code base}, handing each valid record to {@code replay} as it checks it
   * (so a caller that needs the records does not read the segment again).
   *
   * @throws CorruptLogException if it is damaged other than at its tail, or at all after a
   *     clean close; nothing is changed then
   */
  static Recovered recover(LogFiles files, Path dir, Path file, long base, Consumer<String> warnings,
      Consumer<LogRecord> replay) throws IOException {
    long count = 0;
    long validEnd;
    try (SegmentScanner scanner = new SegmentScanner(files, file)) {
      if (scanner.baseOffset() != base) {
        throw new CorruptLogException(file + ": the segment header says base offset "
            + scanner.baseOffset() + " but the file name says " + base + FileLog.repairHint(dir));
      }
      LogRecord r;
      long position = scanner.validEnd();
      while ((r = scanner.next()) != null) {
        if (r.offset() != base + count) {
          throw new CorruptLogException(file + ": the record at byte " + position + " has offset "
              + r.offset() + " (expected: " + (base + count) + ")" + FileLog.repairHint(dir));
        }
        replay.accept(r);
        count++;
        position = scanner.validEnd();
      }
      validEnd = scanner.validEnd();
    }
    long nextOffset = base + count;
    boolean clean = Files.exists(dir.resolve(FileLog.CLEAN_FILE));
    FileChannel channel = files.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
    try {
      long fileSize = channel.size();
      if (fileSize > validEnd) {
        long valid = SegmentScanner.groupStartAfter(channel, validEnd, nextOffset);
        if (valid >= 0) {
          throw new CorruptLogException(file + ": the record at byte " + validEnd + " (offset " + nextOffset
              + ") is damaged (bad length or CRC) but a valid record of a later write follows it at byte " + valid
              + ", so this is corruption inside the log, not a torn tail left by a crash; nothing was changed"
              + FileLog.repairHint(dir));
        }
        if (clean) {
          throw new CorruptLogException(file + ": the record at byte " + validEnd + " (offset " + nextOffset
              + ") is damaged (bad length or CRC), but the log was closed cleanly (" + FileLog.CLEAN_FILE + "), so no crash"
              + " can have torn it: this is corruption, not a torn tail; nothing was changed" + FileLog.repairHint(dir));
        }
        cutTornTail(files, dir, file, channel, validEnd, fileSize, nextOffset, warnings);
      }
      if (clean) {
        // Gone, durably, before the first append: a crash from here on leaves no marker.
        files.deleteIfExists(dir.resolve(FileLog.CLEAN_FILE));
        files.syncDirectory(dir);
      }
      channel.position(validEnd);
      return new Recovered(channel, validEnd, nextOffset);
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  private static void cutTornTail(LogFiles files, Path dir, Path segment, FileChannel channel, long validEnd,
      long fileSize, long records, Consumer<String> warnings) throws IOException {
    Path aside = asideFile(segment, "torn", validEnd);
    try (FileChannel out = files.open(aside, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      long copied = 0;
      while (copied < fileSize - validEnd) {
        copied += channel.transferTo(validEnd + copied, fileSize - validEnd - copied, out);
      }
      out.force(true);
    } catch (IOException e) {
      files.deleteIfExists(aside); // a partial copy (a full disk, say) must not pile up with each retry
      throw e;
    }
    // The copy's name must be durable before the bytes are cut, or a power loss in between loses both.
    files.syncDirectory(dir);
    channel.truncate(validEnd);
    channel.force(true);
    warnings.accept("file log " + dir + ": cut " + (fileSize - validEnd)
        + " bytes of a torn record at byte " + validEnd + " of " + segment.getFileName()
        + " (kept in " + aside.getFileName() + "); the log ends at offset " + records);
  }

  /** A name for bytes set aside from {@code position} of {@code segment} that overwrites nothing. */
  static Path asideFile(Path segment, String kind, long position) {
    Path aside = segment.resolveSibling(segment.getFileName() + "." + kind + "-" + position);
    for (int i = 1; Files.exists(aside); i++) {
      aside = segment.resolveSibling(segment.getFileName() + "." + kind + "-" + position + "." + i);
    }
    return aside;
  }
}
