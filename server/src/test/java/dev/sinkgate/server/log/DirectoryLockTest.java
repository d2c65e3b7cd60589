package dev.sinkgate.server.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A refused second open in the same JVM must not release the first open's OS-level lock. */
class DirectoryLockTest {
  @TempDir
  Path dir;

  private String otherProcessTriesTheLock() throws Exception {
    Process p = new ProcessBuilder("/usr/bin/python3", "-c",
        "import fcntl\nf=open('" + dir.resolve(".lock") + "','a')\n"
            + "try:\n fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB); print('GOT')\n"
            + "except OSError: print('REFUSED')").redirectErrorStream(true).start();
    return new String(p.getInputStream().readAllBytes()).trim();
  }

  @Test
  @SuppressWarnings("try") // the open log is held, not used: that is the point
  void refusedSecondOpen_keepsTheFirstLogsLock() throws Exception {
    try (FileLog first = FileLog.open(dir, w -> {})) {
      assertEquals("REFUSED", otherProcessTriesTheLock());
      assertThrows(IOException.class, () -> FileLog.open(dir, w -> {}));
      assertEquals("REFUSED", otherProcessTriesTheLock(),
          "after a refused second open in this JVM, another process can take the lock of a log still open here");
    }
  }
}
