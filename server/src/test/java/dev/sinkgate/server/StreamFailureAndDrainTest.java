package dev.sinkgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.protobuf.ByteString;
import dev.sinkgate.client.DataSink;
import dev.sinkgate.client.SinkClient;
import dev.sinkgate.proto.v1.Durability;
import dev.sinkgate.proto.v1.SinkGrpc;
import dev.sinkgate.proto.v1.WriteRequest;
import dev.sinkgate.proto.v1.WriteResponse;
import dev.sinkgate.server.TestGateway.Transport;
import dev.sinkgate.server.route.Route;
import dev.sinkgate.server.sink.DataSinkRecordSink;
import dev.sinkgate.server.sink.Record;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Reproductions for the review; each asserts the correct behaviour and fails on main. */
class StreamFailureAndDrainTest {

  private static WriteRequest rec(String sink, String data) {
    return WriteRequest.newBuilder().setSink(sink).setData(ByteString.copyFromUtf8(data)).build();
  }

  /**
   * The client cancels a stream while record 0 is in the sink and records 1 and 2 are
   * queued behind it. Nobody is left to acknowledge them to, and the client will resend
   * from its last ack: the sink must drop the queued records rather than store them.
   */
  @Test
  void cancelledStream_queuedRecordsAreNotStored() throws Exception {
    BlockingDataSink blocking = new BlockingDataSink();
    CountingRecordSink sink = new CountingRecordSink(
        new DataSinkRecordSink("slow", blocking, Durability.DURABILITY_MEMORY, 16, 1 << 20));
    try (TestGateway gw = new TestGateway(List.of(new Route("slow", sink, 1 << 20)))) {
      AckRecorder acks = new AckRecorder();
      StreamObserver<WriteRequest> req = gw.async(Transport.LOOPBACK).writeStream(acks);
      req.onNext(rec("slow", "r0"));
      blocking.awaitEntered();
      req.onNext(rec("slow", "r1"));
      req.onNext(rec("slow", "r2"));
      Poll.until(Duration.ofSeconds(10), () -> sink.appends.get() == 3, () -> "r1 and r2 queued in the sink");

      req.onError(new RuntimeException("the client gives up")); // cancels the call
      Poll.until(Duration.ofSeconds(10), () -> gw.gateway.callsInFlight() == 0, () -> "the server saw the cancel");
      blocking.release();

      // Something written after the cancel proves the sink got past the dropped records.
      assertEquals(5, gw.blocking(Transport.LOOPBACK).write(rec("slow", "after")).getWritten());
      assertEquals(List.of("r0", "after"), blocking.stored(), "only the record already being written, then 'after'");
    } finally {
      blocking.release();
    }
  }

  /**
   * Drain starts while record 0 is in the sink; record 1 arrives and is dropped
   * ("the client resends it"); the client half-closes; record 0 completes. The stream
   * must not end with OK, since record 1 was never accepted.
   */
  @Test
  void drainThenHalfClose_endsUnavailableNotOkWhenARecordWasDropped() throws Exception {
    BlockingDataSink blocking = new BlockingDataSink();
    CountingRecordSink sink = new CountingRecordSink(
        new DataSinkRecordSink("slow", blocking, Durability.DURABILITY_MEMORY, 16, 1 << 20));
    TestGateway gw = new TestGateway(List.of(new Route("slow", sink, 1 << 20)));
    try {
      AckRecorder acks = new AckRecorder();
      StreamObserver<WriteRequest> req = gw.async(Transport.IN_PROCESS).writeStream(acks);
      req.onNext(rec("slow", "r0"));
      blocking.awaitEntered();

      gw.gateway.beginDrain(); // once it returns, open streams are draining: the handler drops what arrives
      CompletableFuture<Boolean> drained = CompletableFuture.supplyAsync(() -> gw.gateway.drain(Duration.ofSeconds(20)));

      req.onNext(rec("slow", "r1"));
      req.onCompleted();
      blocking.release();

      Status status = acks.done.get(10, TimeUnit.SECONDS);
      assertTrue(drained.get(20, TimeUnit.SECONDS));
      assertEquals(1, sink.appends.get(), "record 1 was dropped by the draining handler (not appended)");
      assertEquals(1, acks.ackedCount());
      assertNotEquals(Status.Code.OK, status.getCode(),
          "stream completed OK with ack count " + acks.ackedCount() + " of 2 records sent: record 1 silently lost");
    } finally {
      blocking.release();
      gw.close();
    }
  }

