package dev.sinkgate.server.sink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinkgate.client.DataSink;
import dev.sinkgate.proto.v1.Durability;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class DataSinkRecordSinkTest {

  @Test
  void close_withAStuckWrite_forcesItAndFailsEveryRecordStillQueued() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch never = new CountDownLatch(1);
    AtomicInteger closes = new AtomicInteger();
    DataSink stuck = new DataSink() {
      @Override
      public int write(byte[] data) {
        entered.countDown();
        try {
          never.await(); // only the forced close's interrupt ends this
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted by the forced close", e);
        }
        return data.length;
      }

      @Override
      public void close() {
        closes.incrementAndGet();
      }
    };
    DataSinkRecordSink sink = new DataSinkRecordSink("stuck", stuck, Durability.DURABILITY_MEMORY, 16, 1 << 20,
        Duration.ofMillis(200));
    CompletableFuture<Accepted> first = sink.append(Record.of("first".getBytes(StandardCharsets.UTF_8)));
    CompletableFuture<Accepted> queued = sink.append(Record.of("queued".getBytes(StandardCharsets.UTF_8)));
    assertTrue(entered.await(10, TimeUnit.SECONDS));

    sink.close();

    ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
        () -> queued.get(10, TimeUnit.SECONDS));
    RecordRejectedException rejected = assertInstanceOf(RecordRejectedException.class, e.getCause());
    assertEquals(RecordRejectedException.Reason.UNAVAILABLE, rejected.reason());
    assertTrue(rejected.getMessage().contains("closed before the record was written"), rejected.getMessage());
    assertTrue(first.isCompletedExceptionally(), "the interrupted write failed rather than hanging");
    assertEquals(1, closes.get(), "the DataSink is closed once, after its writer stopped");
    sink.close();
    assertEquals(1, closes.get(), "close is idempotent");
    CompletableFuture<Accepted> late = sink.append(Record.of(new byte[1]));
    assertTrue(late.isCompletedExceptionally(), "a closed sink refuses records at once");
  }
}
