package dev.sinkgate.client;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.MoreExecutors;
import com.google.protobuf.ByteString;
import dev.sinkgate.proto.v1.SinkGrpc;
import dev.sinkgate.proto.v1.WriteRequest;
import dev.sinkgate.proto.v1.WriteResponse;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.Deadline;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.netty.channel.ChannelOption;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The Java client of a sinkgate gateway (or of anything that serves {@code sinkgate.v1.Sink}).
 *
 * <pre>{@code
 * try (SinkClient client = SinkClient.connect("localhost:50051")) {
 *   DataSink audit = client.sink("audit");
 *   audit.write("hello".getBytes(UTF_8));                         // blocking, with deadline and retries
 *   client.writeAsync(request).thenAccept(r -> ...);               // async
 *   try (StreamWriter w = client.openStream()) { w.write("audit", bytes); }  // streaming
 *   WireSink foreign = client.bindMethod(BindingSpec.method("acme.audit.v1.AuditLog/Append")); // any bytes -> count method
 * }
 * }</pre>
 *
 * <p>Every call has a deadline ({@link Builder#deadline}, 10 s unless set). Calls that
 * fail with {@code UNAVAILABLE} or {@code RESOURCE_EXHAUSTED} are retried by the
 * {@link RetryPolicy} — never sooner than the server's {@code RetryInfo} advises, never
 * past the deadline; nothing else is retried. Failures surface as {@link SinkException}.
 * A retried record may be stored twice if the first attempt reached the sink before the
 * connection failed; idempotent writes ({@code producer_id} + {@code sequence}) prevent that.
 *
 * <p>A client built from a target owns its channel and closes it in {@link #close()}
 * (graceful, bounded by {@link Builder#closeTimeout}, then forced). A client built on a
 * {@link Channel} does not own it. Thread-safe.
 */
public final class SinkClient implements AutoCloseable {
  private final Channel channel;
  private final ManagedChannel owned;
  private final Duration deadline;
  private final Duration closeTimeout;
  private final RetryPolicy retry;
  private final ScheduledExecutorService scheduler;
  private final String target;
  private volatile boolean closed;
  /** Calls waiting for a scheduled retry, with the failure to report if close() drops the retry. */
  private final java.util.Map<CompletableFuture<?>, SinkException> retrying =
      new java.util.concurrent.ConcurrentHashMap<>();

  private SinkClient(Builder b) {
    this.target = b.target;
    this.owned = b.channel == null ? newChannel(b.targets, b.directExecutor) : null;
    this.channel = b.channel == null ? owned : b.channel;
    this.deadline = b.deadline;
    this.closeTimeout = b.closeTimeout;
    this.retry = b.retry;
    this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "sinkgate-client-retry");
      t.setDaemon(true);
      return t;
    });
  }

  private static ManagedChannel newChannel(List<String> targets, boolean directExecutor) {
    // "host:port", "dns:///host:port" (round-robin over every address), "unix:/path";
    // several host:port targets: round-robin over the list (a resolver of this channel's own).
    var builder = targets.size() == 1
        ? Grpc.newChannelBuilder(targets.get(0), InsecureChannelCredentials.create())
        : Grpc.newChannelBuilder(StaticTargets.target(), InsecureChannelCredentials.create(),
            StaticTargets.registry(targets));
    if (directExecutor) {
      builder.directExecutor();
    }
    if (targets.size() == 1 && targets.get(0).regionMatches(true, 0, "unix:", 0, 5)
        && builder instanceof NettyChannelBuilder netty) {
      // grpc-java asks every connection for TCP keep-alive; a Unix socket has none, and Netty
      // would log "Unknown channel option 'SO_KEEPALIVE'" for each one. (HTTP/2 keep-alive pings
      // are separate and unaffected.)
      netty.withOption(ChannelOption.SO_KEEPALIVE, null);
    }
    return builder.defaultLoadBalancingPolicy("round_robin").build();
  }

  /** A client with default settings for {@code target}, owning its channel. */
  public static SinkClient connect(String target) {
    return builder(target).build();
  }

  /** A builder for a client that opens and owns a channel to {@code target}. */
  public static Builder builder(String target) {
    Objects.requireNonNull(target, "target");
    if (target.isBlank()) {
      throw new IllegalArgumentException("target: '' (expected: host:port, dns:///host:port or unix:/path)");
    }
    return new Builder(target, List.of(target), null);
  }

  /**
   * A builder for a client that opens and owns a channel to {@code targets}: one target of
   * any form {@link #builder(String)} takes, or several {@code host:port}, which the client
   * round-robins over.
   */
  public static Builder builder(List<String> targets) {
    Objects.requireNonNull(targets, "targets");
    if (targets.size() == 1) {
      return builder(targets.get(0));
    }
    if (targets.isEmpty()) {
      throw new IllegalArgumentException("targets: [] (expected: one or more targets)");
    }
    StaticTargets.registry(targets); // validates each one now, not when the channel starts
    return new Builder(String.join(",", targets), List.copyOf(targets), null);
  }

  /** A builder for a client on an existing channel, which the client will not close. */
  public static Builder builder(Channel channel) {
    Objects.requireNonNull(channel, "channel");
    return new Builder(channel.authority(), List.of(), channel);
  }

  /**
   * A {@link DataSink} bound to route {@code sink}: each {@code write} is a blocking unary
   * Write with this client's deadline and retries. Closing it does not close the client.
   */
  public DataSink sink(String sink) {
    Objects.requireNonNull(sink, "sink");
    return new DataSink() {
      @Override
      public int write(byte[] data) {
        WriteResponse r = SinkClient.this.write(WriteRequest.newBuilder()
            .setSink(sink).setData(ByteString.copyFrom(data)).build());
        return (int) r.getWritten();
      }

      @Override
      public String toString() {
        return "SinkClient(" + target + ").sink(" + sink + ")";
      }
    };
  }

  /** Writes one record and waits for the answer. @throws SinkException if it failed */
  public WriteResponse write(WriteRequest request) {
    try {
      return writeAsync(request).join();
    } catch (java.util.concurrent.CompletionException e) {
      throw SinkException.from(e);
    }
  }

  /** Writes {@code data} to route {@code sink} and waits for the answer. */
  public WriteResponse write(String sink, byte[] data) {
    return write(WriteRequest.newBuilder().setSink(sink).setData(ByteString.copyFrom(data)).build());
  }

  /**
   * Writes one record; the future completes with the response or fails with a
   * {@link SinkException} once retries are exhausted or the deadline passed.
   */
  public CompletableFuture<WriteResponse> writeAsync(WriteRequest request) {
    return writeAsync(request, deadline);
  }

  /** Like {@link #writeAsync(WriteRequest)}, with {@code callDeadline} (retries included) instead of the client's. */
  public CompletableFuture<WriteResponse> writeAsync(WriteRequest request, Duration callDeadline) {
    return callAsync(SinkGrpc.getWriteMethod(), request, callDeadline);
  }

  /**
   * One unary call of any method on this client's channel, with this client's retries: the
   * loop behind {@link #writeAsync} and behind sinks bound to foreign methods ({@link WireSink}),
   * so every call the client makes retries, meets its deadline and fails the same way.
   */
  <Q, R> CompletableFuture<R> callAsync(MethodDescriptor<Q, R> method, Q request, Duration callDeadline) {
    checkOpen();
    CompletableFuture<R> result = new CompletableFuture<>();
    attempt(method, request, 1, Deadline.after(callDeadline.toNanos(), TimeUnit.NANOSECONDS), result);
    return result;
  }

  private <Q, R> void attempt(MethodDescriptor<Q, R> method, Q request, int attempt, Deadline callDeadline,
      CompletableFuture<R> result) {
    var call = ClientCalls.futureUnaryCall(channel.newCall(method, CallOptions.DEFAULT.withDeadline(callDeadline)), request);
    Futures.addCallback(call, new FutureCallback<>() {
      @Override
      public void onSuccess(R r) {
        result.complete(r);
      }

      @Override
      public void onFailure(Throwable t) {
        SinkException e = SinkException.from(t);
        if (!e.retryable() || attempt >= retry.maxAttempts() || closed) {
          result.completeExceptionally(e);
          return;
        }
        Duration wait = retry.delay(attempt, ThreadLocalRandom.current().nextDouble(), e.retryAfter().orElse(null));
        if (callDeadline.timeRemaining(TimeUnit.NANOSECONDS) <= wait.toNanos()) {
          result.completeExceptionally(e); // the next attempt could not start before the deadline
          return;
        }
        retrying.put(result, e);
        try {
          scheduler.schedule(() -> {
            retrying.remove(result);
            attempt(method, request, attempt + 1, callDeadline, result);
          }, wait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.RejectedExecutionException closing) {
          retrying.remove(result);
          result.completeExceptionally(e);
        }
      }
    }, MoreExecutors.directExecutor());
  }

  /**
   * Binds a foreign unary method shaped like the contract — a {@code bytes} field in, an
   * integer count (or nothing) out — as a sink on this client's channel, with this client's
   * deadline, retries and {@link SinkException}s. The method's types come from
   * {@code spec}'s descriptor set, or else from the server's reflection service; they are
   * checked here, once, and writes make no further lookups. Closing the sink does not close
   * this client.
   *
   * @throws BindingException if the method does not exist or does not fit, saying why
   * @throws SinkException if the server could not be asked (unreachable, deadline)
   */
  public WireSink bindMethod(BindingSpec spec) {
    Objects.requireNonNull(spec, "spec");
    checkOpen();
    var service = spec.descriptorSet() != null
        ? DescriptorSetFile.service(spec.descriptorSet(), spec.service())
        : ReflectionDescriptors.service(channel, target, spec.service(),
            Deadline.after(deadline.toNanos(), TimeUnit.NANOSECONDS));
    return new WireSink(this, MethodBinding.of(service, spec));
  }

  /** Each call's deadline, retries included. */
  Duration deadline() {
    return deadline;
  }

  /** Opens a WriteStream with the default window of 1024 records in flight. */
  public StreamWriter openStream() {
    return openStream(StreamWriter.DEFAULT_WINDOW);
  }

  /**
   * Opens a WriteStream that keeps at most {@code window} records unacknowledged:
   * {@link StreamWriter#write} blocks beyond that, and while the transport says it is not
   * ready. The stream has no deadline of its own; each blocking step is bounded by this
   * client's deadline.
   */
  public StreamWriter openStream(int window) {
    checkOpen();
    return new StreamWriter(SinkGrpc.newStub(channel), window, deadline);
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("SinkClient(" + target + ") is closed");
    }
  }

  /**
   * Closes the channel if this client owns it: graceful shutdown, waiting up to the close
   * timeout for calls in flight, then forced. Idempotent; restores the interrupt flag.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    scheduler.shutdownNow();
    retrying.forEach((f, e) -> f.completeExceptionally(e)); // their retries were dropped just now
    retrying.clear();
    if (owned == null) {
      return;
    }
    owned.shutdown();
    try {
      if (!owned.awaitTermination(closeTimeout.toNanos(), TimeUnit.NANOSECONDS)) {
        owned.shutdownNow();
        owned.awaitTermination(1, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      owned.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  /**
   * The channel this client calls through, for calls the client has no method for (a
   * {@code WriteStream} with its own flow control). The client still owns it when it opened
   * it: do not close it.
   */
  public Channel channel() {
    return channel;
  }

  /** The target(s) this client was built for, as given (several joined by commas), or the channel's authority. */
  public String target() {
    return target;
  }

  @Override
  public String toString() {
    return "SinkClient(" + target + ", deadline " + deadline.toMillis() + "ms, " + retry + ")";
  }

  /** Builds a {@link SinkClient}. */
  public static final class Builder {
    private final String target;
    private final List<String> targets;
    private final Channel channel;
    private Duration deadline = Duration.ofSeconds(10);
    private Duration closeTimeout = Duration.ofSeconds(5);
    private RetryPolicy retry = RetryPolicy.defaults();
    private boolean directExecutor;

    private Builder(String target, List<String> targets, Channel channel) {
      this.target = target;
      this.targets = targets;
      this.channel = channel;
    }

    /** Deadline of each call, retries included (default 10 s). */
    public Builder deadline(Duration d) {
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException("deadline: " + d + " (expected: > 0)");
      }
      this.deadline = d;
      return this;
    }

    /** How long {@link #close()} waits for calls in flight before forcing (default 5 s). */
    public Builder closeTimeout(Duration d) {
      if (d.isNegative()) {
        throw new IllegalArgumentException("closeTimeout: " + d + " (expected: >= 0)");
      }
      this.closeTimeout = d;
      return this;
    }

    /**
     * Runs the completions of {@link #writeAsync} futures and stream acks on the transport's
     * own threads (the channel's {@code directExecutor}), saving a thread hand-off per call.
     * Only for callers whose callbacks never block, such as the gateway forwarding to a
     * downstream; a blocking callback would stall every call on the connection. Ignored for
     * a client built on a given channel.
     */
    public Builder directExecutor() {
      this.directExecutor = true;
      return this;
    }

    public Builder retryPolicy(RetryPolicy policy) {
      this.retry = Objects.requireNonNull(policy, "policy");
      return this;
    }

    public SinkClient build() {
      return new SinkClient(this);
    }
  }
}