  /**
   * The drain ends an idle stream with UNAVAILABLE ("resend on a new stream"), and its
   * client writes again at once: here from inside the stream's end callback, which the
   * in-process transport runs on the draining thread itself, so it is as early as any
   * client can be. That write must be refused, and nothing after the drain stored; a
   * gateway that ended its streams before closing its gate admitted it.
   */
  @Test
  void aClientWhoseStreamTheDrainEnded_findsItsNextWriteRefused() throws Exception {
    BlockingDataSink sink = new BlockingDataSink();
    sink.release();
    TestGateway gw = new TestGateway(List.of(new Route("ok", new DataSinkRecordSink("ok", sink,
        Durability.DURABILITY_MEMORY, 16, 1 << 20), 1 << 20)));
    try {
      var channel = gw.channel(Transport.IN_PROCESS);
      AckRecorder acks = new AckRecorder();
      StreamObserver<WriteRequest> req = SinkGrpc.newStub(channel).writeStream(acks);
      req.onNext(rec("ok", "r0"));
      Poll.until(Duration.ofSeconds(10), () -> acks.ackedCount() == 1, () -> "r0 acknowledged");
      CompletableFuture<ListenableFuture<WriteResponse>> next =
          new CompletableFuture<>();
      acks.done.whenComplete((status, e) ->
          next.complete(SinkGrpc.newFutureStub(channel).write(rec("ok", "after the stream ended"))));

      assertTrue(gw.gateway.drain(Duration.ofSeconds(10)), "drained in time");

      Status status = acks.done.get(10, TimeUnit.SECONDS);
      assertEquals(Status.Code.UNAVAILABLE, status.getCode(), status::toString);
      ExecutionException refused = assertThrows(ExecutionException.class,
          () -> next.get(10, TimeUnit.SECONDS).get(10, TimeUnit.SECONDS));
      Status refusal = Status.fromThrowable(refused.getCause());
      assertEquals(Status.Code.UNAVAILABLE, refusal.getCode(), refusal::toString);
      assertTrue(refusal.getDescription().contains("draining"), refusal::toString);
      assertEquals(List.of("r0"), sink.stored(), "nothing written after the drain began is stored");
    } finally {
      gw.close();
    }
  }

  /** Blocks 'b0' and 's0' on their own latches; stores everything in order. */
  private static final class TwoGateSink implements DataSink {
    final CountDownLatch b0Entered = new CountDownLatch(1);
    final CountDownLatch s0Entered = new CountDownLatch(1);
    final CountDownLatch releaseB0 = new CountDownLatch(1);
    final CountDownLatch releaseS0 = new CountDownLatch(1);
    final List<String> stored = Collections.synchronizedList(new ArrayList<>());

