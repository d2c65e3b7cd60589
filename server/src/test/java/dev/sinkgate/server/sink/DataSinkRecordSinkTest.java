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

  /**
   * A stream's records are handed over before the sink knows whether the earlier ones are
   * stored; once one fails, the later ones of the same stream must not be written (the
   * client resends from the failed one), while other writers' records still are.
   */
  @Test
  void append_afterAFailedRecordOfTheSameStream_refusesTheLaterOnesButNotOtherWriters() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    java.util.List<String> written = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    DataSink failsOnBad = data -> {
      String s = new String(data, StandardCharsets.UTF_8);
      if (s.equals("bad")) {
        try {
          release.await(10, TimeUnit.SECONDS); // hold until the later records are queued
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        throw new java.io.UncheckedIOException(new java.io.IOException("refused"));
      }
      written.add(s);
      return data.length;
    };
    DataSinkRecordSink sink = new DataSinkRecordSink("fenced", failsOnBad, Durability.DURABILITY_MEMORY, 16,
        1 << 20, Duration.ofSeconds(5));
    try {
      StreamFence stream = new StreamFence();
      CompletableFuture<Accepted> before = sink.append(record("before", stream, 0));
      CompletableFuture<Accepted> bad = sink.append(record("bad", stream, 1));
      CompletableFuture<Accepted> later = sink.append(record("later", stream, 2));
      CompletableFuture<Accepted> other = sink.append(record("other", null, -1));
      release.countDown();

      assertTrue(assertThrowsCause(bad).getMessage().contains("refused"));
      RecordRejectedException behind = assertThrowsCause(later);
      assertTrue(behind.getMessage().contains("an earlier record of this stream was refused"), behind.getMessage());
      assertEquals(6, before.get(10, TimeUnit.SECONDS).written(), "the record before the refused one is written");
      assertEquals(5, other.get(10, TimeUnit.SECONDS).written());
      assertEquals(java.util.List.of("before", "other"), written);
    } finally {
      sink.close();
    }
  }

  private static Record record(String data, StreamFence fence, long index) {
    return new Record("", java.util.Map.of(), data.getBytes(StandardCharsets.UTF_8), Long.MAX_VALUE, fence, index);
  }

  private static RecordRejectedException assertThrowsCause(CompletableFuture<Accepted> f) {
    ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
        () -> f.get(10, TimeUnit.SECONDS));
    return assertInstanceOf(RecordRejectedException.class, e.getCause());
  }
}
