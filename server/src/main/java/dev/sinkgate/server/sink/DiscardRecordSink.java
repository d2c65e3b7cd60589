package dev.sinkgate.server.sink;

import dev.sinkgate.proto.v1.Durability;
import java.util.concurrent.CompletableFuture;

/** The {@code discard} route: accepts every record at once, in memory, and keeps nothing. */
public final class DiscardRecordSink implements RecordSink {
  private static final CompletableFuture<Accepted> EMPTY =
      CompletableFuture.completedFuture(new Accepted(0, Durability.DURABILITY_MEMORY, 0));

  @Override
  public CompletableFuture<Accepted> append(Record record) {
    int n = record.data().size();
    return n == 0 ? EMPTY
        : CompletableFuture.completedFuture(new Accepted(n, Durability.DURABILITY_MEMORY, 0));
  }

  @Override
  public void close() {}

  @Override
  public String toString() {
    return "discard";
  }
}
