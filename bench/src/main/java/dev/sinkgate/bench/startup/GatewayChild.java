package dev.sinkgate.bench.startup;

import dev.sinkgate.bench.grpc.ProcStats;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One cold start of the real gateway: a fresh JVM running {@code server/target/sinkgate-server.jar}
 * with its {@code lib/}, as the container image runs it. Its stderr is read line by line as
 * it is written, each line stamped with the time it arrived (so the start-up and ready lines
 * are timed without polling a file), and copied to {@code NAME.err}; stdout goes to
 * {@code NAME.out}. {@link #close()} sends SIGTERM (the gateway drains), then kills.
 */
final class GatewayChild implements AutoCloseable {
  private final Process process;
  private final long spawnedNanos;
  private final ProcStats stats;
  private final List<Line> lines = new ArrayList<>();
  private final Thread reader;

  /** A stderr line and when it arrived, in nanoseconds after the spawn. */
  record Line(long nanos, String text) {}

  private GatewayChild(Process process, long spawnedNanos, Path err) throws IOException {
    this.process = process;
    this.spawnedNanos = spawnedNanos;
    this.stats = new ProcStats(process.pid());
    Writer copy = Files.newBufferedWriter(err);
    this.reader = new Thread(() -> copyLines(copy), "gateway-stderr-" + process.pid());
    reader.setDaemon(true);
    reader.start();
  }

  /** The java command of the gateway in {@code repo} with {@code jvmOptions} and {@code args}. */
  static List<String> command(Path repo, List<String> jvmOptions, List<String> args) {
    Path target = repo.resolve("server/target");
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions);
    command.add("-cp");
    command.add(target.resolve("sinkgate-server.jar") + ":" + target.resolve("lib") + "/*");
    command.add("dev.sinkgate.server.Main");
    command.addAll(args);
    return command;
  }

  /** Checks that the gateway has been built in {@code repo}; the message says how to build it. */
  static void checkBuilt(Path repo) {
    Path jar = repo.resolve("server/target/sinkgate-server.jar");
    if (!Files.isRegularFile(jar) || !Files.isDirectory(repo.resolve("server/target/lib"))) {
      throw new IllegalStateException(jar + " or its lib/ is missing (expected the packaged gateway:"
          + " ./mvnw -pl server -am package, which bin/bench-startup runs when needed)");
    }
  }

  /** Spawns the gateway; the clock starts just before the spawn. */
  static GatewayChild start(List<String> command, Path dir, String name) throws IOException {
    long t0 = System.nanoTime();
    Process p = new ProcessBuilder(command).directory(dir.toFile())
        .redirectOutput(dir.resolve(name + ".out").toFile()).redirectError(ProcessBuilder.Redirect.PIPE).start();
    return new GatewayChild(p, t0, dir.resolve(name + ".err"));
  }

  private void copyLines(Writer copy) {
    try (copy; BufferedReader r = new BufferedReader(
        new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        long at = System.nanoTime() - spawnedNanos;
        synchronized (lines) {
          lines.add(new Line(at, line));
          lines.notifyAll();
        }
        copy.write(line);
        copy.write('\n');
        copy.flush();
      }
    } catch (IOException e) {
      // The process is gone; what was read is kept.
    }
  }

  /** When the first stderr line starting with {@code prefix} arrived (ns after the spawn), or -1. */
  long lineAt(String prefix) {
    synchronized (lines) {
      for (Line l : lines) {
        if (l.text().startsWith(prefix)) {
          return l.nanos();
        }
      }
    }
    return -1;
  }

  /**
   * Waits until a stderr line starting with {@code prefix} has arrived, the process has
   * exited or {@code timeoutNanos} has passed; returns when it arrived (ns after the spawn), or -1.
   */
  long awaitLine(String prefix, long timeoutNanos) throws InterruptedException {
    long deadline = System.nanoTime() + timeoutNanos;
    synchronized (lines) {
      while (true) {
        long at = lineAt(prefix);
        long left = deadline - System.nanoTime();
        if (at >= 0 || left <= 0 || !process.isAlive()) {
          return at;
        }
        TimeUnit.NANOSECONDS.timedWait(lines, Math.min(left, TimeUnit.MILLISECONDS.toNanos(50)));
      }
    }
  }

  long spawnedNanos() {
    return spawnedNanos;
  }

  ProcStats stats() {
    return stats;
  }

  long pid() {
    return process.pid();
  }

  boolean alive() {
    return process.isAlive();
  }

  /** Every stderr line so far, for error messages. */
  String stderr() {
    StringBuilder b = new StringBuilder();
    synchronized (lines) {
      for (Line l : lines) {
        b.append(l.text()).append('\n');
      }
    }
    String s = b.toString();
    return s.length() <= 3000 ? s : "…" + s.substring(s.length() - 3000);
  }

  /** SIGTERM, then up to 30 s for the drain, then SIGKILL; returns the exit code, or -1 if killed. */
  int stop() throws InterruptedException {
    process.destroy();
    int code = -1;
    if (process.waitFor(30, TimeUnit.SECONDS)) {
      code = process.exitValue();
    } else {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    reader.join(TimeUnit.SECONDS.toMillis(5));
    return code;
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      stop();
    }
  }
}
