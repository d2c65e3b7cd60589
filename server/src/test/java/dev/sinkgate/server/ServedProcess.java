package dev.sinkgate.server;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A service running as a child process on a loopback port and storing what it receives to a
 * file: the interop sinks ({@link InteropProcesses.Sink}) and the foreign services
 * ({@link ForeignServices.Service}). Closing it kills the process if {@link #stop()} did not
 * end it.
 */
abstract class ServedProcess implements AutoCloseable {
  private static final Duration STOP = Duration.ofSeconds(20);

  private final ChildProcess child;
  private final int port;
  private final Path file;

  ServedProcess(ChildProcess child, int port, Path file) {
    this.child = child;
    this.port = port;
    this.file = file;
  }

  int port() {
    return port;
  }

  /** {@code 127.0.0.1:PORT}, for a client's {@code --target}, a remote route or a channel. */
  String target() {
    return "127.0.0.1:" + port;
  }

  Path file() {
    return file;
  }

  ChildProcess process() {
    return child;
  }

  /** Sends SIGTERM and returns the exit code (a service that stops cleanly exits 0). */
  int stop() throws IOException, InterruptedException {
    child.process().destroy();
    return child.awaitExit(STOP);
  }

  @Override
  public void close() {
    child.close();
  }

  @Override
  public String toString() {
    return child + " on " + target();
  }
}
