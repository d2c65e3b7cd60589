package dev.sinkgate.server.remote;

import dev.sinkgate.server.sink.Accepted;
import dev.sinkgate.server.sink.ForwardingRecordSink;
import dev.sinkgate.server.sink.Record;
import dev.sinkgate.server.sink.RecordSink;
import dev.sinkgate.server.sink.StreamFence;
import java.util.ArrayDeque;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Keeps a stream's records in order on their way downstream: a record of a stream is handed
 * to the delegate only once the stream's previous record was answered (accepted, or refused
 * after its retries). Without it, a remote route would have several records of one stream in
 * flight as separate calls, and the downstream could store them out of order. Records of
 * different streams, and unary writes, are not held back by each other.
 *
 * <p>Once a record of a stream is refused, the stream's later records are refused without
 * being sent ({@link StreamFence}): the client resends from the refused one, so sending them
 * would store them ahead of it, and twice. A record whose call was cancelled before its turn
 * is not sent either.
 */
public final class StreamOrderSink extends ForwardingRecordSink {
  private final String route;
  /** Each stream with records waiting or in flight: its records not yet handed over, in order. */
  private final Map<StreamFence, Lane> lanes = new IdentityHashMap<>();

  /** One stream's queue; {@code busy} while one of its records is with the delegate or being handed over. */
  private static final class Lane {
    final ArrayDeque<Pending> waiting = new ArrayDeque<>();
    boolean busy;
  }

  private record Pending(Record record, CompletableFuture<Accepted> result) {}

  public StreamOrderSink(String route, RecordSink delegate) {
    super(delegate);
    this.route = route;
  }

  @Override
  public CompletableFuture<Accepted> append(Record record) {
    StreamFence fence = record.fence();
    if (fence == null) {
      return delegate.append(record);
    }
    Pending p = new Pending(record, new CompletableFuture<>());
    Lane lane;
    synchronized (lanes) {
      lane = lanes.computeIfAbsent(fence, f -> new Lane());
      lane.waiting.add(p);
      if (lane.busy) {
        return p.result();
      }
      lane.busy = true;
    }
    drain(fence, lane);
    return p.result();
  }

  /**
   * Hands the lane's records over one at a time, in a loop rather than by recursion, so a
   * long queue of records refused one after another cannot overflow the stack. Returns once
   * a record is in flight (its answer resumes the loop) or the lane is empty.
   */
  private void drain(StreamFence fence, Lane lane) {
    while (true) {
      Pending p;
      synchronized (lanes) {
        p = lane.waiting.poll();
        if (p == null) {
          lane.busy = false;
          lanes.remove(fence);
          return;
        }
      }
      if (StreamFence.closed(p.record())) {
        finish(p, null, StreamFence.refusal(p.record(), route));
        continue;
      }
      CompletableFuture<Accepted> sent;
      try {
        sent = delegate.append(p.record());
      } catch (RuntimeException e) {
        finish(p, null, e);
        continue;
      }
      if (sent.isDone()) {
        complete(p, sent);
        continue;
      }
      sent.whenComplete((accepted, error) -> {
        finish(p, accepted, error);
        drain(fence, lane);
      });
      return;
    }
  }

  private static void complete(Pending p, CompletableFuture<Accepted> done) {
    try {
      finish(p, done.join(), null);
    } catch (java.util.concurrent.CompletionException | java.util.concurrent.CancellationException e) {
      finish(p, null, e.getCause() != null ? e.getCause() : e);
    }
  }

  private static void finish(Pending p, Accepted accepted, Throwable error) {
    if (error != null) {
      StreamFence.trip(p.record());
      p.result().completeExceptionally(error);
    } else {
      p.result().complete(accepted);
    }
  }
}
