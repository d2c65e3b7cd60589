package dev.sinkgate.server.log;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

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
    this.file = file;
    this.in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
    byte[] header = in.readNBytes(LogFormat.SEGMENT_HEADER_BYTES);
    this.baseOffset = LogFormat.readSegmentHeader(ByteBuffer.wrap(header), file.toString());
    this.position = LogFormat.SEGMENT_HEADER_BYTES;
  }

  /** Opens {@code file} to resume at {@code position}, the {@link #validEnd()} of an earlier scan. */
  SegmentScanner(Path file, long position) throws IOException {
    this(file);
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
    if (bodyLength <= 0 || bodyLength > LogFormat.MAX_BODY_BYTES) {
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
}
