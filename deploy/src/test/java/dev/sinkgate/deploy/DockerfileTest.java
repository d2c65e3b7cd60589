package dev.sinkgate.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * What can be checked of deploy/Dockerfile without a Docker engine: the runtime stage holds
 * only what the Maven build produces (as the modules' poms lay it out) and files of deploy/;
 * it runs as a numeric non-root user; ENTRYPOINT and the sinkctl launcher name files the
 * image has and main classes the build has; the CDS archive ENTRYPOINT maps is the one the
 * RUN of deploy/cds-train makes with ENTRYPOINT's options and class path (CdsTrainIT runs it).
 */
class DockerfileTest {
  private static final Pattern BUILT = Pattern.compile("/src/(.+)/target/(.+)");
  static final String SHARED_ARCHIVE = "-XX:SharedArchiveFile=";
  private static final Pattern NUMERIC_USER = Pattern.compile("(\\d+)(:(\\d+))?");

  private final DockerfileModel docker = DockerfileModel.read(Repo.deploy().resolve("Dockerfile"));

  DockerfileTest() throws IOException {}

  @Test
  void runtimeStage_copiesOnlyWhatTheMavenBuildProducesOrDeployHolds() throws IOException {
    assertEquals(2, docker.stages().size(), "a build stage and a runtime stage");
    DockerfileModel.Stage build = docker.stages().get(0);
    String buildCommand = String.join(" ", build.runs());
    Matcher modules = Pattern.compile("-pl (\\S+)").matcher(buildCommand);
    assertTrue(modules.find(), "the build stage's RUN names the modules it packages (-pl): " + buildCommand);
    List<String> packaged = List.of(modules.group(1).split(","));
    assertTrue(buildCommand.contains("package"), "the build stage packages: " + buildCommand);

    for (DockerfileModel.Copy copy : docker.runtime().copies()) {
      for (String source : copy.sources()) {
        if (copy.from() == null) {
          Path file = Repo.root().resolve(source);
          assertTrue(source.startsWith("deploy/") && Files.exists(file),
              "COPY " + source + ": expected a file of deploy/ in the build context, found none");
          continue;
        }
        assertEquals(build.name(), copy.from(), "COPY --from=" + copy.from() + " (expected: the build stage)");
        Matcher m = BUILT.matcher(source);
        assertTrue(m.matches(), "COPY --from=build " + source + " (expected: /src/MODULE/target/...)");
        String module = m.group(1);
        assertTrue(packaged.contains(module), "COPY " + source + ": module " + module
            + " is not among those the build stage packages " + packaged);
        String pom = Files.readString(Repo.root().resolve(module).resolve("pom.xml"), StandardCharsets.UTF_8);
        String artifact = m.group(2);
        if (artifact.equals("lib/")) {
          assertTrue(pom.contains("<goal>copy-dependencies</goal>")
                  && pom.contains("<outputDirectory>${project.build.directory}/lib</outputDirectory>"),
              "COPY " + source + ": " + module + "/pom.xml does not copy its dependencies to target/lib");
        } else {
          assertTrue(pom.contains("<finalName>" + artifact.replaceFirst("\\.jar$", "") + "</finalName>"),
              "COPY " + source + ": " + module + "/pom.xml does not build " + artifact + " (its <finalName>)");
        }
      }
    }
  }

  @Test
  void runtimeStage_runsAsNumericNonRootUser() {
    String user = docker.runtime().user();
    assertNotNull(user, "the runtime stage has no USER (it would run as root)");
    Matcher m = NUMERIC_USER.matcher(user);
    assertTrue(m.matches(), "USER " + user + " (expected: numeric uid[:gid], so runAsNonRoot can verify it)");
    assertNotEquals("0", m.group(1), "USER " + user + " is root");
  }

  @Test
  void entrypoint_readsTheJvmOptionsAndClassPathTheImageHas() throws Exception {
    List<String> entrypoint = docker.runtime().entrypoint();
    assertNotNull(entrypoint, "no ENTRYPOINT in the runtime stage");
    assertEquals("java", entrypoint.get(0));
    String options = entrypoint.stream().filter(a -> a.startsWith("@")).findFirst()
        .orElseThrow(() -> new AssertionError("ENTRYPOINT " + entrypoint + " reads no @argfile of JVM options"));
    DockerfileModel.Copy copy = docker.copyProviding(options.substring(1));
    assertNotNull(copy, "ENTRYPOINT reads " + options + ", which no COPY puts in the image");
    assertEquals(List.of("deploy/jvm.options"), copy.sources(), "the JVM options file the image reads");
    assertTrue(Files.isRegularFile(Repo.deploy().resolve("jvm.options")));

    checkClassPath("ENTRYPOINT", entrypoint.get(entrypoint.indexOf("-cp") + 1));
    String mainClass = entrypoint.get(entrypoint.size() - 1);
    assertEquals("dev.sinkgate.server.Main", Class.forName(mainClass).getName());
    assertEquals(List.of("serve", "--config", "/etc/sinkgate/sinkgate.yaml"), docker.runtime().cmd());
  }

  @Test
  void cdsArchive_isMadeByTheCopiedScriptWithEntrypointsOptionsAndClassPath() throws IOException {
    CdsTrainRun run = CdsTrainRun.of(docker);
    Path script = Repo.root().resolve(CdsTrainRun.SCRIPT);
    assertTrue(Files.isExecutable(script), script + " is not executable (COPY keeps the mode)");
    assertTrue(Files.readString(script, StandardCharsets.UTF_8).startsWith("#!/bin/sh\n"),
        script + ": expected a POSIX shell script (#!/bin/sh), as the runtime image has no bash guarantee");

    List<String> entrypoint = docker.runtime().entrypoint();
    List<String> archives = entrypoint.stream().filter(a -> a.startsWith(SHARED_ARCHIVE)).toList();
    assertEquals(1, archives.size(), "ENTRYPOINT " + entrypoint + ": expected one " + SHARED_ARCHIVE + "...");
    assertEquals(archives.get(0).substring(SHARED_ARCHIVE.length()), run.option("--archive"),
        "the archive ENTRYPOINT maps is the one the RUN makes");
    assertTrue(entrypoint.indexOf(archives.get(0)) < entrypoint.indexOf("-cp"), "JVM options come before -cp");
    // The archive fits only the options and class path it was made with: the same as ENTRYPOINT's, word for word.
    assertEquals(entrypoint.get(entrypoint.indexOf("-cp") + 1), run.option("--class-path"), "class path");
    String options = entrypoint.stream().filter(a -> a.startsWith("@")).findFirst().orElseThrow();
    assertEquals(options.substring(1), run.option("--jvm-options"), "JVM options file");
    assertNull(run.option("--java"), "the training must run the image's own java, as ENTRYPOINT does");
    DockerfileModel.Copy sinkctl = docker.copyProviding(run.option("--sinkctl"));
    assertNotNull(sinkctl, "--sinkctl " + run.option("--sinkctl") + " is not in the image");
    assertEquals(List.of("deploy/sinkctl"), sinkctl.sources(), "the sinkctl the training writes with");
    assertFalse(Files.readString(Repo.deploy().resolve("jvm.options"), StandardCharsets.UTF_8).contains("SharedArchive"),
        "deploy/jvm.options is shared with uses that have no archive: the archive flag belongs in ENTRYPOINT");
  }

  @Test
  void sinkctlLauncher_isExecutableAndNamesFilesTheImageHas() throws IOException {
    DockerfileModel.Copy copy = docker.copyProviding("/usr/local/bin/sinkctl");
    assertNotNull(copy, "no COPY puts sinkctl on the image's PATH");
    Path launcher = Repo.root().resolve(copy.sources().get(0));
    assertTrue(Files.isExecutable(launcher), launcher + " is not executable");
    String script = Files.readString(launcher, StandardCharsets.UTF_8);
    Matcher cp = Pattern.compile("-cp \"([^\"]+)\" (\\S+)").matcher(script);
    assertTrue(cp.find(), launcher + ": expected 'java ... -cp \"CLASSPATH\" MAINCLASS'");
    checkClassPath(launcher.toString(), cp.group(1));
    Path mainSource = Repo.root().resolve("client/cli/src/main/java").resolve(cp.group(2).replace('.', '/') + ".java");
    assertTrue(Files.isRegularFile(mainSource), "sinkctl's main class " + cp.group(2) + " has no source " + mainSource);
  }

  @Test
  void buildContext_leavesOutBuildOutputs() throws IOException {
    List<String> ignored = Files.readAllLines(Repo.deploy().resolve("Dockerfile.dockerignore"));
    assertTrue(ignored.contains("**/target"), "target/ directories must not reach the build stage: " + ignored);
    assertTrue(ignored.contains(".git"), ignored.toString());
  }

  private void checkClassPath(String who, String classPath) {
    for (String entry : classPath.split(":")) {
      String path = entry.endsWith("/*") ? entry.substring(0, entry.length() - 1) : entry;
      if (docker.copyProviding(path) == null) {
        fail(who + ": class path entry " + entry + " is not in the image (no COPY puts it there)");
      }
    }
  }
}
