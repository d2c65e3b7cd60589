package dev.sinkgate.server.grpc;

import dev.sinkgate.proto.v1.Durability;
import dev.sinkgate.proto.v1.WriteAck;
import dev.sinkgate.proto.v1.WriteRequest;
import dev.sinkgate.server.route.Route;
import dev.sinkgate.server.route.RouteCounters;
import dev.sinkgate.server.route.Router;
import dev.sinkgate.server.sink.Accepted;
import dev.sinkgate.server.sink.RecordRejectedException;
import dev.sinkgate.server.sink.StreamFence;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.internal.ThreadExecutorMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.ArrayDeque;
import java.util.function.Consumer;

/**
 * One WriteStream: records in order, cumulative acks in order, manual flow control.
 *
 * <p>Records are handed to their routes as they arrive; each gets a slot in a FIFO. When
 * the slot at the head completes, it and every completed slot behind it are acknowledged
 * with one cumulative {@link WriteAck}. The transport is asked for a new record only while
 * the stream holds fewer than {@link StreamLimits} records and bytes in flight, so a slow
 * sink stops the reading of the stream. Acks are coalesced: one per event-loop task at most
 * (see {@link #ackSoon}), and while the client is not ready to receive, only the newest
 * count is kept.
 *
 * <p>The first failing record ends the stream: the records before it are acknowledged,
 * then the stream closes with that record's status, naming its index. All state is
 * guarded by {@code this}; outbound messages are sent under the same lock so they stay in
 * order.
 *
 * <p>A record is counted on its route's {@link RouteCounters} when it joins the cumulative
 * ack, or when its refusal ends the stream; records the stream drops unread (after a
 * refusal or once draining) are answered by no one and not counted.
 */
final class WriteStreamHandler implements StreamObserver<WriteRequest> {
  private static final class Slot {
    final long index;
    final int bytes;
    final String route;
    /** Charged with the record's answer: its route's, or the router's unrouted ones. */
    final RouteCounters counters;
    boolean done;
    Durability durability;
    boolean duplicate;
    Throwable error;

    Slot(long index, int bytes, String route, RouteCounters counters) {
      this.index = index;
      this.bytes = bytes;
      this.route = route;
      this.counters = counters;
    }
  }

  private final Router router;
  private final ServerCallStreamObserver<WriteAck> out;
  private final StreamLimits limits;
  private final Consumer<WriteStreamHandler> onEnd;

  private final ArrayDeque<Slot> pending = new ArrayDeque<>();
  /** Tripped by the first refused record, so that no sink stores a later one (see {@link StreamFence}). */
  private final StreamFence fence = new StreamFence();
  private long received;
  private long requested; // asked of the transport, not yet received
  private long inFlightBytes;
  private long acked;
  private long ackedBytes;
  private Durability weakest;
  private long lastSentCount = -1;
  private final long worstCaseRecord;
  /** A record failed validation: take no more records, the stream is about to end. */
  private boolean failing;
  private boolean halfClosed;
  private boolean draining;
  private boolean ended;
  /** An {@link #ackSoon} task is queued on the event loop and has not run yet. */
  private boolean ackScheduled;
  /** The transport's event loop this call runs on (Netty), or null (in-process transport). */
  private EventExecutor loop;
  /** A record was received and not taken (draining/failing): the stream must not end OK. */
  private boolean dropped;

  WriteStreamHandler(Router router, ServerCallStreamObserver<WriteAck> out, StreamLimits limits,
      Consumer<WriteStreamHandler> onEnd) {
    this.router = router;
    this.out = out;
    this.limits = limits;
    this.onEnd = onEnd;
    this.worstCaseRecord = Math.max(1, router.largestRecordLimit());
  }

  /** Called from the service method, before the call starts: takes over inbound flow control. */
  void start() {
    // Netty's own record of which event loop runs this thread: public, though in an internal
    // package; null on any other thread (the in-process transport).
    loop = ThreadExecutorMap.currentExecutor();
    out.disableAutoRequest();
    out.setOnReadyHandler(this::onReady);
    out.setOnCancelHandler(this::onCancel);
    requestMore();
  }

  @Override
  public void onNext(WriteRequest request) {
    Slot slot;
    Route route;
    synchronized (this) {
      requested--;
      if (ended || draining || failing) {
        dropped = true;
        return; // not acknowledged: the client resends it
      }
      long index = received++;
      int size = request.getData().size();
      try {
        route = router.resolve(request.getSink(), size, request.getProducerId());
      } catch (RecordRejectedException e) {
        Slot failed = new Slot(index, size, request.getSink(), router.countersFor(request.getSink()));
        failed.done = true;
        failed.error = e;
        failing = true;
        pending.add(failed);
        inFlightBytes += size;
        advance();
        return;
      }
      slot = new Slot(index, size, route.name(), route.counters());
      pending.add(slot);
      inFlightBytes += size;
    }
    route.sink().append(SinkService.toRecord(request, fence, slot.index)).whenComplete((accepted, error) -> completed(slot, accepted, error));
    requestMore();
  }

  private void completed(Slot slot, Accepted accepted, Throwable error) {
    synchronized (this) {
      slot.done = true;
      if (error != null) {
        slot.error = error;
        fence.trip(slot.index); // the sink trips it too; this covers a sink that does not know the fence
        failing = true; // take no more records: a later one must not reach a sink before this one is resent
      } else {
        slot.durability = accepted.durability();
        slot.duplicate = accepted.duplicate();
      }
      advance();
    }
    requestMore();
  }

