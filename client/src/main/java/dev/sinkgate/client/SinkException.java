package dev.sinkgate.client;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.RetryInfo;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.time.Duration;
import java.util.Optional;

/**
 * The one exception type the client throws for a failed call: the gRPC status code, the
 * gateway's description, whether a retry can succeed, and when ({@code RetryInfo}).
 *
 * <p>{@link #retryable()} is true for {@code UNAVAILABLE} and {@code RESOURCE_EXHAUSTED},
 * the codes the client retries by itself; when it still throws one of them, its retries
 * ran out. Everything else is final: {@code INVALID_ARGUMENT} and {@code NOT_FOUND} will
 * fail the same way again, {@code DEADLINE_EXCEEDED} may or may not have stored the
 * record, {@code INTERNAL} is a bug.
 */
public class SinkException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final Status.Code code;
  private final String description;
  private final transient Duration retryAfter;

  protected SinkException(Status.Code code, String description, Duration retryAfter, Throwable cause) {
    super(code + ": " + description, cause);
    this.code = code;
    this.description = description;
    this.retryAfter = retryAfter;
  }

  /** Wraps any failure of a call; a {@code SinkException} is returned as it is. */
  public static SinkException from(Throwable t) {
    Throwable c = t;
    while (c instanceof java.util.concurrent.CompletionException || c instanceof java.util.concurrent.ExecutionException) {
      if (c.getCause() == null) {
        break;
      }
      c = c.getCause();
    }
    if (c instanceof SinkException s) {
      return s;
    }
    if (c instanceof StatusRuntimeException || c instanceof StatusException) {
      Status status = Status.fromThrowable(c);
      String description = status.getDescription() == null ? "(no description)" : status.getDescription();
      return new SinkException(status.getCode(), description, retryInfo(c), c);
    }
    Status status = Status.fromThrowable(c);
    return new SinkException(status.getCode(), String.valueOf(c), null, c);
  }

  private static Duration retryInfo(Throwable t) {
    com.google.rpc.Status details = StatusProto.fromThrowable(t);
    if (details == null) {
      return null;
    }
    for (com.google.protobuf.Any any : details.getDetailsList()) {
      if (any.is(RetryInfo.class)) {
        try {
          com.google.protobuf.Duration d = any.unpack(RetryInfo.class).getRetryDelay();
          return Duration.ofSeconds(d.getSeconds(), d.getNanos());
        } catch (InvalidProtocolBufferException e) {
          return null;
        }
      }
    }
    return null;
  }

  public Status.Code code() {
    return code;
  }

  /** What the gateway said was wrong. */
  public String description() {
    return description;
  }

  /** True if the same request can succeed later: {@code UNAVAILABLE} or {@code RESOURCE_EXHAUSTED}. */
  public boolean retryable() {
    return code == Status.Code.UNAVAILABLE || code == Status.Code.RESOURCE_EXHAUSTED;
  }

  /** The delay the server advised ({@code google.rpc.RetryInfo}), if it sent one. */
  public Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }
}
