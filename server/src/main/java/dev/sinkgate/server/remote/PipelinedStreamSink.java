package dev.sinkgate.server.remote;

import dev.sinkgate.server.sink.Accepted;
import dev.sinkgate.server.sink.ForwardingRecordSink;
import dev.sinkgate.server.sink.Record;
import dev.sinkgate.server.sink.RecordRejectedException;
import dev.sinkgate.server.sink.RecordRejectedException.Reason;
import dev.sinkgate.server.sink.RecordSink;
import dev.sinkgate.server.sink.StreamFence;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Forwards each client stream over a downstream stream of its own, many records in flight:
 * the records of one {@code WriteStream} call ({@link StreamFence#isStream()}) go, in order,
 * on one downstream {@code WriteStream} ({@link StreamDownstream}), opened at the stream's
 * first record and closed when the call ends ({@link StreamFence#onEnd}), with up to the
 * downstream's window of records (and bytes) unacknowledged. The downstream's cumulative
 * acknowledgements complete the records in order, at {@code DURABILITY_DOWNSTREAM}; order is
 * kept by the one downstream stream. Unary records, and records outside a stream, go to the
 * delegate (the route's {@code retry(breaker(remote))}).
 *
 * <p>When a downstream stream fails:
 * <ul>
 *   <li>a refusal of a record for what it is (a non-retryable reason) fails that record with
 *       it, and every later record of the stream without sending it ({@link StreamFence}): the
 *       client stream ends at that record, as it would on a local route;
 *   <li>a retryable failure (an outage, a lost connection, a stream that went the route's
 *       timeout without an acknowledgement, which is cancelled) reopens the stream and resends
 *       the unacknowledged records, waiting per the route's {@link StreamRetry} (retry policy,
 *       budget, breaker) — but only when every one of them carries a producer id, so that a
 *       record the downstream stored without acknowledging is answered as a duplicate. Without
 *       producer ids, or once the retries are spent, the first unacknowledged record fails with
 *       the failure (retryable, with its RetryInfo) and the later ones are not sent: the client
 *       resends from it, as it did when each record was forwarded alone. Resending records
 *       without producer ids could store them twice.
 * </ul>
 * A record whose deadline passes before it is sent fails with {@link Reason#DEADLINE}; a
 * reopening that could not start before the first unacknowledged record's deadline is not
 * made. The records of a cancelled call that are still unacknowledged are failed and the
 * downstream stream is cancelled (not held against the downstream's breaker).
 *
 * <p>Owns the delegate and the stream downstream; {@link #close()} cancels the downstream
 * streams (their unacknowledged records fail with {@link Reason#UNAVAILABLE}), then closes
 * both. Thread-safe: each client stream's lane is driven by one thread at a time.
 */
public final class PipelinedStreamSink extends ForwardingRecordSink {
  private final String route;
  private final StreamDownstream downstream;
  private final StreamRetry retry;
  private final Map<StreamFence, StreamLane> lanes = new ConcurrentHashMap<>();
  private final AtomicBoolean closed = new AtomicBoolean();

  /**
   * Pipelines client streams over {@code downstream} (owned), reopening per {@code retry} (the
   * one {@code downstream} was made with); other records go to {@code delegate} (owned).
   */
  public PipelinedStreamSink(String route, RecordSink delegate, StreamDownstream downstream, StreamRetry retry) {
    super(delegate);
    this.route = Objects.requireNonNull(route, "route");
    this.downstream = Objects.requireNonNull(downstream, "downstream");
    this.retry = Objects.requireNonNull(retry, "retry");
  }

  @Override
  public CompletableFuture<Accepted> append(Record record) {
    StreamFence fence = record.fence();
    if (fence == null || !fence.isStream() || record.streamIndex() < 0) {
      return delegate.append(record);
    }
    if (closed.get()) {
      return CompletableFuture.failedFuture(new RecordRejectedException(Reason.UNAVAILABLE,
          "route '" + route + "' is closed"));
    }
    StreamLane lane = lanes.get(fence);
    if (lane == null) {
      StreamLane fresh = new StreamLane(route, downstream, retry, fence, done -> lanes.remove(fence, done));
      lane = lanes.putIfAbsent(fence, fresh);
      if (lane == null) {
        lane = fresh;
        fence.onEnd(fresh::upstreamEnded); // at once if the call already ended
      }
    }
    return lane.append(record);
  }

  /** How many client streams hold a lane now (a downstream stream, or records waiting for one). */
  public int openLanes() {
    return lanes.size();
  }

  /** Cancels the downstream streams (their unacknowledged records fail UNAVAILABLE), then closes the downstream and the delegate. Idempotent. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      for (StreamLane lane : lanes.values()) {
        lane.close();
      }
      lanes.clear();
      downstream.close();
    } finally {
      delegate.close();
    }
  }

  @Override
  public String toString() {
    return "PipelinedStreamSink(" + route + ", " + downstream + ", unary: " + delegate + ")";
  }
}
