package dev.sinkgate.server.log;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** An exclusive lock on a log directory's {@code .lock} file, held while the log is open. */
final class DirectoryLock implements AutoCloseable {
  static final String FILE_NAME = ".lock";

  private final FileChannel channel;
  private final FileLock lock;

  private DirectoryLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  /** Takes the lock or fails at once, saying who to look for. */
  static DirectoryLock acquire(Path dir) throws IOException {
    Path file = dir.resolve(FILE_NAME);
    FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = ch.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null; // held by this process
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
    if (lock == null) {
      ch.close();
      throw new IOException("file log " + dir + " is in use by another gateway or route (lock held on "
          + file + "); each log directory can be open in one place only");
    }
    return new DirectoryLock(ch, lock);
  }

  /** Releases the lock. Idempotent. */
  @Override
  public void close() throws IOException {
    if (channel.isOpen()) {
      try {
        lock.release();
      } finally {
        channel.close();
      }
    }
  }
}
