package dev.sinkgate.cli.conformance;

import dev.sinkgate.cli.conformance.ConformanceCheck.Requires;
import dev.sinkgate.proto.v1.SinkGrpc;
import dev.sinkgate.proto.v1.WriteRequest;
import dev.sinkgate.proto.v1.WriteResponse;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Checks of a sink's behaviour around the calls themselves: cancellation and health. The
 * deadline check is {@link DeadlineCheck}.
 */
final class LifecycleChecks {
  private LifecycleChecks() {}

  static ConformanceCheck cancellationRespected() {
    return ConformanceCheck.of("cancellation-respected",
        "Cancel a WriteStream after 20 records and a Write in flight; each ends CANCELLED and the next Write is"
            + " answered within --prompt.",
        Requires.NOTHING, ctx -> {
          StreamExchange x = StreamExchange.open("WriteStream", ctx.async(), ctx::nanoTime);
          x.send(StreamChecks.records(ctx, 20, 1024, 3), ctx.deadlineNanos());
          x.awaitAcked(1, Math.min(ctx.deadlineNanos(), ctx.nanoTime() + ctx.prompt().toNanos()));
          x.cancel("conformance: cancelled mid-stream");
          Status status = x.awaitEnd(ctx.deadlineNanos());
          CheckFailure.expect(status != null && status.getCode() == Status.Code.CANCELLED,
              "a cancelled WriteStream ended " + (status == null ? "not at all" : CheckFailure.describe(status))
                  + " (expected: CANCELLED)");
          x.verifyAcks();
          ctx.promptWrite("Write right after a cancelled WriteStream",
              "did the sink not recover from the cancelled stream?");

          Context.CancellableContext call = Context.current().withCancellation();
          Future<WriteResponse> inFlight;
          WriteRequest r = ctx.request(CheckContext.payload(64 * 1024, 4)).build();
          try {
            inFlight = call.call(() -> SinkGrpc.newFutureStub(ctx.channel())
                .withDeadlineAfter(ctx.remaining().toNanos(), TimeUnit.NANOSECONDS).write(r));
          } catch (Exception e) {
            throw new AssertionError("starting a call does not throw", e);
          } finally {
            call.cancel(null);
          }
          awaitQuietly(inFlight, ctx);
          ctx.promptWrite("Write right after a cancelled Write", "did the sink not recover from the cancelled call?");
          return "";
        });
  }

  static ConformanceCheck healthServed() {
    return ConformanceCheck.of("health-served",
        "Ask grpc.health.v1.Health/Check for service \"\"; the answer is SERVING.", Requires.NOTHING, ctx -> {
          HealthCheckResponse r;
          try {
            r = HealthGrpc.newBlockingStub(ctx.channel())
                .withDeadlineAfter(ctx.remaining().toNanos(), TimeUnit.NANOSECONDS)
                .check(HealthCheckRequest.newBuilder().setService("").build());
          } catch (StatusRuntimeException e) {
            throw new CheckFailure("grpc.health.v1.Health/Check for service \"\" failed: "
                + CheckFailure.describe(e.getStatus()) + " (expected: SERVING; serve the standard health service)");
          }
          CheckFailure.expect(r.getStatus() == HealthCheckResponse.ServingStatus.SERVING,
              "grpc.health.v1.Health/Check for service \"\" answered " + r.getStatus() + " (expected: SERVING)");
          return "";
        });
  }

  /** Waits for a cancelled call to end, whatever its status: only what follows is checked. */
  private static void awaitQuietly(Future<?> call, CheckContext ctx) throws InterruptedException {
    try {
      call.get(ctx.remaining().toNanos(), TimeUnit.NANOSECONDS);
    } catch (ExecutionException | TimeoutException e) {
      // CANCELLED (or OK, had the sink answered first): both are fine here.
    }
  }
}
