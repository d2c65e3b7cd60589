package dev.sinkgate.client;

import com.google.protobuf.ByteString;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * A foreign gRPC method bound as a sink: made by {@link SinkClient#bindMethod}, which checks
 * the method's shape once; each write is then one unary call with dynamic messages, through
 * the client's deadline and retries, and no reflection.
 *
 * <pre>{@code
 * try (SinkClient client = SinkClient.connect("audit.internal:9000")) {
 *   WireSink audit = client.bindMethod(BindingSpec.method("acme.audit.v1.AuditLog/Append").keyField("source"));
 *   audit.write(record);                                  // DataSink: blocking, returns the count
 *   audit.writeAsync(ByteString.copyFrom(record), "billing", Map.of("env", "prod")).thenAccept(...);
 * }
 * }</pre>
 *
 * <p>The count is the reply's count field, or the record's length for an empty reply; a
 * count that is negative or larger than the record fails the write ({@code INTERNAL}: the
 * binding reads the wrong field, not retried). Failures are {@link SinkException}s, as from
 * {@link SinkClient}. Thread-safe. Closing it does not close the client; writing after
 * close throws {@link IllegalStateException}.
 */
public final class WireSink implements DataSink {
  private final SinkClient client;
  private final MethodBinding binding;
  private volatile boolean closed;

  WireSink(SinkClient client, MethodBinding binding) {
    this.client = client;
    this.binding = binding;
  }

  /** What was bound: method, fields, count. */
  public MethodBinding binding() {
    return binding;
  }

  /** Writes one record and waits for its count. @throws SinkException if it failed */
  @Override
  public int write(byte[] data) {
    return Math.toIntExact(write(ByteString.copyFrom(data), null, null));
  }

  /**
   * Writes one record with its key and headers (either may be null; carried only when the
   * binding maps them) and waits for its count.
   *
   * @throws SinkException if it failed
   */
  public long write(ByteString data, String key, Map<String, String> headers) {
    try {
      return writeAsync(data, key, headers).join();
    } catch (CompletionException e) {
      throw SinkException.from(e);
    }
  }

  /** Writes one record; the future completes with its count or fails with a {@link SinkException}. */
  public CompletableFuture<Long> writeAsync(byte[] data) {
    return writeAsync(ByteString.copyFrom(data), null, null);
  }

  /** Like {@link #write(ByteString, String, Map)}, without waiting. */
  public CompletableFuture<Long> writeAsync(ByteString data, String key, Map<String, String> headers) {
    return writeAsync(data, key, headers, client.deadline());
  }

  /** Like {@link #writeAsync(ByteString, String, Map)}, with this call's own deadline (retries included). */
  public CompletableFuture<Long> writeAsync(ByteString data, String key, Map<String, String> headers,
      Duration callDeadline) {
    Objects.requireNonNull(data, "data");
    Objects.requireNonNull(callDeadline, "callDeadline");
    if (closed) {
      throw new IllegalStateException(this + " is closed");
    }
    int length = data.size();
    return client.callAsync(binding.grpcMethod(), binding.request(data, key, headers), callDeadline)
        .thenApply(reply -> binding.count(reply, length));
  }

  @Override
  public void close() {
    closed = true;
  }

  @Override
  public String toString() {
    return "SinkClient(" + client.target() + ").bindMethod(" + binding.describe() + ")";
  }
}
