package dev.sinkgate.server.sink;

import java.time.Duration;
import java.util.Objects;

/**
 * A record was not accepted, for a reason the caller can act on. The reason says
 * whether a retry can succeed; {@link #retryAfter()} says when. Anything else a sink
 * throws is a bug.
 */
public final class RecordRejectedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Why a record was not accepted. */
  public enum Reason {
    /** The request is wrong (bad sink name, record too large). Not retryable. */
    INVALID(false),
    /** No route has that name. Not retryable. */
    NO_SUCH_ROUTE(false),
    /** A bounded queue is full. Retryable after {@link #retryAfter()}. */
    QUEUE_FULL(true),
    /** The storage behind the sink is full (no space on the disk). Retryable once space is freed. */
    STORAGE_FULL(true),
    /** The sink cannot accept records now (closing, failed, downstream down). Retryable. */
    UNAVAILABLE(true),
    /** The caller's deadline passed before the record was written. */
    DEADLINE(true);

    private final boolean retryable;

    Reason(boolean retryable) {
      this.retryable = retryable;
    }

    public boolean retryable() {
      return retryable;
    }
  }

  private final Reason reason;
  private final Duration retryAfter;

  public RecordRejectedException(Reason reason, String message, Duration retryAfter) {
    super(message, null, false, false);
    this.reason = Objects.requireNonNull(reason, "reason");
    this.retryAfter = retryAfter;
  }

  public RecordRejectedException(Reason reason, String message) {
    this(reason, message, null);
  }

  public Reason reason() {
    return reason;
  }

  /** When a retry is reasonable, or null if the reason is not retryable. */
  public Duration retryAfter() {
    return retryAfter;
  }
}
