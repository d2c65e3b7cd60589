package dev.sinkgate.cli.conformance;

import dev.sinkgate.proto.v1.Durability;
import dev.sinkgate.proto.v1.SinkGrpc;
import dev.sinkgate.proto.v1.WriteAck;
import dev.sinkgate.proto.v1.WriteRequest;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;

/**
 * One WriteStream as a check drives it: sends records as flow control allows, records every
 * ack, and checks the acks against what was sent (cumulative, monotonic, complete). Sending,
 * half-closing and cancelling happen on the check's thread; acks arrive on gRPC's.
 */
final class StreamExchange implements ClientResponseObserver<WriteRequest, WriteAck> {
  private final String name;
  private final LongSupplier nanoTime;
  private final CompletableFuture<Status> end = new CompletableFuture<>();
  private final Object ready = new Object();
  /** prefix.get(n) is the byte total of the first n records sent; guarded by this. */
  private final List<Long> prefix = new ArrayList<>(List.of(0L));
  private final List<WriteAck> acks = new ArrayList<>(); // guarded by this
  private ClientCallStreamObserver<WriteRequest> requests;

  private StreamExchange(String name, LongSupplier nanoTime) {
    this.name = name;
    this.nanoTime = nanoTime;
  }

  /** Opens a WriteStream on {@code stub}; {@code name} names it in explanations ("stream 2 of 4"). */
  static StreamExchange open(String name, SinkGrpc.SinkStub stub, LongSupplier nanoTime) {
    StreamExchange x = new StreamExchange(name, nanoTime);
    stub.writeStream(x);
    return x;
  }

  /**
   * A whole exchange that must succeed: sends {@code records}, half-closes, and expects OK
   * with acks that are cumulative, monotonic and end at every record and byte sent.
   */
  static List<WriteAck> writeAll(CheckContext ctx, String name, List<WriteRequest> records)
      throws CheckFailure, InterruptedException {
    StreamExchange x = open(name, ctx.async(), ctx::nanoTime);
    long until = ctx.deadlineNanos();
    x.send(records, until);
    x.halfClose();
    x.expectCompleted(until);
    return x.acks();
  }

  /**
   * After the half-close: the stream ends OK by {@code untilNanos}, every ack was consistent
   * and the last covers every record and byte sent.
   */
  void expectCompleted(long untilNanos) throws CheckFailure, InterruptedException {
    Status status = awaitEnd(untilNanos);
    verifyAcks();
    CheckFailure.expect(status != null, name + ": no end within the check's timeout after " + sent()
        + " records and " + acks().size() + " acks (expected: OK after the final ack)");
    CheckFailure.expect(status.isOk(), name + " ended " + CheckFailure.describe(status) + " after " + sent()
        + " records were sent (expected: OK)");
    verifyComplete();
  }

  @Override
  public void beforeStart(ClientCallStreamObserver<WriteRequest> requestStream) {
    this.requests = requestStream;
    requestStream.setOnReadyHandler(() -> {
      synchronized (ready) {
        ready.notifyAll();
      }
    });
  }

  @Override
  public synchronized void onNext(WriteAck ack) {
    acks.add(ack);
    notifyAll();
  }

  @Override
  public void onError(Throwable t) {
    finish(Status.fromThrowable(t));
  }

  @Override
  public void onCompleted() {
    finish(Status.OK);
  }

  private void finish(Status status) {
    end.complete(status);
    synchronized (this) {
      notifyAll();
    }
    synchronized (ready) {
      ready.notifyAll();
    }
  }

  /**
   * Sends {@code records} in order, each once the transport is ready for it, until all are
   * sent, the stream ends, or {@code untilNanos}; returns how many were sent.
   */
  int send(List<WriteRequest> records, long untilNanos) throws InterruptedException {
    int sent = 0;
    for (WriteRequest r : records) {
      if (!awaitReady(untilNanos)) {
        return sent;
      }
      synchronized (this) {
        prefix.add(prefix.get(prefix.size() - 1) + r.getData().size());
      }
      requests.onNext(r);
      sent++;
    }
    return sent;
  }

  private boolean awaitReady(long untilNanos) throws InterruptedException {
    synchronized (ready) {
      while (!requests.isReady() && !end.isDone()) {
        long left = untilNanos - nanoTime.getAsLong();
        if (left <= 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(ready, left);
      }
    }
    return !end.isDone();
  }

  /** Records sent so far. */
  synchronized int sent() {
    return prefix.size() - 1;
  }

  void halfClose() {
    requests.onCompleted();
  }

  void cancel(String why) {
    requests.cancel(why, null);
  }

  /** The stream's final status, or null if it has not ended by {@code untilNanos}. */
  Status awaitEnd(long untilNanos) throws InterruptedException {
    try {
      return end.get(Math.max(0, untilNanos - nanoTime.getAsLong()), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      return null;
    } catch (ExecutionException e) {
      throw new AssertionError("end is only ever completed normally", e);
    }
  }

  /** True once an ack covers at least {@code count} records; false at {@code untilNanos} or the stream's end. */
  synchronized boolean awaitAcked(long count, long untilNanos) throws InterruptedException {
    while (acks.isEmpty() || acks.get(acks.size() - 1).getCount() < count) {
      long left = untilNanos - nanoTime.getAsLong();
      if (left <= 0 || end.isDone()) {
        return false;
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
    return true;
  }

  synchronized List<WriteAck> acks() {
    return List.copyOf(acks);
  }

  /**
   * Every ack so far is cumulative and consistent with what was sent: counts never go
   * backwards nor beyond the records sent, {@code written} is the byte total of the first
   * {@code count} records, and the durability is set.
   */
  synchronized void verifyAcks() throws CheckFailure {
    long previous = 0;
    for (int i = 0; i < acks.size(); i++) {
      WriteAck a = acks.get(i);
      String which = name + ": ack #" + (i + 1) + " of " + acks.size();
      CheckFailure.expect(a.getCount() >= previous, which + " went backwards: count " + a.getCount() + " after "
          + previous + " (expected: cumulative counts that never decrease)");
      CheckFailure.expect(a.getCount() <= sent(), which + " acknowledged " + a.getCount() + " records, but only "
          + sent() + " were sent (expected: count <= records sent)");
      long bytes = prefix.get((int) a.getCount());
      CheckFailure.expect(a.getWritten() == bytes, which + " has count " + a.getCount() + " and written "
          + a.getWritten() + " (expected: written = " + bytes + ", the bytes of the first " + a.getCount()
          + " records)");
      CheckFailure.expect(a.getDurability() != Durability.DURABILITY_UNSPECIFIED
              && a.getDurability() != Durability.UNRECOGNIZED,
          which + " has durability " + a.getDurability() + " (expected: MEMORY, WRITTEN, SYNCED or DOWNSTREAM)");
      previous = a.getCount();
    }
  }

  /** The last ack covers every record and byte sent. */
  synchronized void verifyComplete() throws CheckFailure {
    CheckFailure.expect(!acks.isEmpty(), name + " ended OK without any ack for " + sent()
        + " records (expected: a final ack with count " + sent() + ")");
    WriteAck last = acks.get(acks.size() - 1);
    long bytes = prefix.get(sent());
    CheckFailure.expect(last.getCount() == sent() && last.getWritten() == bytes, name + " ended OK with final ack count "
        + last.getCount() + ", written " + last.getWritten() + " (expected: count " + sent() + ", written " + bytes
        + ": every record and byte sent)");
  }
}
