package dev.sinkgate.server.remote;

import dev.sinkgate.server.sink.Accepted;
import dev.sinkgate.server.sink.ForwardingRecordSink;
import dev.sinkgate.server.sink.Record;
import dev.sinkgate.server.sink.RecordSink;
import dev.sinkgate.server.sink.StreamFence;
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
  /** Each open stream's last record handed over, until it is answered. */
  private final Map<StreamFence, CompletableFuture<Accepted>> tails = new IdentityHashMap<>();

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
    CompletableFuture<Accepted> result = new CompletableFuture<>();
    CompletableFuture<Accepted> previous;
    synchronized (tails) {
      previous = tails.put(fence, result);
    }
    if (previous == null) {
      send(record, result);
    } else {
      previous.whenComplete((accepted, error) -> send(record, result));
    }
    return result;
  }

  private void send(Record record, CompletableFuture<Accepted> result) {
    if (StreamFence.closed(record)) {
      finish(record, result, null, StreamFence.refusal(record, route));
      return;
    }
    CompletableFuture<Accepted> sent;
    try {
      sent = delegate.append(record);
    } catch (RuntimeException e) {
      finish(record, result, null, e);
      return;
    }
    sent.whenComplete((accepted, error) -> finish(record, result, accepted, error));
  }

  private void finish(Record record, CompletableFuture<Accepted> result, Accepted accepted, Throwable error) {
    synchronized (tails) {
      tails.remove(record.fence(), result);
    }
    if (error != null) {
      StreamFence.trip(record);
      result.completeExceptionally(error);
    } else {
      result.complete(accepted);
    }
  }
}
