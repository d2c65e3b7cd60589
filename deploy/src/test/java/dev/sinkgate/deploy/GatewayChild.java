package dev.sinkgate.deploy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The gateway as the image runs it — the Dockerfile's ENTRYPOINT followed by the container's
 * args — in a child JVM: {@code java} is this JVM's, the {@code @/app/jvm.options} argfile is
 * the deploy/ file the image copies there, and the class path is this test's (which holds the
 * server and its dependencies, as /app/lib does), so ENTRYPOINT's {@code -XX:SharedArchiveFile}
 * is left out: the image's archive fits only the image's class path (CdsTrainIT runs that
 * one). Output goes to files in {@code dir}. Closing kills it if it still runs.
 */
final class GatewayChild implements AutoCloseable {
  private final Process process;
  private final Path stdout;
  private final Path stderr;

  private GatewayChild(Process process, Path stdout, Path stderr) {
    this.process = process;
    this.stdout = stdout;
    this.stderr = stderr;
  }

  static GatewayChild start(DockerfileModel image, List<String> args, Path dir) throws IOException {
    List<String> command = new ArrayList<>();
    List<String> entrypoint = image.runtime().entrypoint();
    for (int i = 0; i < entrypoint.size(); i++) {
      String word = entrypoint.get(i);
      if (i == 0) {
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      } else if (word.startsWith("@")) {
        DockerfileModel.Copy copy = image.copyProviding(word.substring(1));
        command.add("@" + Repo.root().resolve(copy.sources().get(0)));
      } else if (word.startsWith(DockerfileTest.SHARED_ARCHIVE)) {
        // The image's archive fits only the image's class path, and this child runs on the
        // test's: left out, as the image would run without it. CdsTrainIT checks the archive.
        continue;
      } else if (word.equals("-cp")) {
        command.add(word);
        command.add(System.getProperty("java.class.path"));
        i++;
      } else {
        command.add(word);
      }
    }
    command.addAll(args);
    return launch(command, dir);
  }

  /** Runs {@code command} (a whole java command line) in {@code dir}, its output to files there. */
  static GatewayChild launch(List<String> command, Path dir) throws IOException {
    Path out = dir.resolve("gateway.stdout");
    Path err = dir.resolve("gateway.stderr");
    Process p = new ProcessBuilder(command).directory(dir.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
        .redirectOutput(out.toFile())
        .redirectError(err.toFile())
        .start();
    return new GatewayChild(p, out, err);
  }

  boolean alive() {
    return process.isAlive();
  }

  String stderr() throws IOException {
    return Files.exists(stderr) ? Files.readString(stderr, StandardCharsets.UTF_8) : "";
  }

  String stdout() throws IOException {
    return Files.exists(stdout) ? Files.readString(stdout, StandardCharsets.UTF_8) : "";
  }

  /** Waits, polling within {@code timeout}, for a line of stderr that starts with {@code prefix}; fails if it exits first. */
  void awaitStderrLine(String prefix, Duration timeout) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (stderr().lines().noneMatch(l -> l.startsWith(prefix))) {
      if (!process.isAlive()) {
        throw new AssertionError("the gateway exited (" + process.exitValue() + ") before printing '" + prefix
            + "'\n" + stderr() + stdout());
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the gateway did not print '" + prefix + "' within " + timeout + "\n" + stderr());
      }
      Thread.sleep(20); // polling, bounded by the deadline above
    }
  }

  /** SIGTERM, as kubelet stops a container; returns the exit code, or fails if it takes longer than {@code timeout}. */
  int sigterm(Duration timeout) throws InterruptedException, IOException {
    process.destroy();
    if (!process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
      close();
      throw new AssertionError("the gateway did not exit within " + timeout + " of SIGTERM (killed it)\n" + stderr());
    }
    return process.exitValue();
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
      try {
        process.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt(); // the kill was sent; only the wait was cut short
      }
    }
  }
}
