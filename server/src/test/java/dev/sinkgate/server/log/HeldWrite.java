package dev.sinkgate.server.log;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/** The real file system, where the writer can be held inside its next write until released. */
final class HeldWrite extends ForwardingLogFiles {
  final CountDownLatch entered = new CountDownLatch(1);
  final CountDownLatch release = new CountDownLatch(1);
  private final AtomicBoolean armed = new AtomicBoolean();

  HeldWrite() {
    super(SYSTEM);
  }

  /** Holds the next write (of any channel this opened) until {@link #release}. */
  void arm() {
    armed.set(true);
  }

  @Override
  protected FileChannel wrap(Path file, FileChannel channel) {
    return new ForwardingFileChannel(channel) {
      @Override
      public int write(ByteBuffer src, long position) throws IOException {
        if (armed.compareAndSet(true, false)) {
          entered.countDown();
          try {
            if (!release.await(30, TimeUnit.SECONDS)) {
              throw new IOException("the held write was not released within 30 s");
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while held");
          }
        }
        return super.write(src, position);
      }
    };
  }
}
