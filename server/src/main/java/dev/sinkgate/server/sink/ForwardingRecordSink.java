package dev.sinkgate.server.sink;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A {@link RecordSink} that passes everything to another one: the base of decorators
 * (retry, circuit breaker), which override what they change. Owns its delegate and closes
 * it in {@link #close()}.
 */
public abstract class ForwardingRecordSink implements RecordSink {
  protected final RecordSink delegate;

  protected ForwardingRecordSink(RecordSink delegate) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
  }

  @Override
  public CompletableFuture<Accepted> append(Record record) {
    return delegate.append(record);
  }

  @Override
  public boolean healthy() {
    return delegate.healthy();
  }

  @Override
  public CompletionStage<Void> opened() {
    return delegate.opened();
  }

  @Override
  public void onHealthChange(Runnable listener) {
    delegate.onHealthChange(listener);
  }

  @Override
  public void close() {
    delegate.close();
  }
}
