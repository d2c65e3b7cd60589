package dev.sinkgate.deploy;

import java.nio.file.Files;
import java.nio.file.Path;

/** Paths of the repository the tests run in (surefire passes its root as {@code sinkgate.repo.root}). */
final class Repo {
  private Repo() {}

  static Path root() {
    String root = System.getProperty("sinkgate.repo.root");
    Path p = root != null ? Path.of(root) : Path.of("").toAbsolutePath().getParent();
    if (!Files.isRegularFile(p.resolve("deploy/pom.xml"))) {
      throw new IllegalStateException("cannot find the repository root (tried " + p
          + "; expected: a directory with deploy/pom.xml, passed as -Dsinkgate.repo.root)");
    }
    return p;
  }

  static Path deploy() {
    return root().resolve("deploy");
  }

  static Path k8s() {
    return deploy().resolve("k8s");
  }
}
