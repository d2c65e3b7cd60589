package dev.sinkgate.server.log;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The file system holding a log has no space (or quota) left. The log cut back the
 * failed write and stays usable: an append after space is freed succeeds.
 */
public final class LogFullException extends IOException {
  private static final long serialVersionUID = 1L;

  LogFullException(Path dir, IOException cause) {
    super("file log " + dir + ": the file system is full (" + cause.getMessage() + ")", cause);
  }

  /** The log reached its {@link FileLog.Options#capacityBytes()}. */
  LogFullException(Path dir, String why) {
    super("file log " + dir + " is full: " + why);
  }

  /** True if {@code e} is the JDK's report of ENOSPC or EDQUOT. */
  static boolean isFull(IOException e) {
    String m = e.getMessage();
    return m != null && (m.contains("No space left on device") || m.contains("Disk quota exceeded"));
  }
}
