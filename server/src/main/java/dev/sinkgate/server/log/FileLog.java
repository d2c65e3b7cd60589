package dev.sinkgate.server.log;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * An append-only log of framed records in a directory, reusable apart from the gRPC
 * layer (the file sink uses it; the spool will). Not thread-safe: one writer thread
 * owns it (see {@link FileLogSink}).
 *
 * <p>Records are numbered 0, 1, 2, …; the number (the offset) is stable across restarts.
 * Opening a log scans it, checks every CRC and cuts off a torn tail left by a crash:
 * the cut bytes are kept in a {@code .torn-POSITION} file next to the segment and a
 * warning names how many bytes were cut. The format is {@link LogFormat}.
 *
 * <p>One process at a time: an open log holds an exclusive lock on {@code .lock} in its
 * directory, so a second gateway pointed at the same path fails to start instead of
 * interleaving writes.
 *
 * <p>This version keeps one segment per log; the segment file is named by its base
 * offset so that rolling needs no format change.
 */
public final class FileLog implements AutoCloseable {
  private final Path dir;
  private final DirectoryLock lock;
  private final FileChannel channel;
  private long nextOffset;
  private long size;
  private boolean closed;
  private boolean broken;
  /** Volatile so tests and metrics may read it from another thread than the owner. */
  private volatile long syncs;

  private FileLog(Path dir, DirectoryLock lock, FileChannel channel, long nextOffset, long size) {
    this.dir = dir;
    this.lock = lock;
    this.channel = channel;
    this.nextOffset = nextOffset;
    this.size = size;
  }

  /** The segment file of a log directory holding records from {@code baseOffset}. */
  static Path segmentFile(Path dir, long baseOffset) {
    return dir.resolve(String.format("%020d.log", baseOffset));
  }

  /**
   * Opens the log in {@code dir}, creating the directory and its first segment if they
   * do not exist, and recovering a torn tail.
   *
   * @param warnings receives one line per recovery action
   */
  public static FileLog open(Path dir, Consumer<String> warnings) throws IOException {
    Files.createDirectories(dir);
    DirectoryLock lock = DirectoryLock.acquire(dir);
    try {
      return open(dir, lock, warnings);
    } catch (IOException | RuntimeException e) {
      lock.close();
      throw e;
    }
  }

