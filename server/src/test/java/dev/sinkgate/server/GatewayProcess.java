package dev.sinkgate.server;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * {@code sinkgate serve} as a real child JVM, for tests that need what only a process
 * has: signals, an exit code, files closed by a process that is gone. It listens on an
 * ephemeral loopback port, read back from the line the gateway prints once it serves.
 * Closing it kills the child if it is still running.
 */
final class GatewayProcess implements AutoCloseable {
  private static final Pattern SERVING = Pattern.compile("sinkgate: serving routes .* on 127\\.0\\.0\\.1:(\\d+)");

  private final ChildProcess child;
  private final int port;

  private GatewayProcess(ChildProcess child, int port) {
    this.child = child;
    this.port = port;
  }

  /**
   * Starts {@code sinkgate serve --config CONFIG --listen 127.0.0.1:0 EXTRA...} in
   * {@code dir} (which also receives the child's output files) and waits up to
   * {@code startTimeout} for it to serve.
   */
  static GatewayProcess serve(Path config, Path dir, Duration startTimeout, String... extraArgs)
      throws IOException, InterruptedException {
    return serveOn("127.0.0.1:0", config, dir, startTimeout, extraArgs);
  }

  /** As {@link #serve}, listening on {@code listen} (a restart on the port an earlier run had, say). */
  static GatewayProcess serveOn(String listen, Path config, Path dir, Duration startTimeout, String... extraArgs)
      throws IOException, InterruptedException {
    List<String> args = new ArrayList<>(List.of("serve", "--config", config.toString(), "--listen", listen));
    args.addAll(List.of(extraArgs));
    ChildProcess child = ChildProcess.start("gateway", ChildProcess.java(Main.class.getName(), args.toArray(String[]::new)),
        dir, dir);
    try {
      return new GatewayProcess(child, child.awaitPort(SERVING, startTimeout));
    } catch (IOException | InterruptedException | RuntimeException | Error e) {
      child.close();
      throw e;
    }
  }

  int port() {
    return port;
  }

  /** Sends SIGTERM (what {@link Process#destroy()} does on Linux): the gateway drains and exits. */
  void sigterm() {
    child.process().destroy();
  }

  /**
   * Sends SIGKILL (what {@link Process#destroyForcibly()} does on Linux): the gateway dies at
   * once, with no drain, no sync and no close. Waits up to {@code timeout} for it to be gone
   * and returns its exit code.
   */
  int kill9(Duration timeout) throws InterruptedException, IOException {
    child.process().destroyForcibly();
    return child.awaitExit(timeout);
  }

  /** Waits up to {@code timeout} for the gateway to exit; returns its exit code, or kills it and fails. */
  int awaitExit(Duration timeout) throws InterruptedException, IOException {
    return child.awaitExit(timeout);
  }

  String stderr() throws IOException {
    return child.stderr();
  }

  @Override
  public void close() {
    child.close();
  }

  @Override
  public String toString() {
    return "gateway " + child + " on 127.0.0.1:" + port;
  }
}
