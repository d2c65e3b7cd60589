package dev.sinkgate.cli;

import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * What a sinkctl command may touch of the world outside it: standard streams, the
 * environment, whether stderr is a terminal (progress lines are drawn only there) and a
 * clock. Passed in rather than read from {@code System}, so tests run commands in-process.
 *
 * @param in standard input (records for {@code write -} and {@code write --lines})
 * @param out results: one line of text or JSON per answer
 * @param err messages, errors and progress lines
 * @param env environment variables ({@code SINKGATE_TARGET})
 * @param terminal true if {@code err} is a terminal that redraws a line on {@code '\r'}
 * @param nanoTime a monotonic clock, {@link System#nanoTime()} outside tests
 */
record StdIo(InputStream in, PrintWriter out, PrintWriter err, Map<String, String> env, boolean terminal,
    LongSupplier nanoTime) {
  /** Set by bin/sinkctl from {@code [ -t 2 ]}: Java 17 cannot ask whether stderr is a terminal. */
  static final String TERMINAL_PROPERTY = "sinkctl.stderr.tty";

  StdIo {
    Objects.requireNonNull(in, "in");
    Objects.requireNonNull(out, "out");
    Objects.requireNonNull(err, "err");
    env = Map.copyOf(env);
    Objects.requireNonNull(nanoTime, "nanoTime");
  }

  /** The process's own streams and environment. */
  static StdIo system() {
    String tty = System.getProperty(TERMINAL_PROPERTY);
    // Without the launcher's hint, a console means stdin and stdout are a terminal: the
    // interactive case. Piped input then gets no progress line, which is the safe side.
    boolean terminal = tty != null ? Boolean.parseBoolean(tty) : System.console() != null;
    return new StdIo(System.in,
        new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), true),
        new PrintWriter(new OutputStreamWriter(System.err, StandardCharsets.UTF_8), true),
        System.getenv(), terminal, System::nanoTime);
  }
}
