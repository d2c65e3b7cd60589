package dev.sinkgate.server.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A small tmpfs mounted for one test, so that a file log really runs out of space, and a
 * filler file that takes all of it but a known room. Public because the gateway's tests
 * use it too.
 *
 * <p>Mounting takes root (CAP_SYS_ADMIN) on Linux. Without it {@link #mountOrAbort}
 * aborts the test with a message saying why and how to run it, so the test shows as
 * skipped, never as passed. {@link #close()} unmounts and fails if that fails (a file
 * left open on the mount makes it busy); the test must close what it opened there first.
 */
public final class SmallTmpfs implements AutoCloseable {
  /** tmpfs charges whole pages. */
  public static final int PAGE = 4096;

  private final Path dir;
  private final Path filler;
  private boolean mounted = true;

  private SmallTmpfs(Path dir) {
    this.dir = dir;
    this.filler = dir.resolve("filler");
  }

  /** The output and exit code of a finished command. */
  private record Run(int exitCode, String output) {}

  /**
   * Mounts a tmpfs of {@code bytes} on {@code dir} (created if missing), or aborts the
   * calling test, saying why, when this is not Linux, not root, or the mount fails.
   */
  public static SmallTmpfs mountOrAbort(Path dir, long bytes) throws IOException, InterruptedException {
    String os = System.getProperty("os.name");
    String why = null;
    if (!os.equals("Linux")) {
      why = "tmpfs is Linux only (this is " + os + ")";
    } else {
      int uid = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
      if (uid != 0) {
        why = "mounting a tmpfs takes root and the tests run as uid " + uid;
      } else {
        Files.createDirectories(dir);
        Run mount = run("mount", "-t", "tmpfs", "-o", "size=" + bytes, "tmpfs", dir.toString());
        if (mount.exitCode() != 0) {
          why = "'mount -t tmpfs -o size=" + bytes + " tmpfs " + dir + "' failed with exit code "
              + mount.exitCode() + ": " + mount.output().strip()
              + " (in a container, mounting needs CAP_SYS_ADMIN)";
        }
      }
    }
    if (why != null) {
      Assumptions.abort("not run: this test needs a really full file system, a " + bytes + "-byte tmpfs it mounts"
          + " itself, but " + why + ". Run it on Linux as root, e.g."
          + " sudo ./mvnw -B test -pl server -Dtest=DiskFullTest,FileLogDiskFullTest");
    }
    SmallTmpfs tmpfs = new SmallTmpfs(dir);
    try {
      String type = Files.getFileStore(dir).type();
      long total = Files.getFileStore(dir).getTotalSpace();
      if (!type.equals("tmpfs") || total != bytes) {
        throw new IllegalStateException(dir + " is a " + type + " of " + total + " bytes after mounting"
            + " (expected: a tmpfs of " + bytes + ")");
      }
    } catch (IOException | RuntimeException e) {
      tmpfs.close();
      throw e;
    }
    return tmpfs;
  }

  public Path dir() {
    return dir;
  }

  /** Bytes the file system would still give a writer. */
  public long free() throws IOException {
    return Files.getFileStore(dir).getUsableSpace();
  }

  /**
   * Writes a filler file that takes all the free space but {@code room} bytes (a whole
   * number of pages), and checks that exactly {@code room} bytes are left.
   */
  public void fillLeaving(long room) throws IOException {
    if (room < 0 || room % PAGE != 0) {
      throw new IllegalArgumentException("room: " + room + " (expected: a multiple of " + PAGE + " >= 0)");
    }
    long fill = free() - room;
    if (fill < 0) {
      throw new IllegalStateException(dir + " has only " + free() + " bytes free (expected: at least " + room + ")");
    }
    ByteBuffer zeros = ByteBuffer.allocate(64 * 1024);
    try (FileChannel ch = FileChannel.open(filler, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      for (long written = 0; written < fill; ) {
        zeros.clear().limit((int) Math.min(zeros.capacity(), fill - written));
        written += ch.write(zeros); // real zeros, not a hole: tmpfs charges the pages
      }
    }
    if (free() != room) {
      throw new IllegalStateException("after filling " + dir + " has " + free() + " bytes free (expected: " + room + ")");
    }
  }

  /** Deletes the filler file, giving its space back. */
  public void deleteFiller() throws IOException {
    Files.delete(filler);
  }

  /**
   * Unmounts. If that fails (busy: something on the mount is still open), detaches it
   * lazily so nothing stays mounted, and fails with what umount said. Idempotent.
   */
  @Override
  public void close() throws IOException {
    if (!mounted) {
      return;
    }
    mounted = false;
    try {
      Run umount = run("umount", dir.toString());
      if (umount.exitCode() != 0) {
        Run lazy = run("umount", "--lazy", dir.toString());
        throw new IOException("'umount " + dir + "' failed with exit code " + umount.exitCode() + ": "
            + umount.output().strip() + " (is a file on it still open?); 'umount --lazy' "
            + (lazy.exitCode() == 0 ? "detached it" : "failed too: " + lazy.output().strip()));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while unmounting " + dir, e);
    }
  }

  private static Run run(String... command) throws IOException, InterruptedException {
    // Output to a file, not a pipe: the wait below then bounds the whole run.
    Path out = Files.createTempFile("sinkgate-tmpfs-", ".out");
    try {
      Process p = new ProcessBuilder(List.of(command)).redirectErrorStream(true)
          .redirectOutput(out.toFile()).start();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException(String.join(" ", command) + " did not finish within 30 s");
      }
      return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(out);
    }
  }

  @Override
  public String toString() {
    return "SmallTmpfs(" + dir + ")";
  }
}
