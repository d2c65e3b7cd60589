package dev.sinkgate.server;

import dev.sinkgate.server.sink.Accepted;
import dev.sinkgate.server.sink.Record;
import dev.sinkgate.server.sink.RecordSink;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/** Counts what reaches a sink, so a test sees how many records the gateway took off the wire. */
final class CountingRecordSink implements RecordSink {
  final AtomicInteger appends = new AtomicInteger();
  private final RecordSink delegate;

  CountingRecordSink(RecordSink delegate) {
    this.delegate = delegate;
  }

  @Override
  public CompletableFuture<Accepted> append(Record record) {
    appends.incrementAndGet();
    return delegate.append(record);
  }

  @Override
  public void close() {
    delegate.close();
  }
}
