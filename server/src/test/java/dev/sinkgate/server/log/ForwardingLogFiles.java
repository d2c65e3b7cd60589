package dev.sinkgate.server.log;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;

/**
 * A {@link LogFiles} that forwards every operation to another, the base for test layers
 * that observe or change a few of them: a subclass overrides {@link #wrap} to put a
 * {@link ForwardingFileChannel} around each channel the log opens.
 */
public class ForwardingLogFiles implements LogFiles {
  private final LogFiles delegate;

  public ForwardingLogFiles(LogFiles delegate) {
    this.delegate = delegate;
  }

  /**
   * The real file system with every fsync skipped (file and directory). For tests that
   * check what recovery reads and cuts, not what survives a power loss, and that open
   * logs by the thousand: at a few milliseconds an fsync, syncing would take minutes.
   * Within one process the page cache shows every write anyway.
   */
  static LogFiles unsynced() {
    return new ForwardingLogFiles(LogFiles.SYSTEM) {
      @Override
      protected FileChannel wrap(Path file, FileChannel channel) {
        return new ForwardingFileChannel(channel) {
          @Override
          public void force(boolean metaData) {}
        };
      }

      @Override
      public void syncDirectory(Path dir) {}

      @Override
      public String toString() {
        return "LogFiles.SYSTEM without fsync";
      }
    };
  }

  /** The channel the log gets for {@code file}: {@code channel} itself unless overridden. */
  protected FileChannel wrap(Path file, FileChannel channel) {
    return channel;
  }

  @Override
  public FileChannel open(Path file, OpenOption... options) throws IOException {
    return wrap(file, delegate.open(file, options));
  }

  @Override
  public void moveAtomically(Path from, Path to) throws IOException {
    delegate.moveAtomically(from, to);
  }

  @Override
  public void deleteIfExists(Path file) throws IOException {
    delegate.deleteIfExists(file);
  }

  @Override
  public void syncDirectory(Path dir) throws IOException {
    delegate.syncDirectory(dir);
  }
}
