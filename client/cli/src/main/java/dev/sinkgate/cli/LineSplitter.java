package dev.sinkgate.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Splits a byte stream into lines, byte-exact: a line is everything up to (not including)
 * a {@code '\n'}. Nothing else is removed or decoded, so a {@code "\r\n"} line keeps its
 * {@code '\r'} and non-UTF-8 bytes pass unchanged. Empty lines are lines; a last line
 * without {@code '\n'} is a line; the empty text after a final {@code '\n'} is not.
 *
 * <p>Reads through its own buffer, so it needs no {@code BufferedInputStream}. Memory is
 * bounded by {@code maxLineBytes}. Does not close the stream. Not thread-safe.
 */
final class LineSplitter {
  private final InputStream in;
  private final int maxLineBytes;
  private final byte[] buf = new byte[64 * 1024];
  private int pos;
  private int limit;
  private long lineNumber;
  private boolean eof;

  LineSplitter(InputStream in, int maxLineBytes) {
    if (maxLineBytes < 1) {
      throw new IllegalArgumentException("maxLineBytes: " + maxLineBytes + " (expected: >= 1)");
    }
    this.in = in;
    this.maxLineBytes = maxLineBytes;
  }

  /**
   * The next line without its {@code '\n'}, or null at the end of the stream.
   *
   * @throws LineTooLongException if a line is longer than {@code maxLineBytes}
   */
  byte[] next() throws IOException {
    byte[] line = new byte[0];
    int len = 0;
    boolean any = false;
    while (true) {
      if (pos == limit && !fill()) {
        return any ? finish(line, len) : null;
      }
      any = true;
      int start = pos;
      while (pos < limit && buf[pos] != '\n') {
        pos++;
      }
      int n = pos - start;
      if ((long) len + n > maxLineBytes) {
        throw new LineTooLongException(lineNumber + 1, maxLineBytes);
      }
      if (len + n > line.length) {
        line = Arrays.copyOf(line, Math.min(maxLineBytes, Math.max(len + n, line.length * 2)));
      }
      System.arraycopy(buf, start, line, len, n);
      len += n;
      if (pos < limit) {
        pos++; // the '\n'
        return finish(line, len);
      }
    }
  }

  /** Lines returned so far. */
  long lineNumber() {
    return lineNumber;
  }

  private byte[] finish(byte[] line, int len) {
    lineNumber++;
    return line.length == len ? line : Arrays.copyOf(line, len);
  }

  private boolean fill() throws IOException {
    if (eof) {
      return false;
    }
    int n = in.read(buf);
    if (n < 0) {
      eof = true;
      return false;
    }
    pos = 0;
    limit = n;
    return true;
  }

  /** A line was longer than the splitter accepts. */
  static final class LineTooLongException extends IOException {
    private static final long serialVersionUID = 1L;

    LineTooLongException(long lineNumber, int maxLineBytes) {
      super("line " + lineNumber + " is longer than " + maxLineBytes + " bytes (expected: at most "
          + maxLineBytes + " bytes per record)");
    }
  }
}
