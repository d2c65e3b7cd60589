package dev.sinkgate.cli;

import dev.sinkgate.client.SinkException;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code sinkctl health}: one standard {@code grpc.health.v1.Health/Check}, for the whole
 * gateway ({@code ""}) or for one route ({@code sinkgate.v1.Sink/ROUTE}). Works against
 * anything that serves the standard health service.
 */
@Command(name = "health",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    header = "Check the health of the gateway or of one sink.",
    description = {
        "Asks the gateway's standard health service (grpc.health.v1.Health) whether it serves:",
        "the gateway as a whole, or with --sink one route (service 'sinkgate.v1.Sink/SINK').",
        "Exits 0 for SERVING, 9 for NOT_SERVING (e.g. draining), 5 for an unknown service (no such route)."},
    footerHeading = "%nExamples:%n",
    footer = {
        "  sinkctl health                                  # the gateway at $SINKGATE_TARGET or 127.0.0.1:50051",
        "  sinkctl health --sink audit --target gateway:50051",
        "  until sinkctl health --deadline 1s >/dev/null 2>&1; do sleep 0.2; done   # wait for start-up"})
final class HealthCommand implements Callable<Integer> {
  /** The health service name of one route, as the gateway registers it. */
  static final String ROUTE_SERVICE_PREFIX = "sinkgate.v1.Sink/";

  private final StdIo io;

  @Mixin
  private ConnectionOptions connection;

  @Option(names = {"-s", "--sink"}, paramLabel = "SINK",
      description = "Check this route only (service 'sinkgate.v1.Sink/SINK'). Default: the whole gateway (service '').")
  private String sink;

  HealthCommand(StdIo io) {
    this.io = io;
  }

  @Override
  public Integer call() throws InterruptedException {
    String target = connection.target(io);
    String service = sink == null ? "" : ROUTE_SERVICE_PREFIX + sink;
    String what = sink == null ? "the gateway" : "sink '" + sink + "' (service '" + service + "')";
    ServingStatus status = check(target, service, what);
    if (connection.output == OutputFormat.JSON) {
      io.out().println(Json.object().put("target", target).put("service", service).put("status", status.name()));
    } else {
      io.out().println(status.name() + ": " + what + " at " + target);
    }
    return switch (status) {
      case SERVING -> ExitCode.OK.code();
      case NOT_SERVING -> ExitCode.NOT_SERVING.code();
      default -> ExitCode.FAILED.code();
    };
  }

  private ServingStatus check(String target, String service, String what) throws InterruptedException {
    long deadlineNanos = connection.deadline().toNanos();
    ManagedChannel channel = connection.channel(io);
    try {
      HealthCheckResponse r = HealthGrpc.newBlockingStub(channel)
          .withDeadlineAfter(deadlineNanos, TimeUnit.NANOSECONDS)
          .check(HealthCheckRequest.newBuilder().setService(service).build());
      return r.getStatus();
    } catch (StatusRuntimeException e) {
      throw CommandFailure.of("health check of " + what + " at " + target, SinkException.from(e));
    } finally {
      channel.shutdownNow();
      channel.awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
