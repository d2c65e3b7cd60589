package dev.sinkgate.server.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinkgate.server.sink.Accepted;
import dev.sinkgate.server.sink.ForwardingRecordSink;
import dev.sinkgate.server.sink.Record;
import dev.sinkgate.server.sink.RecordRejectedException;
import dev.sinkgate.server.sink.RecordRejectedException.Reason;
import dev.sinkgate.server.sink.RecordSink;
import dev.sinkgate.server.sink.StreamFence;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The tee's answers when routes fail, what it passes on, and what it does not close (beside RemoteRouteTest). */
class TeeRecordSinkTest {
  private final ScriptedSink audit = new ScriptedSink();
  private final ScriptedSink thumbs = new ScriptedSink();

  private TeeRecordSink tee(TeeRecordSink.Ack ack) {
    Map<String, dev.sinkgate.server.sink.RecordSink> routes = new LinkedHashMap<>();
    routes.put("audit", audit);
    routes.put("thumbs", thumbs);
    return new TeeRecordSink("both", routes, ack);
  }


  @Test
  void any_aStreamLivesOnWhileOneRouteIsDown_thatRouteRefusesTheStreamsLaterRecordsWithoutSendingThem() {
    thumbs.always = new RecordRejectedException(Reason.UNAVAILABLE, "downstream down");
    Map<String, dev.sinkgate.server.sink.RecordSink> routes = new LinkedHashMap<>();
    routes.put("audit", audit);
    routes.put("thumbs", fenced("thumbs", thumbs)); // as every route does: nothing after a refusal is sent
    TeeRecordSink any = new TeeRecordSink("both", routes, TeeRecordSink.Ack.ANY);
    StreamFence stream = new StreamFence();
    for (int i = 0; i < 3; i++) {
      Record r = new Record("", Map.of(), new byte[] {(byte) i}, Long.MAX_VALUE, stream, i);
      assertEquals(1, any.append(r).join().written(), "record " + i + " accepted by audit");
    }
    assertEquals(3, audit.appends.get());
    assertEquals(1, thumbs.appends.get(), "thumbs refused record 0, then refused 1 and 2 itself, unsent");
    assertFalse(stream.tripped(), "the stream's own fence is untouched: the tee accepted every record");
  }

  @Test
  void all_aRefusalByOneRoute_tripsTheStreamsFence() {
    thumbs.always = new RecordRejectedException(Reason.UNAVAILABLE, "downstream down");
    StreamFence stream = new StreamFence();
    Record r = new Record("", Map.of(), new byte[1], Long.MAX_VALUE, stream, 0);
    assertEquals(Reason.UNAVAILABLE, ScriptedSink.rejection(tee(TeeRecordSink.Ack.ALL).append(r)).reason());
    assertTrue(stream.tripped());
  }

  @Test
  void aCancelledCall_reachesEveryRoutesBranch() {
    StreamFence stream = new StreamFence();
    StreamFence branch = stream.branch();
    assertFalse(branch.tripped());
    stream.cancel();
    assertTrue(branch.tripped(), "a cancel of the call closes the branches too");
  }

  @Test
  void any_failsOnlyWhenEveryRouteFailed_namingEach_withTheFirstReasonAndRetryAfter() {
    audit.always = new RecordRejectedException(Reason.QUEUE_FULL, "queue full", Duration.ofMillis(300));
    thumbs.always = new RecordRejectedException(Reason.UNAVAILABLE, "downstream down");
    RecordRejectedException e = ScriptedSink.rejection(tee(TeeRecordSink.Ack.ANY).append(Record.of(new byte[2])));
    assertEquals(Reason.QUEUE_FULL, e.reason());
    assertEquals(Duration.ofMillis(300), e.retryAfter());
    assertTrue(e.getMessage().contains("route 'audit': queue full") && e.getMessage().contains("route 'thumbs': downstream down"),
        e.getMessage());
  }

  @Test
  void all_keepsTheFailedRoutesReason() {
    thumbs.always = new RecordRejectedException(Reason.INVALID, "downstream answered INVALID_ARGUMENT: too big");
    RecordRejectedException e = ScriptedSink.rejection(tee(TeeRecordSink.Ack.ALL).append(Record.of(new byte[2])));
    assertEquals(Reason.INVALID, e.reason());
    assertTrue(e.getMessage().contains("route 'thumbs' failed: downstream answered INVALID_ARGUMENT"), e.getMessage());
    assertEquals(1, audit.appends.get(), "every route was given the record");
  }

  @Test
  void producerIdAndSequence_reachEveryRoute_andCloseLeavesTheRoutesOpen() {
    Record r = new Record("k", Map.of(), new byte[3], Long.MAX_VALUE, null, -1, "p-1", 9);
    TeeRecordSink both = tee(TeeRecordSink.Ack.ALL);
    assertEquals(3, both.append(r).join().written());
    for (ScriptedSink route : new ScriptedSink[] {audit, thumbs}) {
      assertEquals("p-1", route.records.get(0).producerId());
      assertEquals(9, route.records.get(0).sequence());
    }
    both.close();
    both.close();
    assertFalse(audit.closed.get() || thumbs.closed.get(), "a tee closed a route it does not own");
    assertEquals(Reason.UNAVAILABLE, ScriptedSink.rejection(both.append(Record.of(new byte[1]))).reason());
  }

  @Test
  void branchFences_areKeptOnlyWhileTheirStreamIsOpen_andNeverForUnaryCalls() {
    TeeRecordSink tee = tee(TeeRecordSink.Ack.ALL);
    for (int i = 0; i < 100; i++) {
      tee.append(new Record("", Map.of(), new byte[] {1}, Long.MAX_VALUE, StreamFence.unary(), 0)).join();
    }
    assertEquals(0, tee.streamsTracked(), "a unary call's branches are not kept");
    StreamFence stream = new StreamFence();
    for (int i = 0; i < 3; i++) {
      tee.append(new Record("", Map.of(), new byte[] {1}, Long.MAX_VALUE, stream, i)).join();
    }
    assertEquals(1, tee.streamsTracked(), "one entry for the open stream, whatever its length");
    stream.end();
    assertEquals(0, tee.streamsTracked(), "gone when the stream ends");
  }

  /**
   * {@code sink} as a route holds its stream's fence: a refused record trips it, and a record
   * behind a refusal is refused without being sent (as the file log and the pipelined remote
   * route do).
   */
  private static RecordSink fenced(String route, RecordSink sink) {
    return new ForwardingRecordSink(sink) {
      @Override
      public CompletableFuture<Accepted> append(Record record) {
        if (StreamFence.closed(record)) {
          return CompletableFuture.failedFuture(StreamFence.refusal(record, route));
        }
        return delegate.append(record).whenComplete((a, e) -> {
          if (e != null) {
            StreamFence.trip(record);
          }
        });
      }
    };
  }
}
