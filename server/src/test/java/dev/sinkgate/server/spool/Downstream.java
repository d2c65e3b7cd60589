package dev.sinkgate.server.spool;

import dev.sinkgate.server.log.FileLog;
import dev.sinkgate.server.log.FileLogSink;
import dev.sinkgate.server.log.FsyncPolicy;
import dev.sinkgate.server.sink.Accepted;
import dev.sinkgate.server.sink.Record;
import dev.sinkgate.server.sink.RecordRejectedException;
import dev.sinkgate.server.sink.RecordSink;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A real downstream (a {@link FileLogSink} in its own directory) that can be told to refuse
 * records, and that notes what reached it: every append's producer id and sequence, and the
 * most appends it ever had in flight at once.
 */
final class Downstream implements RecordSink {
  /** What one append carried. */
  record Seen(String producerId, long sequence, String data) {}

  private final FileLogSink log;
  private final List<Seen> seen = new ArrayList<>();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger maxInFlight = new AtomicInteger();
  /** Returns the refusal for a record, or null to store it. */
  volatile Function<Record, RecordRejectedException> refuse = r -> null;
  volatile boolean closed;

  Downstream(Path dir) throws IOException {
    this.log = new FileLogSink("downstream", FileLog.open(dir, w -> {}), FsyncPolicy.NEVER, 100_000, 1L << 28,
        Clock.systemUTC());
  }

  @Override
  public CompletableFuture<Accepted> append(Record record) {
    int now = inFlight.incrementAndGet();
    maxInFlight.accumulateAndGet(now, Math::max);
    synchronized (seen) {
      seen.add(new Seen(record.producerId(), record.sequence(), record.data().toStringUtf8()));
    }
    RecordRejectedException refusal = refuse.apply(record);
    CompletableFuture<Accepted> result = refusal != null ? CompletableFuture.failedFuture(refusal) : log.append(record);
    return result.whenComplete((a, e) -> inFlight.decrementAndGet());
  }

  List<Seen> seen() {
    synchronized (seen) {
      return List.copyOf(seen);
    }
  }

  int maxInFlight() {
    return maxInFlight.get();
  }

  @Override
  public void close() {
    closed = true;
    log.close();
  }
}
