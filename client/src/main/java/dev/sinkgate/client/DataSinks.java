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
   * Binds any object with a compatible public {@code write} method as a {@code DataSink},
   * checking the method once, here, rather than on every write: Java's counterpart of a
   * structural protocol for objects whose type is only known at run time (loaded from
   * config, a plugin). When the type is known at compile time, a method reference
   * ({@code DataSink sink = bucket::write;}) is simpler and checked by the compiler.
   *
   * <p><b>Accepted shapes</b>, in order of preference when the class has several:
   * <ol>
   *   <li>{@code int write(byte[])}: the contract's own shape; the result is passed on;</li>
   *   <li>{@code long write(byte[])}: a result outside the {@code int} range breaks the
   *       contract and throws {@link IllegalStateException};</li>
   *   <li>{@code void write(byte[])}: a call that returns normally accepted the whole
   *       record, so the sink returns {@code data.length};</li>
   *   <li>{@code int write(java.nio.ByteBuffer)}: the method gets a read-only wrap of the
   *       record (no copy; position 0, limit {@code data.length}), so it cannot change the
   *       caller's array or reach it through {@code array()}. The method must take the whole
   *       record, as a {@code DataSink} does; for a channel that may write part of a buffer,
   *       use {@link #channel} instead, which loops.</li>
   * </ol>
   * Byte-array shapes come first because they take the record as it is. The method must be
   * a public instance method; it is bound to the first shape in this order that sinkgate
   * may call. A result other than {@code data.length} is passed on unchanged for the caller
   * to report, as from any {@code DataSink}.
   *
   * <p><b>Access.</b> A public method of a class that is not itself accessible (a private
   * nested class, a lambda, a JDK-internal implementation) is bound through a public
   * superclass or interface that declares it, or, failing that, with
   * {@code setAccessible} where the module system allows it (the class path, or a package
   * opened to sinkgate).
   *
   * <p><b>Exceptions</b> thrown by the method reach the caller unwrapped: an
   * {@link UncheckedIOException} as it is (retryable), an {@link IOException} as an
   * {@code UncheckedIOException} (retryable), other runtime exceptions and errors as they
   * are (a bug in the target), and any other checked exception as a
   * {@link java.lang.reflect.UndeclaredThrowableException} (not retryable; an
   * {@link InterruptedException} also restores the thread's interrupt status).
   *
   * <p><b>Closing</b> the sink closes the target once if it is {@link AutoCloseable}
   * (exceptions mapped as above); writing after close throws
   * {@link IllegalStateException}. The sink is as thread-safe as the target. Its
   * {@code toString()} names the target's class and the bound method, e.g.
   * {@code DataSinks.bind(com.acme.Bucket::write(byte[]) -> long)}.
   *
   * @throws IllegalArgumentException if the target's class has no public instance
   *     {@code write} method of an accepted shape that sinkgate may call; the message names
   *     the class, the accepted shapes and every {@code write} method found, with its
   *     signature and why it does not fit
   */
  public static DataSink bind(Object target) {
    return WriteMethodBinder.bind(target);
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
