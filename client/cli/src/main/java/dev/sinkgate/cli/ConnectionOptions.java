package dev.sinkgate.cli;

import dev.sinkgate.client.RetryPolicy;
import dev.sinkgate.client.SinkClient;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * The options every command that talks to a gateway shares: where ({@code --target}), how
 * long to wait ({@code --deadline}) and how to print ({@code --output}).
 */
final class ConnectionOptions {
  static final String TARGET_ENV = "SINKGATE_TARGET";
  static final String DEFAULT_TARGET = "127.0.0.1:50051";

  @Option(names = {"-t", "--target"}, paramLabel = "TARGET",
      description = "Gateway address: host:port, dns:///host:port or unix:/path."
          + " Default: $" + TARGET_ENV + ", else " + DEFAULT_TARGET + ".")
  String target;

  @Option(names = "--deadline", paramLabel = "DURATION", defaultValue = "10s", converter = DurationConverter.class,
      description = "Deadline of each call, retries included (e.g. 500ms, 10s). Default: ${DEFAULT-VALUE}.")
  Duration deadline;

  @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "text",
      description = "text or json (one JSON object per line). Default: ${DEFAULT-VALUE}.")
  OutputFormat output;

  /** {@code --target}, else {@code $SINKGATE_TARGET} (if not blank), else {@value #DEFAULT_TARGET}. */
  String target(StdIo io) {
    return target(target, io);
  }

  /** {@code option} if given, else {@code $SINKGATE_TARGET} (if not blank), else {@value #DEFAULT_TARGET}. */
  static String target(String option, StdIo io) {
    if (option != null) {
      return option;
    }
    String fromEnv = io.env().get(TARGET_ENV);
    return fromEnv == null || fromEnv.isBlank() ? DEFAULT_TARGET : fromEnv.trim();
  }

  /** {@code --deadline}, checked. */
  Duration deadline() {
    if (deadline.isZero() || deadline.isNegative()) {
      throw new CommandFailure(ExitCode.USAGE, "--deadline: " + deadline + " (expected: > 0)");
    }
    return deadline;
  }

  /** A client of {@link #target(StdIo)} with {@code --deadline} and {@code retry}, owning its channel. */
  SinkClient connect(StdIo io, RetryPolicy retry) {
    Duration d = deadline();
    String t = target(io);
    try {
      return SinkClient.builder(t).deadline(d).retryPolicy(retry).build();
    } catch (IllegalArgumentException e) {
      throw badTarget(t, e);
    }
  }

  /** A plain channel to {@link #target(StdIo)}, for services other than the Sink; the caller closes it. */
  ManagedChannel channel(StdIo io) {
    return channel(target(io));
  }

  /** A plain channel to {@code t}; a bad address is a usage error. The caller closes it. */
  static ManagedChannel channel(String t) {
    try {
      return Grpc.newChannelBuilder(t, InsecureChannelCredentials.create()).build();
    } catch (IllegalArgumentException e) {
      throw badTarget(t, e);
    }
  }

  private static CommandFailure badTarget(String target, IllegalArgumentException e) {
    return new CommandFailure(ExitCode.USAGE, "--target '" + target + "': " + e.getMessage()
        + " (expected: host:port, dns:///host:port or unix:/path)", e);
  }
}
