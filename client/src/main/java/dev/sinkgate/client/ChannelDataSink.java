package dev.sinkgate.client;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.WritableByteChannel;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/** {@link DataSinks#channel}: see its Javadoc for the contract. */
final class ChannelDataSink implements DataSink {
  private final WritableByteChannel channel;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Object selectorLock = new Object();
  private Selector selector; // guarded by selectorLock; opened the first time the channel is full

  ChannelDataSink(WritableByteChannel channel) {
    this.channel = Objects.requireNonNull(channel, "channel");
  }

  @Override
  public int write(byte[] data) {
    if (closed.get()) {
      throw new IllegalStateException(this + " is closed");
    }
    // Read-only, so a channel cannot write into the caller's array through the buffer.
    ByteBuffer buffer = ByteBuffer.wrap(data).asReadOnlyBuffer();
    try {
      while (buffer.hasRemaining()) {
        if (channel.write(buffer) == 0 && buffer.hasRemaining()) {
          awaitWritable();
        }
      }
      return data.length;
    } catch (IOException e) {
      throw new UncheckedIOException(this + ": write failed after " + buffer.position() + " of "
          + data.length + " bytes (the channel may now hold a partial record)", e);
    }
  }

  /**
   * Waits until a channel that accepted nothing can take more. Only a non-blocking
   * {@link SelectableChannel} accepts 0 bytes in normal operation, and a selector is the
   * one way to wait for it without spinning; any other channel that accepts nothing gives
   * no signal to wait for, so that is a failure.
   */
  private void awaitWritable() throws IOException {
    if (!(channel instanceof SelectableChannel selectable)
        || selectable.isBlocking()
        || (selectable.validOps() & SelectionKey.OP_WRITE) == 0) {
      throw new IOException(channel + " accepted 0 bytes and offers no way to wait until it"
          + " can take more (expected: a blocking channel, or a non-blocking SelectableChannel)");
    }
    Selector waiter = selector(selectable);
    SelectionKey key;
    try {
      key = selectable.register(waiter, SelectionKey.OP_WRITE);
    } catch (ClosedSelectorException e) {
      throw new AsynchronousCloseException(); // close() ran after selector() returned
    }
    try {
      // Returns when the channel is writable, when close() closes the selector, or at once
      // if this thread is interrupted.
      waiter.select();
    } catch (ClosedSelectorException e) {
      throw new AsynchronousCloseException();
    } finally {
      key.cancel();
      try {
        // Deregisters the channel now rather than at the next wait, so its owner may switch
        // it back to blocking mode (which a registered channel refuses).
        waiter.selectNow();
      } catch (ClosedSelectorException e) {
        // close() closed the selector, which deregisters every channel.
      }
    }
    if (closed.get()) {
      throw new AsynchronousCloseException();
    }
    if (Thread.currentThread().isInterrupted()) {
      // The interrupt stays set for the caller; a retry would wake at once again.
      throw new InterruptedIOException("interrupted while waiting for " + channel + " to drain");
    }
  }

  private Selector selector(SelectableChannel selectable) throws IOException {
    synchronized (selectorLock) {
      if (closed.get()) {
        throw new AsynchronousCloseException();
      }
      if (selector == null) {
        selector = selectable.provider().openSelector();
      }
      return selector;
    }
  }

  /**
   * Closes the selector first, which wakes a writer waiting on it from another thread,
   * then the channel; both are closed even if the first fails, and the first failure is
   * rethrown.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    IOException failure = null;
    Selector waiter;
    synchronized (selectorLock) {
      waiter = selector;
    }
    if (waiter != null) {
      try {
        waiter.close();
      } catch (IOException e) {
        failure = e;
      }
    }
    try {
      channel.close();
    } catch (IOException e) {
      if (failure == null) {
        failure = e;
      } else {
        failure.addSuppressed(e);
      }
    }
    if (failure != null) {
      throw new UncheckedIOException(this + ": close failed", failure);
    }
  }

  @Override
  public String toString() {
    return "DataSinks.channel(" + channel + ")";
  }
}
