package dev.sinkgate.bench.grpc;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The other implementations of the contract, run as child processes under the same load as
 * the gateway: the Python sink ({@code interop/python/sinkgate_sink.py}, Debian's grpcio)
 * and the Node sink ({@code interop/node/sinkgate_sink.js}, {@code @grpc/grpc-js}).
 *
 * <p><b>What they do per record</b>, for reading their figures: each accepted record is
 * written as one JSON line to its {@code --file} and flushed to the OS before the ack
 * ({@code DURABILITY_WRITTEN}), with no fsync. The gateway's comparable route is therefore a
 * {@code file} route with {@code fsync: never}; against the gateway's {@code discard} route
 * the peers also pay a JSON encoding and a {@code write} per record. The file grows by
 * about 4/3 of the payload (base64 in JSON), so a long run of large records needs room in
 * the scratch directory. The Python sink serves 32 calls at once (its {@code --workers}
 * default); more concurrent calls queue in grpcio.
 *
 * <p>The repository (for {@code interop/}) is the system property {@code sinkgate.repo}
 * when set, else the nearest directory at or above the working directory that holds
 * {@code interop/}. Python runs as {@code /usr/bin/python3} (Debian's grpcio lives there),
 * Node as {@code node} on the PATH with {@code interop/node/node_modules} installed
 * ({@code npm ci}, which {@code bin/test} runs).
 */
public final class Peers {
  private static final Pattern LISTENING = Pattern.compile("^listening on (\\d+)$", Pattern.MULTILINE);
  /** The Python sink compiles its stubs with protoc at start-up; a loaded machine makes that slow. */
  private static final Duration START = Duration.ofSeconds(60);
  /** Both sinks give calls in flight 5 s after SIGTERM. */
  private static final Duration STOP = Duration.ofSeconds(10);
  private static final long POLL_MILLIS = 10;

  private Peers() {}

  /** A language with a sink server under {@code interop/}. */
  public enum Language {
    PYTHON("python", "/usr/bin/python3", "sinkgate_sink.py"),
    NODE("node", "node", "sinkgate_sink.js");

    private final String dir;
    private final String runtime;
    private final String script;

    Language(String dir, String runtime, String script) {
      this.dir = dir;
      this.runtime = runtime;
      this.script = script;
    }

    /** Lower case, for names in reports: {@code python}, {@code node}. */
    public String id() {
      return dir;
    }
  }

  /**
   * Starts {@code language}'s sink on {@code 127.0.0.1:0}, storing to
   * {@code scratch/ID-records.jsonl} (its stdout and stderr go to {@code scratch/ID.stdout},
   * {@code .stderr}), and waits until it listens. An existing file is appended to, so give
   * each run its own scratch directory.
   *
   * @throws IOException if it cannot start, exits, or does not listen within 60 s (it is
   *     stopped; the message carries its output)
   */
  public static Peer start(Language language, Path scratch) throws IOException, InterruptedException {
    Path interop = repoRoot().resolve("interop").resolve(language.dir);
    Path file = scratch.resolve(language.id() + "-records.jsonl");
    Path stdout = scratch.resolve(language.id() + ".stdout");
    Path stderr = scratch.resolve(language.id() + ".stderr");
    Process process = new ProcessBuilder(language.runtime, interop.resolve(language.script).toString(),
        "--listen", "127.0.0.1:0", "--file", file.toString())
        .directory(interop.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
        .redirectOutput(stdout.toFile())
        .redirectError(stderr.toFile())
        .start();
    try {
      return new Peer(language, process, awaitPort(process, stdout, stderr, language), file);
    } catch (IOException | InterruptedException | RuntimeException | Error e) {
      stop(process);
      throw e;
    }
  }

  /**
   * SIGTERM, then a kill of it and anything it started if it has not exited within
   * {@link #STOP}. Interrupted, it kills at once and keeps the interrupt.
   */
  private static void stop(Process process) {
    process.destroy(); // SIGTERM: the sink stops serving and closes its file
    if (!exited(process)) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
      exited(process);
    }
  }

  /** Waits up to {@link #STOP} for {@code process} to exit; not at all once interrupted. */
  private static boolean exited(Process process) {
    try {
      return !Thread.currentThread().isInterrupted() && process.waitFor(STOP.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static int awaitPort(Process process, Path stdout, Path stderr, Language language)
      throws IOException, InterruptedException {
    long deadline = System.nanoTime() + START.toNanos();
    while (true) {
      String out = read(stdout);
      // Complete lines only, so a port half-written at the moment of reading is never taken.
      Matcher m = LISTENING.matcher(out.substring(0, out.lastIndexOf('\n') + 1));
      if (m.find()) {
        return Integer.parseInt(m.group(1));
      }
      if (!process.isAlive() || System.nanoTime() - deadline > 0) {
        throw new IOException("the " + language.id() + " sink " + (process.isAlive() ? "did not listen within "
            + START : "exited with code " + process.exitValue()) + " (is its runtime installed? bin/test installs"
            + " it)\n--- stdout ---\n" + out + "--- stderr ---\n" + read(stderr));
      }
      Thread.sleep(POLL_MILLIS);
    }
  }

  private static String read(Path file) throws IOException {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return "";
    }
  }

  /** The repository's root: {@code -Dsinkgate.repo}, or the nearest directory upwards with {@code interop/}. */
  static Path repoRoot() {
    String property = System.getProperty("sinkgate.repo");
    if (property != null && !property.isBlank()) {
      return Path.of(property);
    }
    Path start = Path.of("").toAbsolutePath();
    for (Path dir = start; dir != null; dir = dir.getParent()) {
      if (Files.isDirectory(dir.resolve("interop"))) {
        return dir;
      }
    }
    throw new IllegalStateException("no interop/ at or above " + start
        + " (expected: run from the repository, or set -Dsinkgate.repo=REPOSITORY)");
  }

  /**
   * A running peer sink. {@link #close()} stops it: SIGTERM, then a kill (of it and anything
   * it started) if it has not exited 10 s later; closing twice is safe. Its record file
   * stays for the caller's scratch directory to remove.
   */
  public static final class Peer implements AutoCloseable {
    private final Language language;
    private final Process process;
    private final int port;
    private final Path file;
    private boolean closed;

    private Peer(Language language, Process process, int port, Path file) {
      this.language = language;
      this.process = process;
      this.port = port;
      this.file = file;
    }

    public Language language() {
      return language;
    }

    /** The loopback port it serves on. */
    public int port() {
      return port;
    }

    /** Its process id, for CPU and RSS sampling (the runtime itself, no wrapper process). */
    public long pid() {
      return process.pid();
    }

    /** {@code http://127.0.0.1:PORT/sinkgate.v1.Sink/METHOD}, for {@link H2Load.Spec}. */
    public String uri(String method) {
      return H2Load.uri(port, method);
    }

    /** The file it stores records to, one JSON line each. */
    public Path file() {
      return file;
    }

    /**
     * The records it has stored so far: the complete lines of its file (a last line without
     * its newline is one being written). Its server-side counter: a record is stored before
     * it is acknowledged.
     */
    public long storedRecords() throws IOException {
      if (!Files.exists(file)) {
        return 0;
      }
      long lines = 0;
      byte[] buffer = new byte[1 << 16];
      try (InputStream in = Files.newInputStream(file)) {
        for (int n; (n = in.read(buffer)) > 0; ) {
          for (int i = 0; i < n; i++) {
            if (buffer[i] == '\n') {
              lines++;
            }
          }
        }
      }
      return lines;
    }

    @Override
    public synchronized void close() {
      if (closed) {
        return;
      }
      closed = true;
      stop(process);
    }

    @Override
    public String toString() {
      return language.id() + " sink (pid " + pid() + ") on 127.0.0.1:" + port;
    }
  }
}
