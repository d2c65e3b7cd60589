package dev.sinkgate.server.remote;

import dev.sinkgate.client.RetryPolicy;
import dev.sinkgate.server.sink.Accepted;
import dev.sinkgate.server.sink.ForwardingRecordSink;
import dev.sinkgate.server.sink.Record;
import dev.sinkgate.server.sink.RecordRejectedException;
import dev.sinkgate.server.sink.RecordRejectedException.Reason;
import dev.sinkgate.server.sink.RecordSink;
import dev.sinkgate.server.sink.StreamFence;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.DoubleSupplier;

/**
 * Retries a record the delegate rejected for a retryable reason ({@link Reason#retryable()}),
 * with the backoff of a {@link RetryPolicy} (exponential, jittered), and:
 * <ul>
 *   <li>never sooner than the failure's {@code retryAfter} (the downstream's RetryInfo, or
 *       the breaker's remaining open time);
 *   <li>never past the record's deadline: when the next attempt could not start before it,
 *       the last failure is the answer;
 *   <li>only while the {@link RetryBudget} has a token, so an outage adds at most
 *       {@code ratio} × calls (+ burst) attempts instead of multiplying them.
 * </ul>
 * A non-retryable failure is answered at once. The answer to a record that was not accepted
 * is the last attempt's failure, so its status and RetryInfo reach the caller.
 *
 * <p>{@link #close()} stops retrying: records waiting for a retry fail with their last failure
 * (none of them was acknowledged), then the scheduler and the delegate are closed. The
 * scheduler is owned by this sink.
 */
public final class RetryingSink extends ForwardingRecordSink {
  private final RetryPolicy policy;
  private final RetryBudget.Bucket budget;
  private final Scheduler scheduler;
  private final DoubleSupplier random;
  private final AtomicBoolean closed = new AtomicBoolean();
  /** Records waiting for a retry, with the failure to answer if close() drops the retry. */
  private final Map<CompletableFuture<Accepted>, Throwable> waiting = new ConcurrentHashMap<>();

  /**
   * Retries {@code delegate} (owned) per {@code policy} within {@code budget}, timing with
   * {@code scheduler} (owned); {@code random} gives the jitter, uniform in [0, 1).
   */
  public RetryingSink(RecordSink delegate, RetryPolicy policy, RetryBudget budget, Scheduler scheduler,
      DoubleSupplier random) {
    super(delegate);
    this.policy = Objects.requireNonNull(policy, "policy");
    this.budget = budget.newBucket();
    this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
    this.random = Objects.requireNonNull(random, "random");
  }

  @Override
  public CompletableFuture<Accepted> append(Record record) {
    CompletableFuture<Accepted> result = new CompletableFuture<>();
    budget.deposit();
    attempt(record, 1, result);
    return result;
  }

  private void attempt(Record record, int attempt, CompletableFuture<Accepted> result) {
    CompletableFuture<Accepted> call;
    try {
      call = delegate.append(record);
    } catch (RuntimeException e) {
      result.completeExceptionally(e);
      return;
    }
    call.whenComplete((accepted, t) -> {
      if (t == null) {
        result.complete(accepted);
        return;
      }
      Throwable cause = t instanceof java.util.concurrent.CompletionException && t.getCause() != null ? t.getCause() : t;
      Duration wait = retryDelay(cause, record, attempt);
      if (wait == null) {
        result.completeExceptionally(cause);
        return;
      }
      waiting.put(result, cause);
      try {
        if (closed.get()) {
          throw new RejectedExecutionException("closed");
        }
        scheduler.schedule(() -> {
          if (waiting.remove(result) == null) {
            return;
          }
          if (StreamFence.closed(record)) {
            // The call was cancelled (or an earlier record of its stream refused) while this one
            // waited: nobody would be told it was stored, so it is not tried again.
            result.completeExceptionally(cause);
            return;
          }
          attempt(record, attempt + 1, result);
        }, wait);
      } catch (RejectedExecutionException closing) {
        if (waiting.remove(result) != null) {
          result.completeExceptionally(cause);
        }
      }
    });
  }

  /** The wait before the next attempt, or null if there is none. */
  private Duration retryDelay(Throwable failure, Record record, int attempt) {
    if (!(failure instanceof RecordRejectedException r) || !r.reason().retryable()
        || attempt >= policy.maxAttempts() || closed.get()) {
      return null;
    }
    Duration wait = policy.delay(attempt, random.getAsDouble(), r.retryAfter());
    if (record.deadlineNanos() != Long.MAX_VALUE
        && record.deadlineNanos() - scheduler.nanoTime() <= wait.toNanos()) {
      return null; // the next attempt could not start before the caller's deadline
    }
    return budget.tryWithdraw() ? wait : null;
  }

  /** Fails the records waiting for a retry with their last failure, then closes the scheduler and the delegate. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    for (Map.Entry<CompletableFuture<Accepted>, Throwable> e : waiting.entrySet()) {
      if (waiting.remove(e.getKey()) != null) {
        e.getKey().completeExceptionally(e.getValue());
      }
    }
    try {
      scheduler.close();
    } finally {
      delegate.close();
    }
  }

  @Override
  public String toString() {
    return "RetryingSink(" + policy + ", " + delegate + ")";
  }
}
