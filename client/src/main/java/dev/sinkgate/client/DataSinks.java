package dev.sinkgate.client;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.WritableByteChannel;
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

  /**
   * A sink that writes each record to {@code channel}, calling {@code write} until the
   * whole record is written, since a channel may accept only part of a buffer per call.
   * The channel is given a read-only view of the record, so it cannot change the caller's
   * array. Closing the sink closes {@code channel}: the sink owns it. Not thread-safe,
   * except that {@code close()} may be called from another thread to end a write that is
   * waiting (it then throws {@link UncheckedIOException}).
   *
   * <p>A non-blocking channel that accepts 0 bytes is full: the sink does not spin, it
   * waits on a {@link java.nio.channels.Selector} until the channel is writable and then
   * goes on, so a non-blocking channel behaves like a blocking one. It registers the
   * channel only while it waits and deregisters it before {@code write} returns or throws,
   * so the owner may still switch the channel's blocking mode between writes. An
   * interrupt ends the wait with an {@link UncheckedIOException} caused by an
   * {@link java.io.InterruptedIOException} and leaves the thread's interrupt status set.
   * A channel that accepts 0 bytes and cannot be waited on (not a non-blocking
   * {@link java.nio.channels.SelectableChannel}) fails the write with an
   * {@link UncheckedIOException}.
   *
   * <p>A channel is a byte stream: a write that fails part-way may leave part of the
   * record in the channel, and the exception says how many bytes were written.
   */
  public static DataSink channel(WritableByteChannel channel) {
    return new ChannelDataSink(channel);
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
