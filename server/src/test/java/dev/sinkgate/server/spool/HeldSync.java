package dev.sinkgate.server.spool;

import dev.sinkgate.server.log.ForwardingFileChannel;
import dev.sinkgate.server.log.ForwardingLogFiles;
import dev.sinkgate.server.log.LogFiles;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The real file system, where the next fsync of a log segment can be held (its records are
 * written and readable, not yet acknowledged) until released, and then made to fail.
 */
final class HeldSync extends ForwardingLogFiles {
  private volatile CountDownLatch entered;
  private volatile CountDownLatch release;
  private volatile boolean fail;

  HeldSync() {
    super(LogFiles.SYSTEM);
  }

  /** Holds the next segment fsync; once released it fails if {@code fail}. */
  void arm(boolean fail) {
    this.fail = fail;
    this.entered = new CountDownLatch(1);
    this.release = new CountDownLatch(1);
  }

  void awaitHeld() throws InterruptedException {
    if (!entered.await(20, TimeUnit.SECONDS)) {
      throw new AssertionError("no fsync was held within 20 s");
    }
  }

  void release() {
    release.countDown();
  }

  @Override
  protected FileChannel wrap(Path file, FileChannel channel) {
    if (!file.getFileName().toString().endsWith(".log")) {
      return channel;
    }
    return new ForwardingFileChannel(channel) {
      @Override
      public void force(boolean metaData) throws IOException {
        CountDownLatch held = entered;
        if (held != null && held.getCount() > 0) {
          held.countDown();
          try {
            if (!release.await(20, TimeUnit.SECONDS)) {
              throw new IOException("the held fsync was not released within 20 s");
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while held", e);
          }
          if (fail) {
            throw new IOException("injected fsync failure");
          }
        }
        super.force(metaData);
      }
    };
  }
}
