package dev.sinkgate.server.log;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * The file operations a {@link FileLog} performs, in one place, so that a test can put a
 * fault-injecting layer underneath (one that loses whatever was not yet fsync'd, fails
 * an fsync, or runs out of space) and prove the log's recovery against it. Reads by
 * {@code log cat} and {@code log verify} go to the file system directly.
 */
public interface LogFiles {
  /** Opens a file's channel. */
  FileChannel open(Path file, OpenOption... options) throws IOException;

  /** Renames {@code from} to {@code to} atomically, replacing nothing. */
  void moveAtomically(Path from, Path to) throws IOException;

  /** Deletes a file if it exists. */
  void deleteIfExists(Path file) throws IOException;

  /** Makes creations, renames and deletions in {@code dir} durable. */
  void syncDirectory(Path dir) throws IOException;

  /** The real file system. */
  LogFiles SYSTEM = new LogFiles() {
    @Override
    public FileChannel open(Path file, OpenOption... options) throws IOException {
      return FileChannel.open(file, options);
    }

    @Override
    public void moveAtomically(Path from, Path to) throws IOException {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
    }

    @Override
    public void deleteIfExists(Path file) throws IOException {
      Files.deleteIfExists(file);
    }

    @Override
    public void syncDirectory(Path dir) throws IOException {
      try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
        d.force(true);
      } catch (UncheckedIOException e) {
        throw e.getCause();
      }
    }

    @Override
    public String toString() {
      return "LogFiles.SYSTEM";
    }
  };
}
