package dev.sinkgate.server.remote;

import dev.sinkgate.client.SinkClient;
import dev.sinkgate.client.SinkException;
import dev.sinkgate.proto.v1.SinkGrpc;
import dev.sinkgate.proto.v1.WriteAck;
import dev.sinkgate.proto.v1.WriteRequest;
import dev.sinkgate.server.sink.Record;
import dev.sinkgate.server.sink.RecordRejectedException;
import dev.sinkgate.server.spool.OrderedDownstream;
import io.grpc.Context;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A downstream {@code sinkgate.v1.Sink} as a spool's {@link OrderedDownstream}: each stream is
 * one {@code WriteStream} call keeping up to {@code windowRecords} records (and about
 * {@code windowBytes}) in flight, acknowledged cumulatively by the downstream. When the call
 * fails, the record index its description names ({@code "record 7 ..."}, as sink.proto asks)
 * is passed on with the failure, mapped to a rejection as {@link RemoteRecordSink} maps a
 * unary failure (so the spool dead-letters exactly what it would dead-letter one at a time).
 *
 * <p>A stream has no deadline (it lives as long as the backlog); the spool's forwarder cancels
 * one that goes {@link #ackTimeout()} without an acknowledgement. The route's {@code retry:},
 * budget and {@code breaker:} apply per stream ({@link StreamRetry}): an open breaker ends a
 * new stream at once (UNAVAILABLE, retry after the time left open), and
 * {@link #retryDelay} is the route's backoff while its attempts and budget last. Duplicates
 * are not counted (a {@code WriteAck} does not say which records were duplicates). Owns its
 * client and closes it (cancelling streams in flight) in {@link #close()}. Thread-safe; each
 * stream is driven by one thread at a time.
 */
public final class StreamDownstream implements OrderedDownstream {
  /** The records a stream keeps in flight by default. */
  public static final int DEFAULT_WINDOW_RECORDS = 256;
  /** The bytes of record data a stream keeps in flight by default. */
  public static final long DEFAULT_WINDOW_BYTES = 8L << 20;

  private static final Executor DIRECT = Runnable::run;
  private static final Pattern RECORD_INDEX = Pattern.compile("\\brecord (\\d{1,18})\\b");

  private final String route;
  private final SinkClient client;
  private final String downstreamSink;
  private final Duration ackTimeout;
  private final int windowRecords;
  private final long windowBytes;
  private final String targets;
  private final StreamRetry retry;
  private final Scheduler scheduler;
  private final AtomicBoolean closed = new AtomicBoolean();

  /**
   * Streams to {@code client}, which this downstream then owns.
   *
   * @param route the route's name, for messages
   * @param downstreamSink the {@code sink} field of the forwarded requests
   * @param ackTimeout how long a stream with records in flight may go without an acknowledgement
   * @param windowRecords the most records in flight, at least 1
   * @param windowBytes the most bytes of record data in flight past one record, at least 1
   */
  public StreamDownstream(String route, SinkClient client, String downstreamSink, Duration ackTimeout,
      int windowRecords, long windowBytes) {
    this(route, client, downstreamSink, ackTimeout, windowRecords, windowBytes, StreamRetry.none(),
        Scheduler.system("sinkgate-stream-" + route));
  }

  /**
   * As above, reopening failed streams per {@code retry} (the route's retry policy, budget and
   * breaker), with {@code scheduler} (owned, closed after the client) for the timers of those
   * who drive the streams and the breaker's clock.
   */
  public StreamDownstream(String route, SinkClient client, String downstreamSink, Duration ackTimeout,
      int windowRecords, long windowBytes, StreamRetry retry, Scheduler scheduler) {
    this.route = Objects.requireNonNull(route, "route");
    this.client = Objects.requireNonNull(client, "client");
    this.downstreamSink = Objects.requireNonNull(downstreamSink, "downstreamSink");
    if (ackTimeout.isNegative() || ackTimeout.isZero()) {
      throw new IllegalArgumentException("ackTimeout: " + ackTimeout + " (expected: > 0)");
    }
    if (windowRecords < 1) {
      throw new IllegalArgumentException("windowRecords: " + windowRecords + " (expected: >= 1)");
    }
    if (windowBytes < 1) {
      throw new IllegalArgumentException("windowBytes: " + windowBytes + " (expected: >= 1)");
    }
    this.ackTimeout = ackTimeout;
    this.windowRecords = windowRecords;
    this.windowBytes = windowBytes;
    this.targets = client.target();
    this.retry = Objects.requireNonNull(retry, "retry");
    this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
  }

  /** Opens a channel to {@code targets} (as {@link RemoteRecordSink#open}) with the default window. */
  public static StreamDownstream open(String route, List<String> targets, String downstreamSink, Duration ackTimeout,
      StreamRetry retry, Scheduler scheduler) {
    return new StreamDownstream(route, RemoteRecordSink.client(targets, ackTimeout), downstreamSink, ackTimeout,
        DEFAULT_WINDOW_RECORDS, DEFAULT_WINDOW_BYTES, retry, scheduler);
  }

  /** The route's name, for messages. */
  String route() {
    return route;
  }

  /** The timer of those who drive this downstream's streams (owned by this downstream). */
  Scheduler scheduler() {
    return scheduler;
  }

  @Override
  public int windowRecords() {
    return windowRecords;
  }

  @Override
  public long windowBytes() {
    return windowBytes;
  }

  @Override
  public Duration ackTimeout() {
    return ackTimeout;
  }

  @Override
  public Duration retryDelay(int failures, RecordRejectedException cause) {
    return retry.delay(failures, cause);
  }

  @Override
  public Stream open(Listener listener) {
    Call call = new Call(listener);
    if (closed.get()) {
      call.end(-1, new RecordRejectedException(RecordRejectedException.Reason.UNAVAILABLE,
          "route '" + route + "' is closed"));
      return call;
    }
    try {
      call.permit = retry.admit();
    } catch (RecordRejectedException open) { // the breaker is open: fail fast, retry after the time left open
      call.end(-1, open);
      return call;
    }
    call.admitted = true;
    try {
      // Not in the caller's gRPC context: a stream opened for a client stream's first record
      // would otherwise be cancelled with that call's context (when it ends, or its deadline
      // passes) behind the back of whoever drives the stream, which ends it itself.
      // Acks run on the transport's thread (the listener only takes a lock and completes
      // futures): a hand-off to gRPC's executor per ack was a third of a pipelined hop's cost.
      Context.current().fork().run(() -> SinkGrpc.newStub(client.channel()).withExecutor(DIRECT).writeStream(call));
    } catch (RuntimeException e) { // the channel shut down between the check and the call
      call.end(-1, new RecordRejectedException(RecordRejectedException.Reason.UNAVAILABLE,
          "route '" + route + "': opening a stream to " + targets + " failed: " + e));
    }
    return call;
  }

  /** The index of the record a stream's failure names, or -1. */
  static long failedIndex(String description) {
    if (description == null) {
      return -1;
    }
    Matcher m = RECORD_INDEX.matcher(description);
    return m.find() ? Long.parseLong(m.group(1)) : -1;
  }

  /** One WriteStream call: the forwarder's thread sends, gRPC's threads deliver acks and the end. */
  private final class Call implements Stream, ClientResponseObserver<WriteRequest, WriteAck> {
    private final Listener listener;
    private final AtomicBoolean ended = new AtomicBoolean();
    private volatile ClientCallStreamObserver<WriteRequest> requests;
    /** The breaker's leave for this stream, and whether it was given; set before the call starts. */
    private CircuitBreaker.Permit permit;
    private boolean admitted;
    /** Whether the breaker heard this stream's outcome; guarded by this. */
    private boolean judged;
    /** The count last acknowledged; gRPC delivers acks one at a time. */
    private long acked;
    /** Set by {@link #cancel} before the cancel, so that the failure it causes is not held against the downstream. */
    private volatile boolean leaving;

    Call(Listener listener) {
      this.listener = listener;
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<WriteRequest> requestStream) {
      this.requests = requestStream;
    }

    @Override
    public void send(Record record) {
      if (ended.get() || requests == null) {
        return; // the listener heard of the end; the forwarder resends on a new stream
      }
      requests.onNext(RemoteRecordSink.toRequest(record, downstreamSink));
    }

    @Override
    public void cancel(String why) {
      leaving = true;
      timedOut(why);
    }

    @Override
    public void timedOut(String why) {
      if (requests != null && !ended.get()) {
        requests.cancel(why, null); // onError(CANCELLED) follows and ends the stream
      } else {
        end(-1, new RecordRejectedException(RecordRejectedException.Reason.UNAVAILABLE, why));
      }
    }

    @Override
    public void finish() {
      if (requests != null && !ended.get()) {
        requests.onCompleted();
      }
    }

    @Override
    public void onNext(WriteAck ack) {
      if (ack.getCount() > acked) {
        retry.delivered(ack.getCount() - acked);
        acked = ack.getCount();
        judge(null);
      }
      if (!ended.get()) {
        listener.acked(ack.getCount(), 0);
      }
    }

    /** Tells the breaker the stream's outcome, once: its first progress, or how it ended. */
    private void judge(Throwable failure) {
      synchronized (this) {
        if (!admitted || judged) {
          return;
        }
        judged = true;
      }
      if (leaving) {
        retry.release(permit);
      } else {
        retry.outcome(permit, failure);
      }
    }

    @Override
    public void onError(Throwable t) {
      SinkException e = SinkException.from(t);
      end(failedIndex(e.description()), RemoteRecordSink.rejection(route, targets, e));
    }

    @Override
    public void onCompleted() {
      end(-1, null);
    }

    void end(long index, RecordRejectedException cause) {
      judge(cause);
      if (ended.compareAndSet(false, true)) {
        listener.ended(index, cause);
      }
    }
  }

  /** Closes the channel: streams in flight get up to 5 s, then are cancelled. Idempotent. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      try {
        client.close();
      } finally {
        scheduler.close();
      }
    }
  }

  @Override
  public String toString() {
    return "StreamDownstream(" + route + " -> " + targets + ", window " + windowRecords + " records / "
        + windowBytes + " bytes, ack timeout " + ackTimeout.toMillis() + "ms)";
  }
}
