package dev.sinkgate.server.log;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An exclusive lock on a log directory's {@code .lock} file, held while the log is open:
 * against other processes by an OS file lock, and within this JVM by a set of held
 * directories.
 *
 * <p>The in-JVM check comes first, before any file is opened: POSIX drops every lock a
 * process holds on a file when <em>any</em> descriptor of that file is closed, so probing
 * a directory this JVM already holds with a second channel and closing it would silently
 * release the first lock.
 */
final class DirectoryLock implements AutoCloseable {
  static final String FILE_NAME = ".lock";
  /** Directories locked by this JVM, by real path. Process-wide by nature, like the OS lock it mirrors. */
  private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();

  private final Path key;
  private final FileChannel channel;
  private final FileLock lock;

  private DirectoryLock(Path key, FileChannel channel, FileLock lock) {
    this.key = key;
    this.channel = channel;
    this.lock = lock;
  }

  /** Takes the lock or fails at once, saying who to look for. */
  static DirectoryLock acquire(Path dir) throws IOException {
    Path key = dir.toRealPath();
    Path file = dir.resolve(FILE_NAME);
    if (!HELD.add(key)) {
      throw inUse(dir, file);
    }
    FileChannel ch = null;
    try {
      ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock lock = ch.tryLock();
      if (lock == null) {
        throw inUse(dir, file);
      }
      return new DirectoryLock(key, ch, lock);
    } catch (IOException | RuntimeException e) {
      if (ch != null) {
        ch.close();
      }
      HELD.remove(key);
      throw e;
    }
  }

  private static IOException inUse(Path dir, Path file) {
    return new IOException("file log " + dir + " is in use by another gateway or route (lock held on "
        + file + "); each log directory can be open in one place only");
  }

  /** Releases the lock. Idempotent. */
  @Override
  public void close() throws IOException {
    if (channel.isOpen()) {
      try {
        lock.release();
      } finally {
        channel.close();
        HELD.remove(key);
      }
    }
  }
}
