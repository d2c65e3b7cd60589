package dev.sinkgate.client;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Named factories for {@link DataSink} adapters, each with a readable
 * {@code toString()}. None of them needs to be subclassed.
 */
public final class DataSinks {
  private DataSinks() {}

  /** A sink that accepts every record and keeps nothing. Thread-safe. */
  public static DataSink discard() {
    return Discard.INSTANCE;
  }

  /**
   * A sink that writes each record to {@code out} followed by {@code delimiter} (if it
   * is not empty) and flushes, so an accepted record has been handed to the stream's
   * destination. Closing the sink closes {@code out} unless {@code closeStream} is
   * false (use false for {@code System.out}). Not thread-safe.
   */
  public static DataSink outputStream(OutputStream out, byte[] delimiter, boolean closeStream) {
    return new OutputStreamSink(out, delimiter, closeStream);
  }

  private enum Discard implements DataSink {
    INSTANCE;

    @Override
    public int write(byte[] data) {
      return data.length;
    }

    @Override
    public String toString() {
      return "DataSinks.discard()";
    }
  }

  private static final class OutputStreamSink implements DataSink {
    private final OutputStream out;
    private final byte[] delimiter;
    private final boolean closeStream;
    private final AtomicBoolean closed = new AtomicBoolean();

    OutputStreamSink(OutputStream out, byte[] delimiter, boolean closeStream) {
      this.out = Objects.requireNonNull(out, "out");
      this.delimiter = delimiter.clone();
      this.closeStream = closeStream;
    }

    @Override
    public int write(byte[] data) {
      if (closed.get()) {
        throw new IllegalStateException(this + " is closed");
      }
      try {
        out.write(data);
        if (delimiter.length > 0) {
          out.write(delimiter);
        }
        out.flush();
        return data.length;
      } catch (IOException e) {
        throw new UncheckedIOException(this + ": write failed", e);
      }
    }

    @Override
    public void close() {
      if (!closed.compareAndSet(false, true)) {
        return;
      }
      try {
        if (closeStream) {
          out.close();
        } else {
          out.flush();
        }
      } catch (IOException e) {
        throw new UncheckedIOException(this + ": close failed", e);
      }
    }

    @Override
    public String toString() {
      return "DataSinks.outputStream(" + out + ")";
    }
  }
}