  private static FileLog open(Path dir, DirectoryLock lock, Consumer<String> warnings) throws IOException {
    Path segment = segmentFile(dir, 0);
    if (!Files.exists(segment)) {
      createSegment(dir, segment, 0);
    }
    long count = 0;
    long validEnd;
    try (SegmentScanner scanner = new SegmentScanner(segment)) {
      while (scanner.next() != null) {
        count++;
      }
      validEnd = scanner.validEnd();
      count += scanner.baseOffset();
    }
    FileChannel channel = FileChannel.open(segment, StandardOpenOption.READ, StandardOpenOption.WRITE);
    try {
      long fileSize = channel.size();
      if (fileSize > validEnd) {
        refuseIfValidRecordsFollow(channel, segment, validEnd, count);
        Path aside = tornFile(segment, validEnd);
        try (FileChannel out = FileChannel.open(aside, StandardOpenOption.CREATE_NEW,
            StandardOpenOption.WRITE)) {
          channel.transferTo(validEnd, fileSize - validEnd, out);
          out.force(true);
        }
        channel.truncate(validEnd);
        channel.force(true);
        fsyncDirectory(dir);
        warnings.accept("file log " + dir + ": cut " + (fileSize - validEnd)
            + " bytes of a torn record at byte " + validEnd + " of " + segment.getFileName()
            + " (kept in " + aside.getFileName() + "); " + count + " records remain");
      }
      channel.position(validEnd);
      return new FileLog(dir, lock, channel, count, validEnd);
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  /**
   * Creates a segment holding only its header, atomically: a crash leaves either no
   * segment or a whole header, never an empty file that would block the next start.
   */
  private static void createSegment(Path dir, Path segment, long baseOffset) throws IOException {
    Path tmp = segment.resolveSibling(segment.getFileName() + ".tmp");
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE,
        StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
      ch.write(LogFormat.segmentHeader(baseOffset));
      ch.force(true);
    }
    Files.move(tmp, segment, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    fsyncDirectory(dir);
  }

  /** A name for the bytes cut at {@code position} that does not overwrite an earlier cut. */
  private static Path tornFile(Path segment, long position) {
    Path aside = segment.resolveSibling(segment.getFileName() + ".torn-" + position);
    for (int i = 1; Files.exists(aside); i++) {
      aside = segment.resolveSibling(segment.getFileName() + ".torn-" + position + "." + i);
    }
    return aside;
  }

  /**
   * A crash tears only the last record. If a valid record follows the bad one, the damage
   * is corruption inside the log: cutting there would drop good records and reuse their
   * offsets, so opening stops instead and leaves the files as they are.
   */
  private static void refuseIfValidRecordsFollow(FileChannel ch, Path segment, long badAt, long goodRecords)
      throws IOException {
    ByteBuffer head = ByteBuffer.allocate(LogFormat.FRAME_HEADER_BYTES);
    ch.read(head, badAt);
    if (head.hasRemaining()) {
      return;
    }
    int bodyLength = head.getInt(0);
    if (bodyLength <= 0 || bodyLength > LogFormat.MAX_BODY_BYTES) {
      return;
    }
    long next = badAt + LogFormat.FRAME_HEADER_BYTES + bodyLength;
    ByteBuffer nextHead = ByteBuffer.allocate(LogFormat.FRAME_HEADER_BYTES);
    ch.read(nextHead, next);
    if (nextHead.hasRemaining()) {
      return;
    }
    int nextLength = nextHead.getInt(0);
    if (nextLength <= 0 || nextLength > LogFormat.MAX_BODY_BYTES || next + LogFormat.FRAME_HEADER_BYTES + nextLength > ch.size()) {
      return;
    }
    ByteBuffer frame = ByteBuffer.allocate(LogFormat.FRAME_HEADER_BYTES + nextLength);
    ch.read(frame, next);
    if (LogFormat.checkFrame(frame.flip()) == LogFormat.FrameCheck.COMPLETE) {
      throw new CorruptLogException(segment + ": the record at byte " + badAt + " (offset " + goodRecords
          + ") fails its CRC check but valid records follow it, so this is corruption inside the log,"
          + " not a torn tail; nothing was changed. Copy the directory aside and inspect it with"
          + " 'sinkgate log cat' (it reads up to the bad record); to start fresh, move the directory away");
    }
  }

  /** A record to append. */
  public record Entry(String key, Map<String, String> headers, byte[] data) {}

  /** The offset the next appended record will get. */
  public long nextOffset() {
    return nextOffset;
  }

  /** Bytes in the log, headers included. */
  public long sizeBytes() {
    return size;
  }

  public Path directory() {
    return dir;
  }

  /**
   * Appends {@code entries} in order with one write and returns the offset of the first.
   * The records reach the OS, not the disk: call {@link #sync()} for that. If the write
   * fails, the log is cut back to where it was, so a failed batch leaves no partial record.
   */
  public long append(List<Entry> entries, long timestampMillis) throws IOException {
    checkOpen();
    int bytes = 0;
    for (Entry e : entries) {
      bytes = Math.addExact(bytes, LogFormat.frameSize(e.key(), e.headers(), e.data()));
    }
    ByteBuffer buf = ByteBuffer.allocate(bytes);
    long first = nextOffset;
    long offset = first;
    for (Entry e : entries) {
      LogFormat.writeFrame(buf, offset++, timestampMillis, e.key(), e.headers(), e.data());
    }
    buf.flip();
    try {
      while (buf.hasRemaining()) {
        channel.write(buf);
      }
    } catch (IOException e) {
      try {
        channel.truncate(size);
        channel.position(size);
      } catch (IOException suppressed) {
        // A partial frame may remain in the middle of the log: appending after it would
        // bury it, so the log takes no more records until it is reopened (and recovered).
        broken = true;
        e.addSuppressed(suppressed);
      }
      throw e;
    }
    size += bytes;
    nextOffset = offset;
    return first;
  }

  /** Forces every appended record to stable storage (fdatasync). */
  public void sync() throws IOException {
    checkOpen();
    channel.force(false);
    syncs++; // only the owning thread writes it
  }

  /** How many {@link #sync()} calls have succeeded (the sync in {@link #close()} not counted). */
  public long syncCount() {
    return syncs;
  }

  private void checkOpen() throws IOException {
    if (closed) {
      throw new IllegalStateException("file log " + dir + " is closed");
    }
    if (broken) {
      throw new IOException("file log " + dir + " could not cut back a failed write; reopen it to recover");
    }
  }

  /** True once a failed write could not be cut back: the log must be reopened. */
  public boolean broken() {
    return broken;
  }

  /** Syncs and closes. Idempotent. */
  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    // Sync, close the file, release the lock last; a failure is rethrown after all three.
    try (lock; channel) {
      channel.force(false);
    }
  }

  static void fsyncDirectory(Path dir) throws IOException {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }

  @Override
  public String toString() {
    return "FileLog(" + dir + ", next offset " + nextOffset + ")";
  }
}
