package dev.sinkgate.server;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** The outcome of one in-process {@code sinkgate} invocation ({@link Main#run}), streams captured. */
record MainRun(int exitCode, byte[] stdout, String stderr) {

  static MainRun of(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code;
    try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
      code = Main.run(args, o, e);
    }
    return new MainRun(code, out.toByteArray(), err.toString(StandardCharsets.UTF_8));
  }

  String out() {
    return new String(stdout, StandardCharsets.UTF_8);
  }

  String err() {
    return stderr;
  }

  static void assertContains(String part, String actual) {
    assertTrue(actual.contains(part), () -> "expected <" + part + "> in <" + actual + ">");
  }
}
