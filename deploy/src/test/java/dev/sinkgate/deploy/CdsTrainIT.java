package dev.sinkgate.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinkgate.client.SinkClient;
import dev.sinkgate.server.log.LogReader;
import dev.sinkgate.server.log.LogRecord;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The image's AppCDS recipe, run for real without an image: the Dockerfile's RUN of
 * deploy/cds-train, with every image path mapped to the build outputs the image copies
 * ({@link ImageFiles}: the packaged server and sinkctl, hence an integration test, after
 * {@code package}), makes an archive; the gateway then starts as ENTRYPOINT starts it, with
 * that archive and {@code -Xshare:on}, under which the JVM refuses to start if it cannot map
 * the archive (another JVM, other options, another class path). It must serve and drain.
 */
class CdsTrainIT {
  private static final Duration TRAIN = Duration.ofSeconds(120);
  private static final Duration START = Duration.ofSeconds(60);
  private static final String READY = "sinkgate: ready: every route is open";
  private static final Pattern LAUNCHER_CP = Pattern.compile("-cp \"([^\"]+)\"");

  @TempDir Path tmp;

  @Test
  void imageRecipe_trainsAnArchiveThatTheEntrypointMapsWithSharingRequired() throws Exception {
    DockerfileModel image = DockerfileModel.read(Repo.deploy().resolve("Dockerfile"));
    ImageFiles files = new ImageFiles(image);
    CdsTrainRun run = CdsTrainRun.of(image);
    Path archive = tmp.resolve("sinkgate.jsa");

    List<String> train = new ArrayList<>(List.of(files.local(run.script()).toString()));
    for (var option : run.options().entrySet()) {
      train.add(option.getKey());
      train.add(switch (option.getKey()) {
        case "--archive" -> archive.toString();
        case "--class-path" -> packaged(files.classPath(option.getValue()));
        case "--jvm-options" -> files.local(option.getValue()).toString();
        case "--sinkctl" -> sinkctl(files, option.getValue()).toString();
        default -> option.getValue();
      });
    }
    train.addAll(List.of("--java", java()));
    Path log = tmp.resolve("cds-train.log");
    ProcessBuilder builder = new ProcessBuilder(train).directory(tmp.toFile()).redirectErrorStream(true)
        .redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
    builder.environment().put("TMPDIR", tmp.toString());
    Process p = builder.start();
    if (!p.waitFor(TRAIN.toNanos(), TimeUnit.NANOSECONDS)) {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      throw new AssertionError("cds-train did not finish within " + TRAIN + "\n" + read(log));
    }
    assertEquals(0, p.exitValue(), "cds-train's exit code\n" + read(log));
    assertTrue(Files.size(archive) > 0, "the archive is empty\n" + read(log));
    assertTrue(read(log).contains("cds-train: wrote " + archive), read(log));

    Path socket = tmp.resolve("g.sock");
    Path store = tmp.resolve("log");
    Path config = Files.writeString(tmp.resolve("sinkgate.yaml"), "listen: [\"unix://" + socket + "\"]\n"
        + "sinks: { default: { type: file, path: \"" + store + "\" } }\n", StandardCharsets.UTF_8);
    Path classLog = tmp.resolve("class-load.log");
    List<String> command = entrypoint(image, files, archive);
    // After "java": sharing required, and where each class came from.
    command.addAll(1, List.of("-Xshare:on", "-Xlog:class+load=info:file=" + classLog));
    command.addAll(List.of("serve", "--config", config.toString()));
    byte[] record = "through the archive".getBytes(StandardCharsets.UTF_8);
    try (GatewayChild gateway = GatewayChild.launch(command, tmp)) {
      gateway.awaitStderrLine(READY, START);
      try (SinkClient client = SinkClient.connect("unix://" + socket)) {
        assertEquals(record.length, client.sink("default").write(record));
      }
      assertEquals(0, gateway.sigterm(Duration.ofSeconds(30)), "exit code after SIGTERM\n" + gateway.stderr());
    }
    List<LogRecord> stored = LogReader.readAll(store);
    assertEquals(1, stored.size(), "records in " + store);
    assertEquals(new String(record, StandardCharsets.UTF_8), new String(stored.get(0).data(), StandardCharsets.UTF_8));
    // The gateway's own classes came from the archive cds-train made ("top"), not only the JDK's base archive.
    String classes = read(classLog);
    assertTrue(classes.contains("dev.sinkgate.server.Main source: shared objects file (top)"),
        "dev.sinkgate.server.Main was not loaded from the trained archive:\n"
            + classes.lines().filter(l -> l.contains("dev.sinkgate.server.Main ")).toList());
  }

  /** ENTRYPOINT's words with the image's paths mapped to this checkout's and the archive to {@code archive}. */
  private static List<String> entrypoint(DockerfileModel image, ImageFiles files, Path archive) {
    List<String> entrypoint = image.runtime().entrypoint();
    List<String> out = new ArrayList<>();
    for (int i = 0; i < entrypoint.size(); i++) {
      String word = entrypoint.get(i);
      if (i == 0) {
        out.add(java());
      } else if (word.startsWith("@")) {
        out.add("@" + files.local(word.substring(1)));
      } else if (word.startsWith(DockerfileTest.SHARED_ARCHIVE)) {
        out.add(DockerfileTest.SHARED_ARCHIVE + archive);
      } else if (word.equals("-cp")) {
        out.add(word);
        out.add(packaged(files.classPath(entrypoint.get(++i))));
      } else {
        out.add(word);
      }
    }
    return out;
  }

  /** The image's sinkctl launcher with its class path mapped to the packaged cli, and this JVM's java. */
  private Path sinkctl(ImageFiles files, String imagePath) throws IOException {
    String script = read(files.local(imagePath));
    Matcher cp = LAUNCHER_CP.matcher(script);
    assertTrue(cp.find(), imagePath + ": expected 'java ... -cp \"CLASSPATH\" MAINCLASS'");
    String local = script.substring(0, cp.start()) + "-cp \"" + packaged(files.classPath(cp.group(1))) + "\""
        + script.substring(cp.end());
    assertTrue(local.contains("exec java "), imagePath + ": expected 'exec java ...'");
    Path launcher = Files.writeString(tmp.resolve("sinkctl"), local.replace("exec java ", "exec " + java() + " "),
        StandardCharsets.UTF_8);
    assertTrue(launcher.toFile().setExecutable(true), "cannot make " + launcher + " executable");
    return launcher;
  }

  /** {@code classPath} after checking that its files exist: they are the build's packaged outputs. */
  private static String packaged(String classPath) {
    for (String entry : classPath.split(":")) {
      Path path = Path.of(entry.endsWith("/*") ? entry.substring(0, entry.length() - 2) : entry);
      if (!Files.exists(path)) {
        throw new AssertionError(path + " does not exist: this test needs the packaged server and sinkctl"
            + " (expected: run it with `./mvnw -pl deploy -am verify`)");
      }
    }
    return classPath;
  }

  private static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  private static String read(Path file) throws IOException {
    return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
  }
}
