package dev.sinkgate.server.spool;

import dev.sinkgate.server.config.SpoolConfig;
import dev.sinkgate.server.log.FsyncPolicy;
import dev.sinkgate.server.sink.Accepted;
import dev.sinkgate.server.sink.Record;
import dev.sinkgate.server.sink.RecordRejectedException;
import dev.sinkgate.server.sink.RecordSink;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A gateway stand-in for {@link SpoolKillNineTest}, run as a child process: spools records
 * {@code r0, r1, …} in front of a downstream that accepts the first {@code ACCEPTED} and is
 * then down, printing {@code producer ID} once and {@code acked N} after each acknowledgement,
 * until it is killed.
 */
final class SpoolChild {
  static final int ACCEPTED = 100;

  private SpoolChild() {}

  public static void main(String[] args) throws Exception {
    AtomicInteger count = new AtomicInteger();
    RecordSink downstream = new RecordSink() {
      @Override
      public CompletableFuture<Accepted> append(Record record) {
        return count.incrementAndGet() <= ACCEPTED
            ? CompletableFuture.completedFuture(new Accepted(record.data().size(),
                dev.sinkgate.proto.v1.Durability.DURABILITY_DOWNSTREAM, record.sequence()))
            : CompletableFuture.failedFuture(new RecordRejectedException(RecordRejectedException.Reason.UNAVAILABLE,
                "down", Duration.ofMillis(10)));
      }

      @Override
      public void close() {}
    };
    SpoolConfig config = new SpoolConfig(Path.of(args[0]), 64L << 20, FsyncPolicy.ALWAYS, null, 4096);
    SpoolingSink spool = Spool.open("child", config, downstream, Clock.systemUTC(), w -> {});
    System.out.println("producer " + spool.producerId());
    for (int i = 0; ; i++) {
      spool.append(new Record("k" + i, Map.of("n", Integer.toString(i)), ("r" + i).getBytes(), Long.MAX_VALUE)).join();
      System.out.println("acked " + i);
      System.out.flush();
    }
  }
}
