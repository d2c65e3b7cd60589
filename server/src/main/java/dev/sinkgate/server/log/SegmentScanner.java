package dev.sinkgate.server.log;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reads one segment file frame by frame, checking every CRC, with memory bounded by the
 * largest record. Stops at the end of the valid frames and says why it stopped.
 */
final class SegmentScanner implements Closeable {
  private final Path file;
  private final InputStream in;
  private final long baseOffset;
  private long position;
  private LogFormat.FrameCheck stoppedBy;

  SegmentScanner(Path file) throws IOException {
    this(LogFiles.SYSTEM, file);
  }

  /** Reads {@code file} through {@code files}. */
  SegmentScanner(LogFiles files, Path file) throws IOException {
    this.file = file;
    this.in = new BufferedInputStream(Channels.newInputStream(files.open(file, StandardOpenOption.READ)), 1 << 16);
    try {
      byte[] header = in.readNBytes(LogFormat.SEGMENT_HEADER_BYTES);
      this.baseOffset = LogFormat.readSegmentHeader(ByteBuffer.wrap(header), file.toString());
    } catch (IOException | RuntimeException e) {
      in.close();
      throw e;
    }
    this.position = LogFormat.SEGMENT_HEADER_BYTES;
  }

  /** Opens {@code file} to resume at {@code position}, the {@link #validEnd()} of an earlier scan. */
  SegmentScanner(Path file, long position) throws IOException {
    this(LogFiles.SYSTEM, file, position);
  }

  /** As above, reading through {@code files}. */
  SegmentScanner(LogFiles files, Path file, long position) throws IOException {
    this(files, file);
    if (position < this.position) {
      in.close();
      throw new IllegalArgumentException("position " + position + " (expected: >= "
          + LogFormat.SEGMENT_HEADER_BYTES + ", past the segment header)");
    }
    in.skipNBytes(position - this.position);
    this.position = position;
  }

  long baseOffset() {
    return baseOffset;
  }

  /** Byte position just past the last valid frame returned so far. */
  long validEnd() {
    return position;
  }

  /** Why scanning stopped: TRUNCATED at a clean end of file or a torn frame, CORRUPT on a bad frame. */
  LogFormat.FrameCheck stoppedBy() {
    return stoppedBy;
  }

  /** Returns the next valid record, or null at the end of the valid frames. */
  LogRecord next() throws IOException {
    if (stoppedBy != null) {
      return null;
    }
    byte[] head = in.readNBytes(LogFormat.FRAME_HEADER_BYTES);
    if (head.length < LogFormat.FRAME_HEADER_BYTES) {
      stoppedBy = LogFormat.FrameCheck.TRUNCATED;
      return null;
    }
    int bodyLength = ByteBuffer.wrap(head).getInt();
    if (bodyLength < LogFormat.MIN_BODY_BYTES || bodyLength > LogFormat.MAX_BODY_BYTES) {
      stoppedBy = LogFormat.FrameCheck.CORRUPT;
      return null;
    }
    byte[] body = in.readNBytes(bodyLength);
    ByteBuffer frame = ByteBuffer.allocate(head.length + body.length).put(head).put(body).flip();
    LogFormat.FrameCheck check = LogFormat.checkFrame(frame);
    if (check != LogFormat.FrameCheck.COMPLETE) {
      stoppedBy = check;
      return null;
    }
    LogRecord record = LogFormat.readFrame(frame, file + " at byte " + position);
    position += frame.limit();
    return record;
  }

  @Override
  public void close() throws IOException {
    in.close();
  }

  /**
   * Where the first whole, valid frame after {@code badAt} that starts a write group begins,
   * or -1 if there is none: tells a torn tail from corruption inside the log.
   *
   * <p>A crash can only damage the last group, the one being written (and, with
   * {@code fsync: always}, the only one not yet synced): it may end early, or, since a disk
   * may persist the pages of an unsynced write out of order, have holes with valid records
   * of the same group after them. A valid record that starts a later group after the damage
   * proves the damage lies in an earlier, complete group: corruption. Candidates are found
   * by their attributes byte and an offset no lower than {@code expectedOffset}, the offset
   * the bad frame should have had, then confirmed by their CRC, so a stale frame from an
   * older, reused block does not count. Reads only what lies after {@code badAt}.
   */
  static long groupStartAfter(FileChannel ch, long badAt, long expectedOffset) throws IOException {
    long size = ch.size();
    int window = 1 << 20;
    ByteBuffer buf = ByteBuffer.allocate((int) Math.min(window + LogFormat.FRAME_PROBE_BYTES, Math.max(0, size - badAt)));
    for (long base = badAt + 1; base + LogFormat.MIN_FRAME_BYTES <= size; base += window) {
      buf.clear();
      buf.limit((int) Math.min(buf.capacity(), size - base));
      readFully(ch, buf, base);
      int n = buf.position();
      for (int i = 0; i < window && i + LogFormat.FRAME_PROBE_BYTES <= n; i++) {
        long at = base + i;
        int length = buf.getInt(i);
        if (length < LogFormat.MIN_BODY_BYTES || length > LogFormat.MAX_BODY_BYTES
            || at + LogFormat.FRAME_HEADER_BYTES + length > size
            || !groupStart(buf.get(i + LogFormat.FRAME_HEADER_BYTES))) {
          continue;
        }
        long offset = buf.getLong(i + LogFormat.FRAME_HEADER_BYTES + 1);
        if (offset < expectedOffset || offset - expectedOffset > at - badAt) {
          continue;
        }
        ByteBuffer frame = ByteBuffer.allocate(LogFormat.FRAME_HEADER_BYTES + length);
        readFully(ch, frame, at);
        if (LogFormat.checkFrame(frame.flip()) == LogFormat.FrameCheck.COMPLETE) {
          return at;
        }
      }
    }
    return -1;
  }

  /** An attributes byte of a version-1 frame that starts a write group. */
  private static boolean groupStart(byte attributes) {
    return (attributes & LogFormat.ATTR_GROUP_START) != 0 && (attributes & ~LogFormat.KNOWN_ATTRIBUTES) == 0;
  }

  private static void readFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
    while (buf.hasRemaining()) {
      if (ch.read(buf, position + buf.position()) < 0) {
        return;
      }
    }
  }
}
