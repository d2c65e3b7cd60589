package dev.sinkgate.server.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinkgate.proto.v1.Durability;
import dev.sinkgate.server.sink.Accepted;
import dev.sinkgate.server.sink.Record;
import dev.sinkgate.server.sink.RecordRejectedException;
import dev.sinkgate.server.sink.RecordRejectedException.Reason;
import dev.sinkgate.server.sink.RecordSink;
import dev.sinkgate.server.sink.StreamFence;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * The order decorator over a downstream that answers only when the test says so. The real
 * path (a stream through a remote route to a Python or Node sink, order checked at the sink)
 * is InteropForwardingTest's.
 */
class StreamOrderSinkTest {

  /** Holds every append's answer until the test completes it. */
  private static final class HeldSink implements RecordSink {
    final List<String> sent = new CopyOnWriteArrayList<>();
    final List<CompletableFuture<Accepted>> answers = new CopyOnWriteArrayList<>();

    @Override
    public CompletableFuture<Accepted> append(Record record) {
      sent.add(record.data().toString(StandardCharsets.UTF_8));
      CompletableFuture<Accepted> f = new CompletableFuture<>();
      answers.add(f);
      return f;
    }

    void accept(int i) {
      answers.get(i).complete(new Accepted(1, Durability.DURABILITY_DOWNSTREAM, i));
    }

    @Override
    public void close() {}
  }

  private static Record record(String data, StreamFence fence, long index) {
    return new Record("", Map.of(), data.getBytes(StandardCharsets.UTF_8), Long.MAX_VALUE, fence, index);
  }

  @Test
  void aStreamsNextRecordIsSentOnlyOnceThePreviousIsAnswered_otherStreamsAndUnaryWritesAreNotHeldBack() {
    HeldSink down = new HeldSink();
    StreamOrderSink sink = new StreamOrderSink("r", down);
    StreamFence a = new StreamFence();
    StreamFence b = new StreamFence();
    CompletableFuture<Accepted> a0 = sink.append(record("a0", a, 0));
    CompletableFuture<Accepted> a1 = sink.append(record("a1", a, 1));
    CompletableFuture<Accepted> a2 = sink.append(record("a2", a, 2));
    sink.append(record("b0", b, 0));
    sink.append(record("u", null, -1));
    assertEquals(List.of("a0", "b0", "u"), down.sent, "sent while a0 is unanswered");

    down.accept(0);
    assertTrue(a0.isDone());
    assertEquals(List.of("a0", "b0", "u", "a1"), down.sent, "a1 goes once a0 is answered, a2 still waits");
    assertFalse(a1.isDone());
    down.accept(3);
    assertEquals(List.of("a0", "b0", "u", "a1", "a2"), down.sent);
    down.accept(4);
    assertEquals(4, a2.join().offset(), "a2's answer is the downstream's");
  }

  @Test
  void afterARefusedRecord_theStreamsLaterRecordsAreRefusedWithoutBeingSent() {
    HeldSink down = new HeldSink();
    StreamOrderSink sink = new StreamOrderSink("r", down);
    StreamFence a = new StreamFence();
    CompletableFuture<Accepted> a0 = sink.append(record("a0", a, 0));
    CompletableFuture<Accepted> a1 = sink.append(record("a1", a, 1));
    down.answers.get(0).completeExceptionally(new RecordRejectedException(Reason.INVALID, "downstream said no"));

    assertEquals(Reason.INVALID, ScriptedSink.rejection(a0).reason());
    RecordRejectedException later = ScriptedSink.rejection(a1);
    assertEquals(Reason.UNAVAILABLE, later.reason(), later.getMessage());
    assertTrue(later.getMessage().contains("earlier record of this stream was refused"), later.getMessage());
    assertEquals(List.of("a0"), down.sent, "a1 was never sent");
  }

  @Test
  void aRecordWhoseCallWasCancelledWhileItWaited_isNotSent() {
    HeldSink down = new HeldSink();
    StreamOrderSink sink = new StreamOrderSink("r", down);
    StreamFence a = new StreamFence();
    sink.append(record("a0", a, 0));
    CompletableFuture<Accepted> a1 = sink.append(record("a1", a, 1));
    a.cancel();
    down.accept(0);

    assertEquals(Reason.DEADLINE, ScriptedSink.rejection(a1).reason());
    assertEquals(List.of("a0"), down.sent);
  }
}
