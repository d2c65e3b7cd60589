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
import java.time.Duration;
import java.util.Collections;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Checks of a sink's behaviour around the calls themselves: cancellation, deadlines, health.
 *
 * <h2>Why the deadline check looks at the next call</h2>
 * A caller's own gRPC library ends a call when its deadline passes, whatever the sink does;
 * so "the call ended with DEADLINE_EXCEEDED" alone cannot tell a sink that honours deadlines
 * from one that ignores them. What a sink that ignores them does, visibly, is keep working on
 * the expired call: it goes on storing and acking (to nobody) the records it had taken in, and
 * everything behind that work waits. So the check opens a WriteStream with a short deadline
 * ({@link #EXPIRING_DEADLINE}), never half-closes it, and sends records as fast as flow control
 * lets it until the deadline ends the stream; it expects the stream to end at the deadline with
 * DEADLINE_EXCEEDED (or CANCELLED, as the sink's stack may reset the stream) and never with OK,
 * its acks until then to be consistent, and then a plain Write to be answered within
 * {@code --prompt}. A fast sink passes trivially; a slow sink passes only if it drops the
 * expired stream's work, which is what an implementer needs to hear. A sink that took the
 * stream's records into a queue it drains regardless fails, naming the stream and the delay.
 */
final class LifecycleChecks {
  /** The deadline of the stream the deadline check lets expire. */
  static final Duration EXPIRING_DEADLINE = Duration.ofMillis(300);
  /** Records the deadline check offers at most, of {@link #EXPIRING_RECORD_BYTES} each. */
  static final int EXPIRING_RECORDS = 5_000;
  static final int EXPIRING_RECORD_BYTES = 1024;

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
          promptWrite(ctx, "Write right after a cancelled WriteStream",
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
          promptWrite(ctx, "Write right after a cancelled Write", "did the sink not recover from the cancelled call?");
          return "";
        });
  }

  static ConformanceCheck deadlineRespected() {
    return ConformanceCheck.of("deadline-respected",
        "Let a WriteStream's " + EXPIRING_DEADLINE.toMillis() + "ms deadline expire while records pour in; it ends"
            + " DEADLINE_EXCEEDED or CANCELLED, not OK, and the next Write is answered within --prompt.",
        Requires.NOTHING, ctx -> {
          String name = "a WriteStream with a " + EXPIRING_DEADLINE.toMillis() + "ms deadline";
          // Connected and answering first, so the short deadline is spent on the stream, not on connecting.
          ctx.write("Write before the stream", ctx.request(CheckContext.payload(16, 6)).build());
          long start = ctx.nanoTime();
          long until = Math.min(ctx.deadlineNanos(), start + EXPIRING_DEADLINE.plus(ctx.prompt()).toNanos());
          StreamExchange x = StreamExchange.open(name, SinkGrpc.newStub(ctx.channel())
              .withDeadlineAfter(EXPIRING_DEADLINE.toNanos(), TimeUnit.NANOSECONDS), ctx::nanoTime);
          WriteRequest r = ctx.request(CheckContext.payload(EXPIRING_RECORD_BYTES, 5)).build();
          int sent = x.send(Collections.nCopies(EXPIRING_RECORDS, r), until);
          Status status = x.awaitEnd(until);
          CheckFailure.expect(status != null, name + " was still open "
              + Duration.ofNanos(ctx.nanoTime() - start).toMillis() + "ms after it started (expected: its end at"
              + " the deadline)");
          CheckFailure.expect(status.getCode() == Status.Code.DEADLINE_EXCEEDED
                  || status.getCode() == Status.Code.CANCELLED,
              name + ", never half-closed, ended " + CheckFailure.describe(status)
                  + " (expected: DEADLINE_EXCEEDED or CANCELLED)");
          x.verifyAcks();
          CheckFailure.expect(sent > 0, name + " took no record before its deadline (expected: records taken"
              + " in as flow control allows)");
          long acked = x.acks().isEmpty() ? 0 : x.acks().get(x.acks().size() - 1).getCount();
          promptWrite(ctx, "Write right after " + name + " expired (" + sent + " records sent, " + acked
              + " acked)", "did the sink keep working on the expired stream's records?");
          return sent + " records sent, " + acked + " acked before the deadline";
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

  /** A Write that must succeed within {@code --prompt}; {@code why} says what a failure means. */
  private static void promptWrite(CheckContext ctx, String what, String why) throws CheckFailure {
    Duration limit = ctx.prompt().compareTo(ctx.remaining()) < 0 ? ctx.prompt() : ctx.remaining();
    long start = ctx.nanoTime();
    try {
      SinkGrpc.newBlockingStub(ctx.channel()).withDeadlineAfter(limit.toNanos(), TimeUnit.NANOSECONDS)
          .write(ctx.request(CheckContext.payload(16, 6)).build());
    } catch (StatusRuntimeException e) {
      long ms = Duration.ofNanos(ctx.nanoTime() - start).toMillis();
      throw new CheckFailure(what + " ended " + CheckFailure.describe(e.getStatus()) + " after " + ms
          + "ms (expected: OK within " + limit.toMillis() + "ms; " + why + ")");
    }
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
