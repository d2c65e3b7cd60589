package dev.sinkgate.cli;

import dev.sinkgate.client.SinkException;
import io.grpc.Status;
import java.util.Objects;

/**
 * A command did not do what it was asked: sinkctl prints {@code "sinkctl: " + getMessage()}
 * on stderr and exits with {@link #exitCode()}. The message says what was attempted, where,
 * and what the gateway (or the system) answered; no stack trace is printed.
 */
final class CommandFailure extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final ExitCode exitCode;

  CommandFailure(ExitCode exitCode, String message, Throwable cause) {
    super(message, cause);
    this.exitCode = Objects.requireNonNull(exitCode, "exitCode");
  }

  CommandFailure(ExitCode exitCode, String message) {
    this(exitCode, message, null);
  }

  /**
   * A failed call: {@code "<attempt> failed: CODE: description (cause)"}, with the exit
   * code of its status. {@code attempt} names what was tried and where, e.g.
   * {@code "write to sink 'audit' at 127.0.0.1:50051"}.
   */
  static CommandFailure of(String attempt, SinkException e) {
    return new CommandFailure(ExitCode.of(e.code()), attempt + " failed: " + describe(e), e);
  }

  /**
   * {@code "CODE: description"}, plus the transport's reason when gRPC's description is
   * only "io exception" (a refused connection says so only in the cause).
   */
  static String describe(SinkException e) {
    StringBuilder s = new StringBuilder().append(e.code()).append(": ").append(e.description());
    Throwable transport = e.getCause() == null ? null : Status.fromThrowable(e.getCause()).getCause();
    if (transport != null && transport.getMessage() != null && !e.description().contains(transport.getMessage())) {
      s.append(" (").append(transport.getMessage()).append(')');
    }
    return s.toString();
  }

  ExitCode exitCode() {
    return exitCode;
  }
}
