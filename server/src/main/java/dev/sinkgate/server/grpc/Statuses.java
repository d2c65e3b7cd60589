package dev.sinkgate.server.grpc;

import com.google.protobuf.Any;
import com.google.rpc.RetryInfo;
import dev.sinkgate.client.SinkException;
import dev.sinkgate.server.sink.RecordRejectedException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * The one place that turns a failure into a gRPC status. Retryable statuses carry
 * {@code google.rpc.RetryInfo}; anything unexpected is {@code INTERNAL}, because that
 * only ever means a bug.
 */
public final class Statuses {
  private Statuses() {}

  /**
   * The exception to pass to {@code onError} for {@code t}.
   *
   * @param prefix put before the description (e.g. which record of a stream), may be empty
   * @param routeName the route whose sink failed, named in the description of a bug
   */
  public static StatusRuntimeException toException(Throwable t, String prefix, String routeName) {
    Throwable cause = unwrap(t);
    if (cause instanceof StatusRuntimeException sre) {
      return sre;
    }
    if (cause instanceof SinkException se) {
      // A mounted DataSink that is itself a sinkgate client (gateways chain): keep the meaning of its status.
      String message = prefix + "route '" + routeName + "': downstream answered " + se.getMessage();
      Status status = Status.fromCode(se.code());
      return se.retryable() ? withRetryInfo(status, message, se.retryAfter().orElse(null))
          : status.withDescription(message).asRuntimeException();
    }
    if (cause instanceof RecordRejectedException r) {
      String message = prefix + r.getMessage();
      return switch (r.reason()) {
        case INVALID -> Status.INVALID_ARGUMENT.withDescription(message).asRuntimeException();
        case NO_SUCH_ROUTE -> Status.NOT_FOUND.withDescription(message).asRuntimeException();
        case QUEUE_FULL, STORAGE_FULL -> withRetryInfo(Status.RESOURCE_EXHAUSTED, message, r.retryAfter());
        case UNAVAILABLE -> withRetryInfo(Status.UNAVAILABLE, message, r.retryAfter());
        case DEADLINE -> Status.DEADLINE_EXCEEDED.withDescription(message).asRuntimeException();
      };
    }
    return Status.INTERNAL
        .withDescription(prefix + "route '" + routeName + "' failed with " + cause + " (a bug in the sink or the gateway)")
        .withCause(cause)
        .asRuntimeException();
  }

  /** {@code status} with {@code description} and a RetryInfo detail saying to retry after {@code delay}. */
  public static StatusRuntimeException withRetryInfo(Status status, String description, Duration delay) {
    Duration d = delay == null ? Duration.ofSeconds(1) : delay;
    RetryInfo retry = RetryInfo.newBuilder()
        .setRetryDelay(com.google.protobuf.Duration.newBuilder()
            .setSeconds(d.getSeconds()).setNanos(d.getNano()))
        .build();
    com.google.rpc.Status proto = com.google.rpc.Status.newBuilder()
        .setCode(status.getCode().value())
        .setMessage(description)
        .addDetails(Any.pack(retry))
        .build();
    return StatusProto.toStatusRuntimeException(proto);
  }

  private static Throwable unwrap(Throwable t) {
    Throwable c = t;
    while ((c instanceof CompletionException || c instanceof ExecutionException) && c.getCause() != null) {
      c = c.getCause();
    }
    return c;
  }
}
