package dev.sinkgate.deploy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** {@code kubectl kustomize DIR}, run as a child process: the rendering the manifests are applied with. */
final class Kustomize {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  private Kustomize() {}

  /** The rendered YAML of the kustomization in {@code dir}; fails with kubectl's message if it does not render. */
  static String render(Path dir) throws IOException, InterruptedException {
    Path out = Files.createTempFile("kustomize", ".yaml");
    Path err = Files.createTempFile("kustomize", ".stderr");
    try {
      Process p;
      try {
        p = new ProcessBuilder(List.of("kubectl", "kustomize", dir.toString()))
            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .start();
      } catch (IOException e) {
        throw new AssertionError("cannot run kubectl (" + e.getMessage() + "); these tests render the"
            + " manifests with 'kubectl kustomize' (expected: kubectl >= 1.27 on PATH)", e);
      }
      if (!p.waitFor(TIMEOUT.toNanos(), TimeUnit.NANOSECONDS)) {
        p.destroyForcibly();
        throw new AssertionError("kubectl kustomize " + dir + " did not finish within " + TIMEOUT);
      }
      if (p.exitValue() != 0) {
        throw new AssertionError("kubectl kustomize " + dir + " failed with exit code " + p.exitValue() + ":\n"
            + Files.readString(err, StandardCharsets.UTF_8));
      }
      return Files.readString(out, StandardCharsets.UTF_8);
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }
}
