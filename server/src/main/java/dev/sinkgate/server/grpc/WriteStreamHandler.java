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
 * guarded by {@code this}. Outbound messages are decided under the lock and sent outside it
 * by {@link #send}, one sender at a time, so they stay in order and no message is sent
 * while holding the lock: the in-process transport takes its own locks inside those calls
 * and may call into this handler from a thread that already holds them. ({@code isReady}
 * is asked under the lock: it takes only the stream's own lock, and calls nothing back.)
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

  // Outbound: decided under the lock, sent by send() outside it.
  /** Send the newest count if it is new and the client is ready to read it. */
  private boolean ackWanted;
  /** Send the newest count before the end, ready or not (even zero records, if none was sent). */
  private boolean ackForced;
  /** End the stream with {@link #endStatus} (null: OK) once the forced ack is sent. */
  private boolean endWanted;
  private StatusRuntimeException endStatus;
  /** A thread is in {@link #send}; it looks for more after each message, so others leave theirs to it. */
  private boolean sending;

  /** One outbound message: an ack, or the end of the stream with {@code status} (null: OK). */
  private record Outbound(WriteAck ack, StatusRuntimeException status) {}

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
    Outbound next = null;
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
        slot = new Slot(index, size, route.name(), route.counters());
      } catch (RecordRejectedException e) {
        route = null;
        slot = new Slot(index, size, request.getSink(), router.countersFor(request.getSink()));
        slot.done = true;
        slot.error = e;
        failing = true;
      }
      pending.add(slot);
      inFlightBytes += size;
      if (route == null) {
        advance();
        next = claim();
      }
    }
    if (route == null) {
      send(next);
      return;
    }
    Slot taken = slot;
    route.sink().append(SinkService.toRecord(request, fence, slot.index))
        .whenComplete((accepted, error) -> completed(taken, accepted, error));
    requestMore();
  }

  private void completed(Slot slot, Accepted accepted, Throwable error) {
    Outbound next;
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
      next = claim();
    }
    send(next);
    requestMore();
  }

  /**
   * Acknowledges completed slots at the head; decides the stream's end on a failure or when
   * finished. Holds the lock; the caller claims what to send, and sends it after releasing it.
   */
  private void advance() {
    if (ended) {
      return;
    }
    while (!pending.isEmpty() && pending.peek().done) {
      Slot head = pending.peek();
      if (head.error != null) {
        finish(SinkService.counted(head.counters, Statuses.toException(head.error,
            "record " + head.index + " of this stream (sink '" + head.route + "'): ", head.route)));
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
      if (halfClosed && !dropped) {
        finish(null);
      } else {
        finish(Statuses.withRetryInfo(Status.UNAVAILABLE, "gateway is draining (shutting down): the first "
            + acked + " records of this stream are acknowledged; resend from record " + acked
            + " on a new stream", DrainGate.RETRY_AFTER));
      }
      return;
    }
    ackSoon();
  }

  /** Ends the stream: the final cumulative ack, then {@code status} (null: OK). Holds the lock. */
  private void finish(StatusRuntimeException status) {
    ended = true;
    ackForced = true;
    endWanted = true;
    endStatus = status;
  }

  /**
   * Acknowledges what is complete, coalescing: the ack is sent from the call's event loop
   * once the task it is running is done, so every record that completes meanwhile shares
   * it — all the records one read delivers to a sink that completes them at once
   * ({@code discard}), a file log's whole group (completed one by one on its writer
   * thread), a batch of a downstream's answers — instead of one ack message per record.
   * Without an event loop (the in-process transport) the caller sends it. Holds the lock.
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
    ackWanted = true;
  }

  private void scheduledAck() {
    Outbound next;
    synchronized (this) {
      ackScheduled = false;
      if (!ended) {
        ackWanted = true;
      }
      next = claim();
    }
    send(next);
  }

  /**
   * Claims the sending of what was decided, unless another thread is sending (it looks for
   * more after each message, so it sends this too). Returns the first message to send, or
   * null. Holds the lock.
   */
  private Outbound claim() {
    if (sending) {
      return null;
    }
    Outbound next = nextOutbound();
    sending = next != null;
    return next;
  }

  /** The next message: the newest ack if it is due, else the end if it is; or null. Holds the lock. */
  private Outbound nextOutbound() {
    WriteAck ack = nextAck();
    if (ack != null) {
      return new Outbound(ack, null);
    }
    if (endWanted) {
      endWanted = false;
      return new Outbound(null, endStatus);
    }
    return null;
  }

  /**
   * The ack to send now, or null. A forced ack (before the end) is sent even when the
   * client is slow to read, and even for zero records if none was sent yet; any other is
   * sent only if it is new and the client is ready (else onReady asks again). Holds the lock.
   */
  private WriteAck nextAck() {
    boolean fresh = acked != lastSentCount;
    if (ackForced) {
      ackForced = false;
      ackWanted = false;
      if (!fresh && lastSentCount >= 0) {
        return null;
      }
    } else if (!ackWanted || !fresh || acked == 0) {
      ackWanted = false;
      return null;
    } else if (!out.isReady()) {
      return null; // still wanted: onReady sends the newest count
    } else {
      ackWanted = false;
    }
    lastSentCount = acked;
    return WriteAck.newBuilder()
        .setCount(acked)
        .setWritten(ackedBytes)
        .setDurability(weakest == null ? Durability.DURABILITY_UNSPECIFIED : weakest)
        .build();
  }

  /**
   * Sends {@code first} (from {@link #claim}; null: nothing) and then whatever the lock
   * holders decided meanwhile, outside the lock, until nothing is left.
   */
  private void send(Outbound first) {
    Outbound next = first;
    while (next != null) {
      try {
        if (next.ack() != null) {
          out.onNext(next.ack());
        } else {
          if (next.status() == null) {
            out.onCompleted();
          } else {
            out.onError(next.status());
          }
          fence.end();
          onEnd.accept(this);
        }
      } catch (RuntimeException | Error e) {
        synchronized (this) {
          sending = false; // the next caller may send again
        }
        throw e;
      }
      synchronized (this) {
        next = nextOutbound();
        sending = next != null;
      }
    }
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
    Outbound next;
    synchronized (this) {
      if (!ended) {
        ackWanted = true;
      }
      next = claim();
    }
    send(next);
  }

  private void onCancel() {
    peerGone();
  }

  @Override
  public void onError(Throwable t) {
    peerGone();
  }

  /** The call was cancelled or the client failed it: nothing more is sent. */
  private void peerGone() {
    fence.cancel(); // nobody is left to acknowledge to: sinks drop what they have not stored
    synchronized (this) {
      ended = true;
      ackWanted = false;
      ackForced = false;
      endWanted = false;
    }
    fence.end();
    onEnd.accept(this);
  }

  @Override
  public void onCompleted() {
    Outbound next;
    synchronized (this) {
      halfClosed = true;
      advance();
      next = claim();
    }
    send(next);
  }

  /** Stops taking records; finishes the ones in flight and ends the stream with UNAVAILABLE. */
  void drain() {
    Outbound next;
    synchronized (this) {
      if (ended || halfClosed) {
        return;
      }
      draining = true;
      advance();
      next = claim();
    }
    send(next);
  }
}