    @Override
    public int write(byte[] data) {
      String s = new String(data, StandardCharsets.UTF_8);
      try {
        if (s.equals("b0")) {
          b0Entered.countDown();
          releaseB0.await(30, TimeUnit.SECONDS);
        } else if (s.equals("s0")) {
          s0Entered.countDown();
          releaseS0.await(30, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
      stored.add(s);
      return data.length;
    }
  }

  /**
   * Record s1 of a stream is rejected (QUEUE_FULL) while s0 is still in flight; the
   * handler keeps reading and hands s2 to the sink, which stores it. The stream then
   * ends at s1 and the client resends s1, s2: the route now holds s2 before s1.
   */
  @Test
  void rejectedRecord_stopsTheStreamSoResentRecordsKeepTheirOrder() throws Exception {
    TwoGateSink gates = new TwoGateSink();
    CountingRecordSink sink = new CountingRecordSink(
        new DataSinkRecordSink("r", gates, Durability.DURABILITY_MEMORY, 2, 1 << 20));
    try (TestGateway gw = new TestGateway(List.of(new Route("r", sink, 1 << 20)))) {
      var b0 = SinkGrpc.newFutureStub(gw.channel(Transport.IN_PROCESS)).write(rec("r", "b0"));
      assertTrue(gates.b0Entered.await(10, TimeUnit.SECONDS));

      AckRecorder acks = new AckRecorder();
      StreamObserver<WriteRequest> req = gw.async(Transport.IN_PROCESS).writeStream(acks);
      req.onNext(rec("r", "s0")); // queued behind b0: queue now 2 of 2
      Poll.until(Duration.ofSeconds(5), () -> sink.appends.get() == 2, () -> "s0 appended");
      req.onNext(rec("r", "s1")); // QUEUE_FULL
      Poll.until(Duration.ofSeconds(5), () -> sink.appends.get() == 3, () -> "s1 appended");

      gates.releaseB0.countDown();
      assertEquals(2, b0.get(10, TimeUnit.SECONDS).getWritten());
      assertTrue(gates.s0Entered.await(10, TimeUnit.SECONDS));
      req.onNext(rec("r", "s2")); // the queue has room again, but the stream must take no more
      gates.releaseS0.countDown();

      Status status = acks.done.get(10, TimeUnit.SECONDS);
      assertEquals(Status.Code.RESOURCE_EXHAUSTED, status.getCode());
      assertEquals(1, acks.ackedCount());

      // The client does what the contract says: resend from record 1 on a new stream.
      AckRecorder again = new AckRecorder();
      StreamObserver<WriteRequest> req2 = gw.async(Transport.IN_PROCESS).writeStream(again);
      req2.onNext(rec("r", "s1"));
      req2.onNext(rec("r", "s2"));
      req2.onCompleted();
      assertEquals(Status.Code.OK, again.done.get(10, TimeUnit.SECONDS).getCode());
      assertEquals(List.of("b0", "s0", "s1", "s2"), gates.stored,
          "a record after the rejected one was stored before it was resent");
    }
  }

  /** A retry is scheduled; close() drops it with shutdownNow(): the caller's future never completes. */
  @Test
  void sinkClientClose_whileARetryIsScheduled_completesTheCallersFuture() throws Exception {
    AtomicInteger attempts = new AtomicInteger();
    DataSink failing = new DataSink() {
      @Override
      public int write(byte[] data) {
        attempts.incrementAndGet();
        throw new UncheckedIOException(new IOException("downstream down"));
      }
    };
    try (TestGateway gw = new TestGateway(List.of(
        new Route("down", new DataSinkRecordSink("down", failing, Durability.DURABILITY_MEMORY, 16, 1 << 20), 1 << 20)))) {
      SinkClient client = SinkClient.builder(gw.channel(Transport.IN_PROCESS)).deadline(Duration.ofSeconds(3)).build();
      CompletableFuture<?> f = client.writeAsync(rec("down", "x"));
      Poll.until(Duration.ofSeconds(5), () -> attempts.get() >= 1, () -> "first attempt");
      // The UNAVAILABLE answer (RetryInfo 1 s) schedules a retry, or meets a closed client:
      // either way close() must settle the caller's future.
      client.close();
      try {
        f.get(8, TimeUnit.SECONDS); // deadline 3 s: must be settled long before this
      } catch (java.util.concurrent.ExecutionException expected) {
        return;
      } catch (TimeoutException e) {
        throw new AssertionError("writeAsync future still pending 8 s after close() with a 3 s deadline"
            + " (attempts made: " + attempts.get() + ")");
      }
    }
  }

  /**
   * StreamLimits.DEFAULT bounds a stream at 8 MiB in flight. After one tiny record the
   * handler estimates 256 B per record and requests ~1022 more; then 1 MiB records
   * arrive and are all taken, far past the byte bound, until the route's queue is full
   * and the stream dies with RESOURCE_EXHAUSTED instead of being slowed down.
   */
  @Test
  void streamByteBound_holdsWhenLargeRecordsFollowSmallOnes() throws Exception {
    BlockingDataSink blocking = new BlockingDataSink();
    CountingRecordSink sink = new CountingRecordSink(
        new DataSinkRecordSink("slow", blocking, Durability.DURABILITY_MEMORY, 4096, 64L << 20));
    try (TestGateway gw = new TestGateway(List.of(new Route("slow", sink, 4 << 20)))) {
      List<WriteRequest> records = new ArrayList<>();
      records.add(rec("slow", "x"));
      ByteString mib = ByteString.copyFrom(new byte[1 << 20]);
      for (int i = 0; i < 100; i++) {
        records.add(WriteRequest.newBuilder().setSink("slow").setData(mib).build());
      }
      StreamingCall call = StreamingCall.start(gw.async(Transport.LOOPBACK), records.iterator());
      blocking.awaitEntered();
      Poll.until(Duration.ofSeconds(20), call.blockedByFlowControl::get,
          () -> "the writer to be held back by flow control (sent " + call.sent.get() + ")");
      int appended = sink.appends.get();
      blocking.release();
      Status status = call.done.get(60, TimeUnit.SECONDS);
      assertTrue(status.isOk(), "a slow sink slows the writer; it does not fail the stream: " + status);
      // 8 MiB bound, plus the one record the bound always lets through, plus the tiny first one.
      assertTrue(appended <= 10, appended + " records of 1 MiB taken in flight with an 8 MiB stream bound");
    }
  }
}
