package dev.sinkgate.server.sink;

import dev.sinkgate.client.DataSink;
import dev.sinkgate.proto.v1.Durability;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Mounts any {@link DataSink} (a lambda, a method reference, an adapter) as a route's
 * sink. The {@code DataSink} may block: it runs on one thread this class owns, one
 * record at a time in the order appended, behind a {@link QueueBudget}. Key and headers
 * are not part of a {@code DataSink}'s shape and are not passed on.
 */
public final class DataSinkRecordSink implements RecordSink {
  private final String name;
  private final DataSink sink;
  private final Durability durability;
  private final QueueBudget budget;
  private final ExecutorService executor;
  private final Duration closeWait;
  private final AtomicBoolean closed = new AtomicBoolean();
  /** Accepted and not yet answered: failed by a forced close, so no caller waits forever. */
  private final java.util.Set<CompletableFuture<Accepted>> unanswered = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /**
   * @param name the route name, for messages and the thread name
   * @param durability the level an accepted record reaches once {@code write} returns
   */
  public DataSinkRecordSink(String name, DataSink sink, Durability durability,
      int maxQueuedRecords, long maxQueuedBytes) {
    this(name, sink, durability, maxQueuedRecords, maxQueuedBytes, Duration.ofSeconds(30));
  }

  /** As above; {@code closeWait} is how long {@link #close()} lets queued records finish before forcing. */
  DataSinkRecordSink(String name, DataSink sink, Durability durability,
      int maxQueuedRecords, long maxQueuedBytes, Duration closeWait) {
    this.closeWait = closeWait;
    this.name = name;
    this.sink = sink;
    this.durability = durability;
    this.budget = new QueueBudget("route '" + name + "'", maxQueuedRecords, maxQueuedBytes);
    this.executor = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "sinkgate-sink-" + name);
      t.setDaemon(true);
      return t;
    });
  }

  @Override
  public CompletableFuture<Accepted> append(Record record) {
    if (closed.get()) {
      return CompletableFuture.failedFuture(closedException());
    }
    int size = record.data().size();
    try {
      budget.acquire(size);
    } catch (RecordRejectedException e) {
      StreamFence.trip(record);
      return CompletableFuture.failedFuture(e);
    }
    CompletableFuture<Accepted> result = new CompletableFuture<>();
    unanswered.add(result);
    result.whenComplete((a, t) -> unanswered.remove(result));
    try {
      executor.execute(() -> {
        // Release before completing: whoever the completion wakes must find the room free.
        Accepted accepted;
        try {
          accepted = writeNow(record);
        } catch (Throwable t) {
          StreamFence.trip(record); // on this thread, before the next record is looked at
          budget.release(size);
          result.completeExceptionally(t);
          return;
        }
        budget.release(size);
        result.complete(accepted);
      });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      StreamFence.trip(record);
      budget.release(size);
      result.completeExceptionally(closedException());
    }
    return result;
  }

  private Accepted writeNow(Record record) {
    if (StreamFence.closed(record)) {
      throw StreamFence.refusal(record, name);
    }
    if (record.expired()) {
      throw new RecordRejectedException(RecordRejectedException.Reason.DEADLINE,
          "route '" + name + "': the deadline passed while the record was queued; it was not written");
    }
    int n;
    int size = record.data().size();
    try {
      // A DataSink takes a byte[] and may keep it: the one copy of the payload on this route.
      n = sink.write(record.data().toByteArray());
    } catch (UncheckedIOException e) {
      throw new RecordRejectedException(RecordRejectedException.Reason.UNAVAILABLE,
          "route '" + name + "': " + sink + " failed: " + e.getMessage(), Duration.ofSeconds(1));
    }
    if (n != size) {
      throw new IllegalStateException("route '" + name + "': " + sink + " returned " + n
          + " for a record of " + size + " bytes (expected: "
          + size + "; a DataSink accepts whole records)");
    }
    return new Accepted(n, durability, 0);
  }

  private RecordRejectedException closedException() {
    return new RecordRejectedException(RecordRejectedException.Reason.UNAVAILABLE,
        "route '" + name + "' is closed", Duration.ofSeconds(1));
  }

  /**
   * Finishes queued records (waiting up to the close wait, 30 s by default), then closes
   * the {@code DataSink}. Records still queued after that are failed with UNAVAILABLE, so no
   * caller waits forever.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    executor.shutdown();
    boolean interrupted = false;
    try {
      if (!executor.awaitTermination(closeWait.toNanos(), TimeUnit.NANOSECONDS)) {
        executor.shutdownNow();
        // Let a write that ignores the interrupt finish before its sink is closed under it.
        executor.awaitTermination(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      executor.shutdownNow();
      interrupted = true;
    } finally {
      for (CompletableFuture<Accepted> f : List.copyOf(unanswered)) {
        f.completeExceptionally(new RecordRejectedException(RecordRejectedException.Reason.UNAVAILABLE,
            "route '" + name + "' closed before the record was written", Duration.ofSeconds(1)));
      }
      try {
        sink.close();
      } finally {
        if (interrupted) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }

  @Override
  public String toString() {
    return "DataSinkRecordSink(" + name + ": " + sink + ")";
  }
}
