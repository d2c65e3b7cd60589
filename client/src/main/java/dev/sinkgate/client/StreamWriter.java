package dev.sinkgate.client;

import com.google.protobuf.ByteString;
import dev.sinkgate.proto.v1.Durability;
import dev.sinkgate.proto.v1.SinkGrpc;
import dev.sinkgate.proto.v1.WriteAck;
import dev.sinkgate.proto.v1.WriteRequest;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Writes many records over one {@code WriteStream}, in order, with bounded memory.
 *
 * <p>At most {@code window} records are unacknowledged at any time: {@link #write} blocks
 * while the window is full or while gRPC's flow control says the transport is not ready,
 * so a slow gateway slows the writer instead of growing its memory. The unacknowledged
 * records are kept (at most {@code window} of them) so that a failure can hand them back.
 * {@link #flush()} returns once every record written so far is acknowledged; {@link #close()}
 * flushes, half-closes and waits for the gateway to complete the stream.
 *
 * <p>If the stream fails, every later call throws a {@link StreamFailedException} that
 * says how many records were acknowledged and holds the ones that were not. Each blocking
 * step waits at most the client's deadline. Thread-safe: concurrent writers are
 * serialized, records keep the order in which {@code write} was entered.
 *
 * <p>Idempotent: each writer is a producer session with a random {@link #producerId()},
 * and numbers the records it sends 1, 2, 3, … ({@code sequence}), so resending
 * {@link StreamFailedException#unacknowledged()} (on a new stream) is safe: a gateway that
 * already stored one of them answers it as a duplicate instead of storing it twice. A
 * record that already carries a producer id is sent as it is.
 */
public final class StreamWriter implements AutoCloseable {
  static final int DEFAULT_WINDOW = 1024;

  private final int window;
  private final Duration stepTimeout;
  /**
   * Serializes writers and every call into the stream. Never taken by gRPC callbacks, and
   * {@link #lock} is never held while calling into the stream: with a transport that
   * delivers inline (in-process), holding a lock the ack callback needs while sending
   * would deadlock against the server doing the same.
   */
  private final ReentrantLock sendLock = new ReentrantLock();
  /**
   * Guards the state below; held only briefly, never across a send. It is held while asking
   * {@code isReady()}, which takes only the stream's own lock and calls nothing back, so
   * that an onReady arriving between the check and the wait is not lost.
   */
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final ArrayDeque<WriteRequest> unacked = new ArrayDeque<>();
  private ClientCallStreamObserver<WriteRequest> requests;
  private long sent;
  private long acked;
  private long ackedBytes;
  private Durability weakest = Durability.DURABILITY_UNSPECIFIED;
  private Status end;
  private Throwable endError;
  private boolean closed;
  private final String producerId = java.util.UUID.randomUUID().toString();
  /** The sequence of the next record without a producer id; guarded by {@link #sendLock}. */
  private long nextSequence = 1;

  StreamWriter(SinkGrpc.SinkStub stub, int window, Duration stepTimeout) {
    if (window < 1) {
      throw new IllegalArgumentException("window: " + window + " (expected: >= 1)");
    }
    this.window = window;
    this.stepTimeout = stepTimeout;
    stub.writeStream(new Observer());
  }

  /** Writes {@code data} to route {@code sink}; blocks while the window is full. */
  public void write(String sink, byte[] data) {
    write(WriteRequest.newBuilder().setSink(sink).setData(ByteString.copyFrom(data)).build());
  }

  /**
   * Writes one record; blocks while the window is full or the transport is not ready. A
   * record without a producer id is sent with this writer's {@link #producerId()} and its
   * next sequence number.
   */
  public void write(WriteRequest request) {
    sendLock.lock();
    try {
      WriteRequest record = request.getProducerId().isEmpty()
          ? request.toBuilder().setProducerId(producerId).setSequence(nextSequence).build()
          : request;
      lock.lock();
      try {
        if (closed) {
          throw new IllegalStateException("stream writer is closed");
        }
        awaitUntil(() -> unacked.size() < window && requests.isReady(), "room to send (window " + window + ")");
        unacked.add(record);
        sent++;
        if (record != request) {
          nextSequence++;
        }
      } finally {
        lock.unlock();
      }
      requests.onNext(record);
    } finally {
      sendLock.unlock();
    }
  }

  /** Returns once every record written so far is acknowledged. */
  public void flush() {
    lock.lock();
    try {
      awaitUntil(() -> acked == sent, "acknowledgement of all " + sent + " records");
    } finally {
      lock.unlock();
    }
  }

  /** The producer id this writer gives the records it sends (a random UUID, one per writer). */
  public String producerId() {
    return producerId;
  }

  /** Records written so far. */
  public long written() {
    lock.lock();
    try {
      return sent;
    } finally {
      lock.unlock();
    }
  }

  /** Records acknowledged so far (the newest cumulative ack). */
  public long acknowledged() {
    lock.lock();
    try {
      return acked;
    } finally {
      lock.unlock();
    }
  }

  /** Bytes acknowledged so far. */
  public long acknowledgedBytes() {
    lock.lock();
    try {
      return ackedBytes;
    } finally {
      lock.unlock();
    }
  }

  /** The weakest durability among the acknowledged records. */
  public Durability durability() {
    lock.lock();
    try {
      return weakest;
    } finally {
      lock.unlock();
    }
  }

  /** Records written but not yet acknowledged: never more than the window. */
  public int inFlight() {
    lock.lock();
    try {
      return unacked.size();
    } finally {
      lock.unlock();
    }
  }

  private interface Condition0 {
    boolean holds();
  }

  /** Waits (holding the lock) until {@code c} holds; throws if the stream failed or the step timed out. */
  private void awaitUntil(Condition0 c, String what) {
    long left = stepTimeout.toNanos();
    while (true) {
      failIfEnded();
      if (c.holds()) {
        return;
      }
      if (end != null) {
        // Completed by the gateway with everything acknowledged, yet the caller still waits
        // (to send more): nothing will change, so fail now rather than after the deadline.
        throw new StreamFailedException(new SinkException(Status.Code.FAILED_PRECONDITION,
            "the gateway completed the stream; waiting for " + what + " is pointless", null, null),
            acked, List.copyOf(unacked));
      }
      if (left <= 0) {
        throw new SinkException(Status.Code.DEADLINE_EXCEEDED, "stream: waited " + stepTimeout.toMillis()
            + " ms for " + what + "; " + acked + " of " + sent + " records acknowledged", null, null);
      }
      try {
        left = changed.awaitNanos(left);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new SinkException(Status.Code.CANCELLED, "stream: interrupted while waiting for " + what
            + "; " + acked + " of " + sent + " records acknowledged", null, e);
      }
    }
  }

  private void failIfEnded() {
    if (end == null) {
      return;
    }
    if (end.isOk() && acked == sent) {
      return;
    }
    SinkException cause = end.isOk()
        ? new SinkException(Status.Code.INTERNAL, "the gateway completed the stream with " + (sent - acked)
            + " records unacknowledged", null, null)
        : SinkException.from(endError);
    throw new StreamFailedException(cause, acked, List.copyOf(unacked));
  }

  /**
   * Flushes, half-closes and waits for the gateway to complete the stream. Idempotent. If
   * the stream failed, throws {@link StreamFailedException} (once; later calls return).
   */
  @Override
  public void close() {
    sendLock.lock();
    try {
      lock.lock();
      try {
        if (closed) {
          return;
        }
        closed = true;
      } finally {
        lock.unlock();
      }
      try {
        flush();
        requests.onCompleted();
        lock.lock();
        try {
          awaitUntil(() -> end != null, "the gateway to complete the stream");
        } finally {
          lock.unlock();
        }
      } catch (RuntimeException e) {
        requests.cancel("stream writer closed after a failure", e);
        throw e;
      }
    } finally {
      sendLock.unlock();
    }
  }

  private final class Observer implements ClientResponseObserver<WriteRequest, WriteAck> {
    @Override
    public void beforeStart(ClientCallStreamObserver<WriteRequest> stream) {
      requests = stream;
      stream.setOnReadyHandler(this::signal);
    }

    @Override
    public void onNext(WriteAck ack) {
      lock.lock();
      try {
        for (long i = acked; i < ack.getCount() && !unacked.isEmpty(); i++) {
          unacked.poll();
        }
        acked = ack.getCount();
        ackedBytes = ack.getWritten();
        weakest = ack.getDurability();
        changed.signalAll();
      } finally {
        lock.unlock();
      }
    }

    @Override
    public void onError(Throwable t) {
      lock.lock();
      try {
        endError = t;
      } finally {
        lock.unlock();
      }
      ended(Status.fromThrowable(t));
    }

    @Override
    public void onCompleted() {
      ended(Status.OK);
    }

    private void ended(Status s) {
      lock.lock();
      try {
        end = s;
        changed.signalAll();
      } finally {
        lock.unlock();
      }
    }

    private void signal() {
      lock.lock();
      try {
        changed.signalAll();
      } finally {
        lock.unlock();
      }
    }
  }

  /** A stream ended before all its records were acknowledged. */
  public static final class StreamFailedException extends SinkException {
    private static final long serialVersionUID = 1L;
    private final long acknowledged;
    private final transient List<WriteRequest> unacknowledged;

    StreamFailedException(SinkException cause, long acknowledged, List<WriteRequest> unacknowledged) {
      super(cause.code(), cause.description() + "; " + acknowledged + " records acknowledged, "
          + unacknowledged.size() + " not (from record " + acknowledged + ")",
          cause.retryAfter().orElse(null), cause);
      this.acknowledged = acknowledged;
      this.unacknowledged = unacknowledged;
    }

    /** The first {@code acknowledged()} records of the stream are accepted. */
    public long acknowledged() {
      return acknowledged;
    }

    /** The records written after those, in order, to resend. */
    public List<WriteRequest> unacknowledged() {
      return unacknowledged;
    }
  }
}