  /** Acknowledges completed slots at the head; ends the stream on a failure or when finished. Holds the lock. */
  private void advance() {
    if (ended) {
      return;
    }
    while (!pending.isEmpty() && pending.peek().done) {
      Slot head = pending.peek();
      if (head.error != null) {
        // Counted before the last ack: an inline transport may end the stream from inside it.
        StatusRuntimeException e = SinkService.counted(head.counters, Statuses.toException(head.error,
            "record " + head.index + " of this stream (sink '" + head.route + "'): ", head.route));
        sendAck(true);
        if (ended) {
          return;
        }
        end(e);
        return;
      }
      pending.poll();
      head.counters.recordAccepted(head.bytes, head.duplicate);
      inFlightBytes -= head.bytes;
      acked++;
      ackedBytes += head.bytes;
      if (weakest == null || head.durability.getNumber() < weakest.getNumber()) {
        weakest = head.durability;
      }
    }
    if (pending.isEmpty() && (halfClosed || draining)) {
      sendAck(true);
      if (halfClosed && !dropped) {
        end(null);
      } else {
        end(Statuses.withRetryInfo(Status.UNAVAILABLE, "gateway is draining (shutting down): the first "
            + acked + " records of this stream are acknowledged; resend from record " + acked
            + " on a new stream", DrainGate.RETRY_AFTER));
      }
      return;
    }
    ackSoon();
  }

  /**
   * Acknowledges what is complete, coalescing: the ack is sent from the call's event loop
   * once the task it is running is done, so every record that completes meanwhile shares
   * it — all the records one read delivers to a sink that completes them at once
   * ({@code discard}), a file log's whole group (completed one by one on its writer
   * thread), a batch of a downstream's answers — instead of one ack message per record.
   * Without an event loop (the in-process transport) it is sent now. Holds the lock.
   */
  private void ackSoon() {
    if (ackScheduled || acked == lastSentCount) {
      return;
    }
    if (loop != null) {
      try {
        loop.execute(this::scheduledAck);
        ackScheduled = true;
        return;
      } catch (RejectedExecutionException e) {
        // the loop is shutting down: send now
      }
    }
    sendAck(false);
  }

  private void scheduledAck() {
    synchronized (this) {
      ackScheduled = false;
      if (!ended) {
        sendAck(false);
      }
    }
  }

  /**
   * Sends the newest cumulative ack if it is new and the client can take it. A forced ack
   * (before the stream ends) is sent even when the client is slow to read, and even for
   * zero records if none was sent yet.
   */
  private void sendAck(boolean force) {
    boolean fresh = acked != lastSentCount;
    if (!fresh && !(force && lastSentCount < 0)) {
      return;
    }
    if (!force && (acked == 0 || !out.isReady())) {
      return; // nothing to say yet, or onReady sends the newest count
    }
    lastSentCount = acked;
    out.onNext(WriteAck.newBuilder()
        .setCount(acked)
        .setWritten(ackedBytes)
        .setDurability(weakest == null ? Durability.DURABILITY_UNSPECIFIED : weakest)
        .build());
  }

  private void end(StatusRuntimeException error) {
    if (ended) {
      return; // an inline transport may have ended the stream from inside the ack just sent
    }
    ended = true;
    if (error == null) {
      out.onCompleted();
    } else {
      out.onError(error);
    }
    fence.end();
    onEnd.accept(this);
  }

  /** Asks the transport for as many records as the limits allow. */
  private void requestMore() {
    int n;
    synchronized (this) {
      if (ended || draining || halfClosed || failing) {
        return;
      }
      // A requested record may be as large as the largest route allows, so outstanding
      // requests are counted at that size: in flight never exceeds the byte bound by more
      // than one record, whatever mix of sizes the client sends.
      long room = limits.maxBytes() - inFlightBytes;
      long byBytes = room <= 0 ? 0 : Math.max(1, room / worstCaseRecord) - requested;
      long byRecords = limits.maxRecords() - pending.size() - requested;
      n = (int) Math.max(0, Math.min(byRecords, byBytes));
      if (requested == 0 && pending.isEmpty()) {
        n = Math.max(n, 1); // always make progress, even with a record larger than the byte bound
      }
      if (n == 0) {
        return;
      }
      requested += n;
    }
    out.request(n);
  }

  private void onReady() {
    synchronized (this) {
      if (!ended) {
        sendAck(false);
      }
    }
  }

  private void onCancel() {
    fence.cancel(); // nobody is left to acknowledge to: sinks drop what they have not stored
    synchronized (this) {
      ended = true;
    }
    fence.end();
    onEnd.accept(this);
  }

  @Override
  public void onError(Throwable t) {
    fence.cancel();
    synchronized (this) {
      ended = true;
    }
    fence.end();
    onEnd.accept(this);
  }

  @Override
  public void onCompleted() {
    synchronized (this) {
      halfClosed = true;
      advance();
    }
  }

  /** Stops taking records; finishes the ones in flight and ends the stream with UNAVAILABLE. */
  void drain() {
    synchronized (this) {
      if (ended || halfClosed) {
        return;
      }
      draining = true;
      advance();
    }
  }
}
