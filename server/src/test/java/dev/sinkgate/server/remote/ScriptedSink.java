package dev.sinkgate.server.remote;

import dev.sinkgate.proto.v1.Durability;
import dev.sinkgate.server.sink.Accepted;
import dev.sinkgate.server.sink.Record;
import dev.sinkgate.server.sink.RecordRejectedException;
import dev.sinkgate.server.sink.RecordSink;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A downstream whose answers a test scripts: each append takes the next scripted failure, or
 * succeeds once the script is empty (or fails with {@link #always} when set). Stands beside
 * the real-server tests (RemoteRouteTest), for the decorators' fake-clock tests.
 */
final class ScriptedSink implements RecordSink {
  final AtomicInteger appends = new AtomicInteger();
  final AtomicBoolean closed = new AtomicBoolean();
  final java.util.List<Record> records = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final Deque<RecordRejectedException> script = new ArrayDeque<>();
  volatile RecordRejectedException always;

  synchronized ScriptedSink thenFail(RecordRejectedException e) {
    script.add(e);
    return this;
  }

  @Override
  public CompletableFuture<Accepted> append(Record record) {
    appends.incrementAndGet();
    records.add(record);
    RecordRejectedException next;
    synchronized (this) {
      next = script.poll();
    }
    if (next == null) {
      next = always;
    }
    return next != null ? CompletableFuture.failedFuture(next)
        : CompletableFuture.completedFuture(new Accepted(record.data().size(), Durability.DURABILITY_DOWNSTREAM, 7));
  }

  @Override
  public void close() {
    closed.set(true);
  }

  /** The rejection {@code f} failed with; an assertion error if it did not fail with one. */
  static RecordRejectedException rejection(CompletableFuture<?> f) {
    try {
      f.join();
      throw new AssertionError("expected a failure, was answered " + f.join());
    } catch (java.util.concurrent.CompletionException e) {
      return org.junit.jupiter.api.Assertions.assertInstanceOf(RecordRejectedException.class, e.getCause());
    }
  }
}
