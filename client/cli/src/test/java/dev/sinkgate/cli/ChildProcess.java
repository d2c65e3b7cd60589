package dev.sinkgate.cli;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a real child process to completion for tests: stdin from a file (or /dev/null),
 * stdout and stderr captured in files (never pipes, so a chatty child cannot block), every
 * wait bounded, and the process and its descendants killed if it overstays.
 */
final class ChildProcess {
  private ChildProcess() {}

  /** What a finished child did. */
  record Finished(int exitCode, byte[] stdoutBytes, String stderr) {
    String stdout() {
      return new String(stdoutBytes, StandardCharsets.UTF_8);
    }

    /** For assertion messages. */
    String describe() {
      return "exit code " + exitCode + "\n--- stdout ---\n" + stdout() + "--- stderr ---\n" + stderr;
    }
  }

  /**
   * Runs {@code command} in {@code dir} with {@code env} added to this process's
   * environment; output files {@code NAME.stdout} and {@code NAME.stderr} go to {@code dir}.
   */
  static Finished run(String name, List<String> command, Path dir, Path stdin, Map<String, String> env,
      Duration timeout) throws IOException, InterruptedException {
    Path out = dir.resolve(name + ".stdout");
    Path err = dir.resolve(name + ".stderr");
    ProcessBuilder b = new ProcessBuilder(command)
        .directory(dir.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(stdin == null ? new File("/dev/null") : stdin.toFile()))
        .redirectOutput(out.toFile())
        .redirectError(err.toFile());
    b.environment().putAll(env);
    Process p = b.start();
    try {
      if (!p.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
        throw new AssertionError(name + " did not exit within " + timeout + " (killed it)\n--- stdout ---\n"
            + Files.readString(out) + "--- stderr ---\n" + Files.readString(err));
      }
      return new Finished(p.exitValue(), Files.readAllBytes(out), Files.readString(err, StandardCharsets.UTF_8));
    } finally {
      if (p.isAlive()) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }
}
