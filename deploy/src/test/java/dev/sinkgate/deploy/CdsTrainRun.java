package dev.sinkgate.deploy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Dockerfile's run of deploy/cds-train: the image path of the script and its
 * {@code --name value} options, as the runtime stage's RUN gives them.
 */
record CdsTrainRun(String script, Map<String, String> options) {
  static final String SCRIPT = "deploy/cds-train";
  static final List<String> REQUIRED = List.of("--archive", "--class-path", "--jvm-options", "--sinkctl");

  static CdsTrainRun of(DockerfileModel image) {
    List<String> words = image.runOf(SCRIPT);
    Map<String, String> options = new LinkedHashMap<>();
    for (int i = 1; i < words.size(); i += 2) {
      if (!words.get(i).startsWith("--") || i + 1 >= words.size()) {
        throw new AssertionError("RUN " + words + ": '" + words.get(i) + "' (expected: --name value pairs)");
      }
      options.put(words.get(i), words.get(i + 1));
    }
    for (String name : REQUIRED) {
      if (!options.containsKey(name)) {
        throw new AssertionError("RUN " + words + " gives no " + name + " (expected all of " + REQUIRED + ")");
      }
    }
    return new CdsTrainRun(words.get(0), Map.copyOf(options));
  }

  String option(String name) {
    return options.get(name);
  }
}
