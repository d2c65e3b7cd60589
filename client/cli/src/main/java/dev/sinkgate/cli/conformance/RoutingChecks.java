package dev.sinkgate.cli.conformance;

import dev.sinkgate.cli.conformance.ConformanceCheck.Requires;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.UUID;

/**
 * Checks for sinks that route by the {@code sink} field ({@code --routing}), as the gateway
 * does. A single-purpose sink that ignores the field is conformant and skips these.
 */
final class RoutingChecks {
  /** Breaks the name rule twice: a space and a character outside [A-Za-z0-9._-]. */
  static final String INVALID_NAME = "no such/sink!";

  private RoutingChecks() {}

  static ConformanceCheck unknownSinkNotFound() {
    return ConformanceCheck.of("routing-unknown-sink-not-found",
        "Write to a sink name nobody configured; the answer is NOT_FOUND naming it.", Requires.ROUTING, ctx -> {
          String name = "conformance-unknown-" + UUID.randomUUID().toString().substring(0, 8);
          Status s = expectRefused(ctx, name, Status.Code.NOT_FOUND);
          CheckFailure.expect(s.getDescription() != null && s.getDescription().contains(name),
              "Write to unknown sink '" + name + "' answered NOT_FOUND with description '" + s.getDescription()
                  + "' (expected: a description naming '" + name + "')");
          return "";
        });
  }

  static ConformanceCheck invalidNameInvalidArgument() {
    return ConformanceCheck.of("routing-invalid-name-invalid-argument",
        "Write to the sink name '" + INVALID_NAME + "'; the answer is INVALID_ARGUMENT with a description.",
        Requires.ROUTING, ctx -> {
          Status s = expectRefused(ctx, INVALID_NAME, Status.Code.INVALID_ARGUMENT);
          CheckFailure.expect(s.getDescription() != null && !s.getDescription().isBlank(),
              "Write to sink '" + INVALID_NAME + "' answered INVALID_ARGUMENT without a description"
                  + " (expected: one saying what a valid name is)");
          return "";
        });
  }

  private static Status expectRefused(CheckContext ctx, String sink, Status.Code expected) throws CheckFailure {
    String what = "Write to sink '" + sink + "'";
    try {
      ctx.blocking().write(ctx.request(CheckContext.payload(8, 9)).setSink(sink).build());
    } catch (StatusRuntimeException e) {
      CheckFailure.expect(e.getStatus().getCode() == expected,
          what + " answered " + CheckFailure.describe(e.getStatus()) + " (expected: " + expected + ")");
      return e.getStatus();
    }
    throw new CheckFailure(what + " was accepted (expected: " + expected + ")");
  }
}
