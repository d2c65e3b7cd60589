package dev.sinkgate.server;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The Python and Node implementations of the contract (interop/), as real child processes
 * for tests: start a file-backed sink on an ephemeral loopback port, run a client that
 * writes records to any target, read what a sink stored. Tests of remote routes use it to
 * put a foreign sink behind the gateway.
 *
 * <pre>{@code
 * try (InteropProcesses.Sink sink = InteropProcesses.startSink(Language.NODE, "node-sink", dir.resolve("r.jsonl"), dir)) {
 *   InteropProcesses.writeInput(input, records);
 *   ChildProcess.Finished run = InteropProcesses.runClient(Language.PYTHON, "py-client", dir, Duration.ofMinutes(2),
 *       "--target", sink.target(), "--input", input.toString(), "--stream");
 *   assertEquals(records, sink.records()); // compare describe() forms
 * }
 * }</pre>
 */
final class InteropProcesses {
  private static final Pattern LISTENING = Pattern.compile("^listening on (\\d+)$", Pattern.MULTILINE);
  private static final Duration START = Duration.ofSeconds(60);
  private static final String INSTALL = "; run bin/test, which installs python3-grpcio, python3-protobuf,"
      + " protobuf-compiler, protobuf-compiler-grpc, nodejs and npm, and runs npm ci in interop/node";

  private InteropProcesses() {}

  /** The languages with a sink and a client under interop/. */
  enum Language {
    PYTHON("python"), NODE("node");

    private final String dir;

    Language(String dir) {
      this.dir = dir;
    }

    private List<String> command(String script) {
      Path file = repoRoot().resolve("interop").resolve(dir).resolve(script);
      return new ArrayList<>(this == PYTHON
          ? List.of("/usr/bin/python3", file + ".py")
          : List.of("node", file + ".js"));
    }
  }

  /** Fails the test, saying what to install, unless {@code language}'s runtime and packages are there. */
  static void requireInstalled(Language language, Path scratch) throws IOException, InterruptedException {
    List<String> probe = language == Language.PYTHON
        ? List.of("/usr/bin/python3", "-c", "import grpc, google.protobuf, shutil, sys;"
            + " sys.exit(0 if shutil.which('protoc') and shutil.which('grpc_python_plugin') else 3)")
        : List.of("node", "-e", "require('@grpc/grpc-js'); require('@grpc/proto-loader')");
    ChildProcess.Finished found;
    try {
      found = ChildProcess.run("probe-" + language.dir, probe, repoRoot().resolve("interop").resolve(language.dir),
          scratch, START);
    } catch (IOException e) {
      throw new AssertionError(probe.get(0) + " cannot run (" + e.getMessage() + ")" + INSTALL, e);
    }
    if (found.exitCode() != 0) {
      fail("the " + language.dir + " interop runtime is incomplete" + INSTALL + "\n" + found.describe());
    }
  }

  /**
   * Starts {@code language}'s sink storing to {@code file} (its output files go to
   * {@code dir} as NAME.stdout/stderr) and waits until it listens. {@code extraArgs} go to
   * the sink: {@code --fsync}, {@code --delay SECONDS}.
   */
  static Sink startSink(Language language, String name, Path file, Path dir, String... extraArgs)
      throws IOException, InterruptedException {
    List<String> command = language.command("sinkgate_sink");
    command.addAll(List.of("--listen", "127.0.0.1:0", "--file", file.toString()));
    command.addAll(List.of(extraArgs));
    ChildProcess child = ChildProcess.start(name, command, dir, dir);
    try {
      return new Sink(child, child.awaitPort(LISTENING, START), file);
    } catch (IOException | InterruptedException | RuntimeException | Error e) {
      child.close();
      throw e;
    }
  }

  /** Runs {@code language}'s client ({@code sinkgate_write}) with {@code args} to completion. */
  static ChildProcess.Finished runClient(Language language, String name, Path dir, Duration timeout, String... args)
      throws IOException, InterruptedException {
    return ChildProcess.run(name, clientCommand(language, args), dir, dir, timeout);
  }

  /** Starts {@code language}'s client with {@code args} without waiting, for clients that run side by side. */
  static ChildProcess startClient(Language language, String name, Path dir, String... args) throws IOException {
    return ChildProcess.start(name, clientCommand(language, args), dir, dir);
  }

  private static List<String> clientCommand(Language language, String... args) {
    List<String> command = language.command("sinkgate_write");
    command.addAll(List.of(args));
    return command;
  }

  /** Writes {@code records} as record lines, the clients' {@code --input}. */
  static void writeInput(Path file, List<InteropRecord> records) throws IOException {
    List<String> lines = new ArrayList<>(records.size());
    for (InteropRecord r : records) {
      lines.add(r.line());
    }
    Files.write(file, lines, StandardCharsets.UTF_8);
  }

  /** A running sink; closing it kills the process if {@link #stop()} did not end it. */
  static final class Sink extends ServedProcess {
    private Sink(ChildProcess child, int port, Path file) {
      super(child, port, file);
    }

    /**
     * The records in the sink's file, in order; checks that each line's offset is its line number.
     * Read while the sink runs, it holds every acknowledged record (lines are written before the ack);
     * a last line without its newline is one the sink is still writing, and is left out.
     */
    List<InteropRecord> records() throws IOException {
      List<InteropRecord> out = new ArrayList<>();
      for (String line : completeLines(file())) {
        Object offset = JsonLine.object(line).get("offset");
        if (!Long.valueOf(out.size()).equals(offset)) {
          throw new AssertionError("line " + out.size() + " of " + file() + " has offset " + offset + ": " + line);
        }
        out.add(InteropRecord.parse(line));
      }
      return out;
    }
  }

  /**
   * The complete lines of a file a running service appends to ({@code []} if there is none yet): a last
   * line without its newline is one the service is still writing, and is left out.
   */
  static List<String> completeLines(Path file) throws IOException {
    if (!Files.exists(file)) {
      return List.of();
    }
    byte[] bytes = Files.readAllBytes(file);
    int end = bytes.length;
    while (end > 0 && bytes[end - 1] != '\n') {
      end--; // cut on bytes, not characters: the partial line may end inside a character
    }
    return new String(bytes, 0, end, StandardCharsets.UTF_8).lines().toList();
  }

  /** The repository's root, from the system property surefire sets. */
  static Path repoRoot() {
    String root = System.getProperty("sinkgate.repo.root");
    if (root == null) {
      throw new AssertionError("system property sinkgate.repo.root is not set (surefire sets it; see the root pom.xml)");
    }
    return Path.of(root);
  }
}
