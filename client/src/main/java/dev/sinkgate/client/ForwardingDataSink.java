package dev.sinkgate.client;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A {@link DataSink} that forwards to another one: the base of every decorator (retry,
 * metrics, breaker, spool), so that each is a few lines and they compose as plain
 * function application (see {@link DataSinkDecorator}).
 *
 * <p>Subclasses override {@link #write} to observe or change a record and call
 * {@code super.write(data)} to pass it on. This class keeps the {@link DataSink}
 * contract's lifecycle for them, even over a lambda delegate that keeps none:
 * <ul>
 *   <li>{@link #write} after {@link #close} throws {@link IllegalStateException} without
 *       reaching the delegate;</li>
 *   <li>{@link #close} closes the delegate exactly once, however often it is called, so a
 *       close propagates once through a whole chain of decorators. A subclass that
 *       overrides {@code close} to release something of its own calls
 *       {@code super.close()} in a {@code finally} block, so the delegate is closed even
 *       when its own cleanup fails.</li>
 * </ul>
 *
 * <p>The decorator owns its delegate: closing the decorator closes the delegate. It is as
 * thread-safe as the delegate and the subclass's own state; the closed flag itself is
 * safe to read and set from any thread.
 */
public abstract class ForwardingDataSink implements DataSink {
  private final DataSink delegate;
  private final AtomicBoolean closed = new AtomicBoolean();

  /** @param delegate the sink that receives the records; closed when this sink is closed */
  protected ForwardingDataSink(DataSink delegate) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
  }

  /** The sink this one forwards to. */
  public final DataSink delegate() {
    return delegate;
  }

  /**
   * Forwards {@code data} to the delegate and returns what it returned.
   *
   * @throws IllegalStateException if this sink is closed
   */
  @Override
  public int write(byte[] data) {
    if (closed.get()) {
      throw new IllegalStateException(this + " is closed");
    }
    return delegate.write(data);
  }

  /** Closes the delegate the first time it is called; later calls do nothing. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      delegate.close();
    }
  }

  /** Whether {@link #close} has been called. */
  protected final boolean isClosed() {
    return closed.get();
  }

  /** {@code SimpleName(delegate)}, so a chain reads as the pipeline it is. */
  @Override
  public String toString() {
    String name = getClass().getSimpleName();
    // An anonymous subclass has no simple name; its binary name still says where it lives.
    return (name.isEmpty() ? getClass().getName() : name) + "(" + delegate + ")";
  }
}
