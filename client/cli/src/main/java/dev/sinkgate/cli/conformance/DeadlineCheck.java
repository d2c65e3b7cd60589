package dev.sinkgate.cli.conformance;

import dev.sinkgate.cli.conformance.ConformanceCheck.Requires;
import dev.sinkgate.proto.v1.SinkGrpc;
import dev.sinkgate.proto.v1.WriteRequest;
import dev.sinkgate.proto.v1.WriteResponse;
import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The check that a sink respects deadlines: {@code deadline-respected}.
 *
 * <h2>Why it looks at the next call</h2>
 * A caller's own gRPC library ends a call when its deadline passes, whatever the sink does;
 * so "the call ended with DEADLINE_EXCEEDED" alone cannot tell a sink that honours deadlines
 * from one that ignores them. What a sink that ignores them does, visibly, is keep working on
 * expired calls: it goes on storing (and acking, to nobody) the records it had taken in, and
 * everything behind that work waits. So the check, after one Write to be sure the connection
 * is up:
 * <ol>
 *   <li>opens a WriteStream with a short deadline ({@link #EXPIRING_DEADLINE}), never
 *       half-closes it, and offers records as fast as flow control takes them until the
 *       deadline ends the stream; the stream must end DEADLINE_EXCEEDED (or CANCELLED, as the
 *       sink's stack may reset it) and never OK, with consistent acks until then; then a plain
 *       Write must be answered within {@code --prompt};
 *   <li>sends {@link #EXPIRING_WRITES} Writes at once, each with the same short deadline, lets
 *       them end however they end (OK, DEADLINE_EXCEEDED, or e.g. RESOURCE_EXHAUSTED from a
 *       bounded queue: all fine), and again expects a Write answered within {@code --prompt}.
 * </ol>
 * A fast sink passes trivially; a slow sink passes only if it drops the expired calls' work,
 * which is what an implementer needs to hear. A sink that queued that work and drains it
 * regardless fails, and the explanation says which phase, how much was sent and how long the
 * next Write took.
 */
final class DeadlineCheck {
  /** The deadline of the calls the check lets expire. */
  static final Duration EXPIRING_DEADLINE = Duration.ofMillis(300);
  /** Records the stream is offered at most, of {@link #EXPIRING_RECORD_BYTES} each. */
  static final int EXPIRING_RECORDS = 5_000;
  static final int EXPIRING_RECORD_BYTES = 1024;
  /** Writes in flight at once in the unary phase. */
  static final int EXPIRING_WRITES = 100;

  private DeadlineCheck() {}

  static ConformanceCheck deadlineRespected() {
    return ConformanceCheck.of("deadline-respected",
        "Let a WriteStream's " + EXPIRING_DEADLINE.toMillis() + "ms deadline expire while records pour in (it ends"
            + " DEADLINE_EXCEEDED or CANCELLED, not OK), then " + EXPIRING_WRITES + " Writes with that deadline;"
            + " after each, a Write is answered within --prompt.",
        Requires.NOTHING, ctx -> {
          // Connected and answering first, so the short deadline is spent on the calls, not on connecting.
          ctx.write("Write before the expiring calls", ctx.request(CheckContext.payload(16, 6)).build());
          String stream = expireStream(ctx);
          String writes = expireWrites(ctx);
          return stream + "; " + writes;
        });
  }

  private static String expireStream(CheckContext ctx) throws CheckFailure, InterruptedException {
    String name = "a WriteStream with a " + EXPIRING_DEADLINE.toMillis() + "ms deadline";
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
    ctx.promptWrite("Write right after " + name + " expired (" + sent + " records sent, " + acked + " acked)",
        "did the sink keep working on the expired stream's records?");
    return "stream: " + sent + " records sent, " + acked + " acked";
  }

  private static String expireWrites(CheckContext ctx) throws CheckFailure, InterruptedException {
    SinkGrpc.SinkFutureStub stub = SinkGrpc.newFutureStub(ctx.channel())
        .withDeadlineAfter(EXPIRING_DEADLINE.toNanos(), TimeUnit.NANOSECONDS);
    WriteRequest r = ctx.request(CheckContext.payload(EXPIRING_RECORD_BYTES, 7)).build();
    List<Future<WriteResponse>> calls = new ArrayList<>();
    for (int i = 0; i < EXPIRING_WRITES; i++) {
      calls.add(stub.write(r));
    }
    int ok = 0;
    for (Future<WriteResponse> call : calls) {
      try {
        call.get(ctx.remaining().toNanos(), TimeUnit.NANOSECONDS);
        ok++;
      } catch (ExecutionException e) {
        // Expired (or refused): either is fine; what follows is checked.
      } catch (TimeoutException e) {
        throw new CheckFailure("a Write with a " + EXPIRING_DEADLINE.toMillis() + "ms deadline had not ended when"
            + " the check's timeout passed (expected: its end at the deadline)");
      }
    }
    ctx.promptWrite("Write right after " + EXPIRING_WRITES + " Writes with a " + EXPIRING_DEADLINE.toMillis()
        + "ms deadline (" + ok + " answered OK in time)", "did the sink keep working on the expired Writes?");
    return "writes: " + ok + " of " + EXPIRING_WRITES + " OK in time";
  }
}
