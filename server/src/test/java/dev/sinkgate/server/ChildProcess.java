package dev.sinkgate.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real child process for tests, with its stdout and stderr captured in files (files,
 * not pipes, so a chatty child can never block on a full pipe and no reader threads are
 * needed). Every wait is bounded; {@link #close()} kills the process and its descendants
 * if they are still running, so a test that fails half-way leaves nothing behind.
 */
public final class ChildProcess implements AutoCloseable {
  private final String name;
  private final Process process;
  private final Path stdout;
  private final Path stderr;

  private ChildProcess(String name, Process process, Path stdout, Path stderr) {
    this.name = name;
    this.process = process;
    this.stdout = stdout;
    this.stderr = stderr;
  }

  /**
   * Starts {@code command} in {@code workDir}; its output goes to {@code NAME.stdout} and
   * {@code NAME.stderr} in {@code outputDir}.
   */
  public static ChildProcess start(String name, List<String> command, Path workDir, Path outputDir) throws IOException {
    Path out = outputDir.resolve(name + ".stdout");
    Path err = outputDir.resolve(name + ".stderr");
    Process p = new ProcessBuilder(command)
        .directory(workDir.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
        .redirectOutput(out.toFile())
        .redirectError(err.toFile())
        .start();
    return new ChildProcess(name, p, out, err);
  }

  /** Runs {@code command} to completion (at most {@code timeout}) and returns what it did. */
  static Finished run(String name, List<String> command, Path workDir, Path outputDir, Duration timeout)
      throws IOException, InterruptedException {
    try (ChildProcess child = start(name, command, workDir, outputDir)) {
      int code = child.awaitExit(timeout);
      return new Finished(code, child.stdout(), child.stderr());
    }
  }

  /** What a finished child did. */
  record Finished(int exitCode, String stdout, String stderr) {
    /** For assertion messages. */
    String describe() {
      return "exit code " + exitCode + "\n--- stdout ---\n" + stdout + "--- stderr ---\n" + stderr;
    }
  }

  /**
   * The command that runs {@code mainClass} in a new JVM with this test JVM's class path.
   * Under surefire {@code java.class.path} is the full test class path (target/classes,
   * test-classes and every jar), even though the fork boots from a manifest-only jar.
   */
  public static List<String> java(String mainClass, String... args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    // Small and quick to start: the machine that runs the tests is small and shared.
    command.add("-Xmx256m");
    command.add("-XX:+UseSerialGC");
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(mainClass);
    command.addAll(List.of(args));
    return command;
  }

  public Process process() {
    return process;
  }

  /** Everything the child wrote to stdout so far. */
  public String stdout() throws IOException {
    return read(stdout);
  }

  /** Everything the child wrote to stderr so far. */
  public String stderr() throws IOException {
    return read(stderr);
  }

  private static String read(Path file) throws IOException {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return "";
    }
  }

  /**
   * Waits up to {@code timeout} for {@code announcement} (whose group 1 is a port number) to
   * appear in a complete line of the child's stdout or stderr and returns the port; fails
   * with the child's output if it exits first. For servers that print the port they listen on.
   */
  int awaitPort(Pattern announcement, Duration timeout) throws InterruptedException, IOException {
    int[] port = {-1};
    Poll.until(timeout, () -> {
      if (!process.isAlive()) {
        return true; // reported below, with its output
      }
      // Complete lines only, so a port half-written at the moment of reading is never taken.
      String lines = completeLines(outputOrProblem(stdout)) + completeLines(outputOrProblem(stderr));
      Matcher m = announcement.matcher(lines);
      if (m.find()) {
        port[0] = Integer.parseInt(m.group(1));
        return true;
      }
      return false;
    }, () -> name + " to print a line matching '" + announcement + "'; so far:\n--- stdout ---\n"
        + outputOrProblem(stdout) + "--- stderr ---\n" + outputOrProblem(stderr));
    if (port[0] < 0) {
      throw new AssertionError(name + " exited with code " + process.exitValue() + " before listening\n"
          + "--- stdout ---\n" + stdout() + "--- stderr ---\n" + stderr());
    }
    return port[0];
  }

  private static String completeLines(String output) {
    return output.substring(0, output.lastIndexOf('\n') + 1);
  }

  private static String outputOrProblem(Path file) {
    try {
      return read(file);
    } catch (IOException e) {
      return "(" + file.getFileName() + " unreadable: " + e + ")\n";
    }
  }

  /** Waits up to {@code timeout} for the child to exit and returns its exit code; kills it and fails otherwise. */
  int awaitExit(Duration timeout) throws InterruptedException, IOException {
    if (!process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
      kill();
      throw new AssertionError(name + " did not exit within " + timeout + " (killed it)\n--- stdout ---\n"
          + stdout() + "--- stderr ---\n" + stderr());
    }
    return process.exitValue();
  }

  private void kill() throws InterruptedException {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
  }

  /** Kills the child (and anything it started) if it is still running. */
  @Override
  public void close() {
    if (process.isAlive()) {
      try {
        kill();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt(); // the kill was sent; only the wait was cut short
      }
    }
  }

  @Override
  public String toString() {
    return name + " (pid " + process.pid() + ")";
  }
}
