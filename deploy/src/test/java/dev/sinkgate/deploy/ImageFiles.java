package dev.sinkgate.deploy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a file of the image comes from in this checkout, by the runtime stage's COPYs:
 * {@code COPY --from=build /src/X ...} is {@code X} under the repository root (a build output,
 * e.g. {@code server/target/lib/}), a plain {@code COPY deploy/F ...} is that file of deploy/.
 * So a test can run an image command with the files the image would hold, without an image.
 */
final class ImageFiles {
  private final DockerfileModel image;

  ImageFiles(DockerfileModel image) {
    this.image = image;
  }

  /** The local file or directory that {@code imagePath} is in the image; fails if no COPY puts it there. */
  Path local(String imagePath) {
    DockerfileModel.Copy copy = image.copyProviding(imagePath);
    if (copy == null || copy.sources().size() != 1) {
      throw new AssertionError(imagePath + " is not in the image as one COPY's destination (found: " + copy + ")");
    }
    String source = copy.sources().get(0);
    if (copy.from() != null) {
      if (!source.startsWith("/src/")) {
        throw new AssertionError("COPY --from=" + copy.from() + " " + source + " (expected: a path under /src/)");
      }
      source = source.substring("/src/".length());
    }
    Path local = Repo.root().resolve(source);
    String destination = copy.destination();
    return destination.endsWith("/") ? local.resolve(imagePath.substring(destination.length())) : local;
  }

  /** A {@code :}-separated class path of the image, each entry local ({@code DIR/*} stays a wildcard). */
  String classPath(String imageClassPath) {
    List<String> out = new ArrayList<>();
    for (String entry : imageClassPath.split(":")) {
      if (entry.endsWith("/*")) {
        out.add(local(entry.substring(0, entry.length() - 1)) + "/*");
      } else {
        out.add(local(entry).toString());
      }
    }
    return String.join(":", out);
  }
}
