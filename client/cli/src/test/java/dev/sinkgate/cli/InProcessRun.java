package dev.sinkgate.cli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Runs one sinkctl command line in this JVM ({@link Sinkctl#run}) with captured streams,
 * for tests of parsing, exit codes and output. Child-process tests are in {@code *IT}.
 */
final class InProcessRun {
  /** What one invocation did. */
  record Result(int exitCode, String out, String err) {
    String describe() {
      return "exit code " + exitCode + "\n--- stdout ---\n" + out + "--- stderr ---\n" + err;
    }
  }

  private byte[] stdin = new byte[0];
  private Map<String, String> env = Map.of();
  private boolean terminal;
  private LongSupplier nanoTime = System::nanoTime;

  InProcessRun stdin(byte[] bytes) {
    this.stdin = bytes;
    return this;
  }

  InProcessRun env(Map<String, String> env) {
    this.env = env;
    return this;
  }

  InProcessRun terminal(LongSupplier clock) {
    this.terminal = true;
    this.nanoTime = clock;
    return this;
  }

  Result run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Sinkctl.run(args, io(out, err));
    return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  /** The {@link StdIo} a run would get, its output discarded. */
  StdIo io() {
    return io(new ByteArrayOutputStream(), new ByteArrayOutputStream());
  }

  private StdIo io(ByteArrayOutputStream out, ByteArrayOutputStream err) {
    return new StdIo(new ByteArrayInputStream(stdin),
        new PrintWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), true),
        new PrintWriter(new OutputStreamWriter(err, StandardCharsets.UTF_8), true),
        env, terminal, nanoTime);
  }

  static Result of(String... args) {
    return new InProcessRun().run(args);
  }
}
