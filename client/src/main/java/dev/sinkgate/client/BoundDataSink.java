package dev.sinkgate.client;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandle;
import java.lang.reflect.UndeclaredThrowableException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A target's {@code write} method as a {@link DataSink}: what {@link DataSinks#bind}
 * returns. The method was found and checked when the sink was made; a write only calls
 * the handle.
 */
final class BoundDataSink implements DataSink {
  private final Object target;
  private final WriteShape shape;
  private final MethodHandle write; // bound to target, of exactly shape.methodType()
  private final AtomicBoolean closed = new AtomicBoolean();

  BoundDataSink(Object target, WriteShape shape, MethodHandle write) {
    this.target = target;
    this.shape = shape;
    this.write = write;
  }

  @Override
  public int write(byte[] data) {
    if (closed.get()) {
      throw new IllegalStateException(this + " is closed");
    }
    long n;
    try {
      n = shape.invoke(write, data);
    } catch (Throwable t) {
      throw unchecked(t, "write");
    }
    if (n != (int) n) {
      throw new IllegalStateException(this + " returned " + n + " for a record of " + data.length
          + " bytes, outside the int range of DataSink.write (expected: " + data.length + ")");
    }
    // A count other than data.length is passed on as it is: the caller reports that breach.
    return (int) n;
  }

  /** Closes the target once if it is {@link AutoCloseable}; later calls do nothing. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    if (target instanceof AutoCloseable closeable) {
      try {
        closeable.close();
      } catch (Throwable t) {
        throw unchecked(t, "close");
      }
    }
  }

  /**
   * Maps what the target threw onto the {@link DataSink} contract: runtime exceptions and
   * errors as they are (an {@link UncheckedIOException} stays retryable, anything else is
   * a bug in the target), an {@link IOException} as a retryable
   * {@link UncheckedIOException}, and any other checked exception, which
   * {@code DataSink} cannot declare, as an {@link UndeclaredThrowableException}: not
   * retryable, as {@link java.lang.reflect.Proxy} does.
   */
  private RuntimeException unchecked(Throwable t, String operation) {
    if (t instanceof RuntimeException e) {
      return e;
    }
    if (t instanceof Error e) {
      throw e;
    }
    if (t instanceof IOException e) {
      return new UncheckedIOException(this + ": " + operation + " failed", e);
    }
    if (t instanceof InterruptedException) {
      Thread.currentThread().interrupt(); // restored for the caller, never swallowed
    }
    return new UndeclaredThrowableException(t, this + ": " + operation + " threw " + t);
  }

  /** {@code DataSinks.bind(com.acme.Bucket::write(byte[]) -> long)}. */
  @Override
  public String toString() {
    return "DataSinks.bind(" + target.getClass().getName() + "::" + shape.description() + ")";
  }
}
