package dev.sinkgate.server.remote;

import dev.sinkgate.client.RetryPolicy;
import dev.sinkgate.client.SinkClient;
import dev.sinkgate.client.SinkException;
import dev.sinkgate.proto.v1.Durability;
import dev.sinkgate.proto.v1.WriteRequest;
import dev.sinkgate.server.sink.Accepted;
import dev.sinkgate.server.sink.Record;
import dev.sinkgate.server.sink.RecordRejectedException;
import dev.sinkgate.server.sink.RecordRejectedException.Reason;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A route whose records go to another server implementing {@code sinkgate.v1.Sink} (another
 * gateway, or a sink in any language): one unary Write per record, through a
 * {@link SinkClient}. Key, headers, producer id and sequence travel with the record; the
 * answer is {@link Durability#DURABILITY_DOWNSTREAM}, with the downstream's offset and
 * duplicate flag.
 *
 * <p>One attempt per record, with the deadline {@code min(timeout, the record's deadline)};
 * retries, the breaker and the spool are decorators around this sink. A downstream failure
 * becomes a {@link RecordRejectedException} whose message names the downstream's status code
 * and description: {@code UNAVAILABLE}, {@code CANCELLED}, {@code ABORTED} →
 * {@link Reason#UNAVAILABLE}; {@code RESOURCE_EXHAUSTED} → {@link Reason#QUEUE_FULL} with the
 * downstream's RetryInfo; {@code DEADLINE_EXCEEDED} → {@link Reason#DEADLINE} (all retryable);
 * {@code NOT_FOUND} → {@link Reason#NO_SUCH_ROUTE}; everything else ({@code INVALID_ARGUMENT},
 * {@code FAILED_PRECONDITION}, {@code INTERNAL}, …) → {@link Reason#INVALID}, not retryable.
 *
 * <p>Order: records are sent in the order appended, but calls run concurrently, so with
 * several targets or a retry a later record can be stored downstream before an earlier one.
 * A route that needs the downstream to see its order puts a spool in front, which forwards
 * in order.
 *
 * <p>Owns its client (and so its channel) and closes it in {@link #close()}. Thread-safe.
 */
public final class RemoteRecordSink implements dev.sinkgate.server.sink.RecordSink {
  /** The per-attempt timeout of a route that does not set one. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);

  private final String route;
  private final SinkClient client;
  private final String downstreamSink;
  private final Duration timeout;
  private final String targets;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final CompletableFuture<Void> opened = new CompletableFuture<>();

  /**
   * Forwards to {@code client}, which this sink then owns.
   *
   * @param route the route's name, for messages
   * @param downstreamSink the {@code sink} field of the forwarded requests
   * @param timeout the longest one attempt may take
   */
  public RemoteRecordSink(String route, SinkClient client, String downstreamSink, Duration timeout) {
    this.route = Objects.requireNonNull(route, "route");
    this.client = Objects.requireNonNull(client, "client");
    this.downstreamSink = Objects.requireNonNull(downstreamSink, "downstreamSink");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout: " + timeout + " (expected: > 0)");
    }
    this.timeout = timeout;
    this.targets = client.target();
  }

  /**
   * Completes once the channel has connected to the downstream for the first time (for a
   * sink made by {@link #open}, which asks its channel to connect at once); at once for a
   * sink on a client someone else made, whose channel is theirs to connect.
   */
  @Override
  public CompletionStage<Void> opened() {
    return opened;
  }

  /** Resolves and connects the channel now, not on the first record; {@link #opened} completes on READY. */
  private RemoteRecordSink connectNow() {
    if (!(client.channel() instanceof ManagedChannel channel)) {
      opened.complete(null);
      return this;
    }
    try {
      awaitConnected(channel, channel.getState(true));
    } catch (UnsupportedOperationException e) {
      opened.complete(null); // a channel that does not report its state: nothing to wait for
    }
    return this;
  }

  /**
   * Completes {@link #opened} the first time {@code channel} is READY. The completion runs
   * on another thread: what waits on it (health, the ready line) must not run in the
   * channel's own serial executor.
   */
  private void awaitConnected(ManagedChannel channel, ConnectivityState state) {
    if (state == ConnectivityState.READY) {
      opened.completeAsync(() -> null);
    } else if (state != ConnectivityState.SHUTDOWN) {
      channel.notifyWhenStateChanged(state, () -> awaitConnected(channel, channel.getState(true)));
    }
  }

  /**
   * Opens a channel to {@code targets}: one {@code host:port}, {@code dns:///name:port} or
   * {@code unix:/path}, or several {@code host:port} (round-robin over them).
   */
  public static RemoteRecordSink open(String route, List<String> targets, String downstreamSink, Duration timeout) {
    return new RemoteRecordSink(route, client(targets, timeout), downstreamSink, timeout).connectNow();
  }

  /** A client of its own channel to {@code targets}: no retries (the route's layers decide), 5 s to close. */
  static SinkClient client(List<String> targets, Duration timeout) {
    return SinkClient.builder(targets)
        .directExecutor() // completions only complete futures and answer callers: never block
        .deadline(timeout)
        .retryPolicy(RetryPolicy.none())
        .closeTimeout(Duration.ofSeconds(5))
        .build();
  }

  @Override
  public CompletableFuture<Accepted> append(Record record) {
    if (closed.get()) {
      return CompletableFuture.failedFuture(new RecordRejectedException(Reason.UNAVAILABLE,
          "route '" + route + "' is closed"));
    }
    long attemptNanos = attemptNanos(record, timeout);
    if (attemptNanos <= 0) {
      return CompletableFuture.failedFuture(new RecordRejectedException(Reason.DEADLINE,
          "route '" + route + "': the record's deadline passed before it was forwarded"));
    }
    WriteRequest request = toRequest(record, downstreamSink);
    CompletableFuture<Accepted> result = new CompletableFuture<>();
    try {
      client.writeAsync(request, Duration.ofNanos(attemptNanos)).whenComplete((r, t) -> {
        if (t == null) {
          result.complete(new Accepted(r.getWritten(), Durability.DURABILITY_DOWNSTREAM, r.getOffset(),
              r.getDuplicate()));
        } else {
          result.completeExceptionally(rejection(SinkException.from(t)));
        }
      });
    } catch (IllegalStateException closing) { // the client closed between the check and the call
      result.completeExceptionally(new RecordRejectedException(Reason.UNAVAILABLE, "route '" + route + "' is closed"));
    }
    return result;
  }

  /** How long one attempt at forwarding {@code record} may take: min({@code timeout}, its deadline); <= 0 if passed. */
  static long attemptNanos(Record record, Duration timeout) {
    if (record.deadlineNanos() == Long.MAX_VALUE) {
      return timeout.toNanos();
    }
    return Math.min(timeout.toNanos(), record.deadlineNanos() - System.nanoTime());
  }

  /**
   * The request that forwards {@code record} to the downstream route {@code sink}: key,
   * headers, producer id and sequence, and the record's payload as it is (the same
   * {@code ByteString}, not a copy).
   */
  public static WriteRequest toRequest(Record record, String sink) {
    return WriteRequest.newBuilder()
        .setSink(sink)
        .setKey(record.key())
        .putAllHeaders(record.headers())
        .setData(record.data())
        .setProducerId(record.producerId())
        .setSequence(record.sequence())
        .build();
  }

  /**
   * The downstream's failure as a rejection, its code and description in the message. Only
   * codes that speak of the record itself (INVALID_ARGUMENT, OUT_OF_RANGE, FAILED_PRECONDITION,
   * ALREADY_EXISTS) make it INVALID, the one reason a spool moves a record to its dead
   * letters. Codes that speak of the downstream as a whole (UNIMPLEMENTED: not a Sink;
   * UNAUTHENTICATED, PERMISSION_DENIED: not let in; UNKNOWN, INTERNAL, DATA_LOSS: its bug)
   * are UNAVAILABLE: every record would get the same answer, so they are retried and count
   * against the breaker, and a spool keeps its backlog until the downstream is mended.
   */
  RecordRejectedException rejection(SinkException e) {
    return rejection(route, targets, e);
  }

  /** As {@link #rejection(SinkException)}, for a downstream of {@code route} at {@code targets}. */
  static RecordRejectedException rejection(String route, String targets, SinkException e) {
    String message = "route '" + route + "': downstream " + targets + " answered " + e.code() + ": " + e.description();
    return switch (e.code()) {
      case RESOURCE_EXHAUSTED -> new RecordRejectedException(Reason.QUEUE_FULL, message, e.retryAfter().orElse(null));
      case DEADLINE_EXCEEDED -> new RecordRejectedException(Reason.DEADLINE, message);
      case NOT_FOUND -> new RecordRejectedException(Reason.NO_SUCH_ROUTE, message);
      case INVALID_ARGUMENT, OUT_OF_RANGE, FAILED_PRECONDITION, ALREADY_EXISTS ->
          new RecordRejectedException(Reason.INVALID, message);
      default -> new RecordRejectedException(Reason.UNAVAILABLE, message,
          e.retryAfter().orElse(DOWNSTREAM_FAILED_RETRY));
    };
  }

  /** The retry delay advised when a downstream fails as a whole without saying when to retry. */
  static final Duration DOWNSTREAM_FAILED_RETRY = Duration.ofSeconds(1);

  /** Closes the channel: calls in flight get up to 5 s, then are cancelled. Idempotent. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      client.close();
    }
  }

  @Override
  public String toString() {
    return "RemoteRecordSink(" + route + " -> " + targets + ", timeout " + timeout.toMillis() + "ms)";
  }
}
