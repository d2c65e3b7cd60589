package dev.sinkgate.server;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.sinkgate.client.RetryPolicy;
import dev.sinkgate.client.SinkClient;
import dev.sinkgate.proto.v1.Durability;
import dev.sinkgate.proto.v1.WriteRequest;
import dev.sinkgate.server.TestGateway.Transport;
import dev.sinkgate.server.log.LogReader;
import dev.sinkgate.server.log.LogRecord;
import dev.sinkgate.server.remote.BreakerPolicy;
import dev.sinkgate.server.remote.CircuitBreaker;
import dev.sinkgate.server.remote.CircuitBreakerSink;
import dev.sinkgate.server.remote.FakeScheduler;
import dev.sinkgate.server.remote.PipelinedStreamSink;
import dev.sinkgate.server.remote.RemoteRecordSink;
import dev.sinkgate.server.remote.RetryBudget;
import dev.sinkgate.server.remote.Scheduler;
import dev.sinkgate.server.remote.StreamDownstream;
import dev.sinkgate.server.remote.StreamRetry;
import dev.sinkgate.server.route.Route;
import dev.sinkgate.server.sink.RecordSink;
import dev.sinkgate.server.spool.ScriptedStreamServer;
import io.grpc.ClientInterceptor;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A remote route without a spool pipelining client streams ({@link PipelinedStreamSink}): an
 * upstream gateway forwarding to a second real gateway on loopback, or to a
 * {@link ScriptedStreamServer} (in-process) that holds acknowledgements, fails streams and
 * counts the streams open. Timers run on a {@link FakeScheduler} where a test waits for them.
 */
class PipelinedForwardingTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final int WINDOW = 32;
  /** Long, so that the timers a test advances by hand are the reopenings, not the ack checks. */
  private static final Duration ACK_TIMEOUT = Duration.ofHours(1);

  @TempDir
  Path tmp;

  private final List<String> warnings = new CopyOnWriteArrayList<>();
  private final ScriptedStreamServer scripted = new ScriptedStreamServer();
  private final List<AutoCloseable> opened = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = opened.size() - 1; i >= 0; i--) {
      opened.get(i).close();
    }
    scripted.stop();
  }

  private void startScripted() throws IOException {
    scripted.start();
  }

  private void stopScripted() throws InterruptedException {
    scripted.stop();
  }

  private SinkClient scriptedClient(ClientInterceptor... interceptors) {
    ManagedChannel channel = scripted.channel(interceptors);
    opened.add(() -> {
      channel.shutdownNow();
      channel.awaitTermination(10, TimeUnit.SECONDS);
    });
    return SinkClient.builder(channel).deadline(Duration.ofSeconds(10)).retryPolicy(RetryPolicy.none()).build();
  }

  /** An upstream gateway whose route "fwd" pipelines to {@code client}'s server (its route "default"). */
  private TestGateway upstream(PipelinedStreamSink sink) throws IOException {
    TestGateway up = new TestGateway(List.of(new Route("fwd", sink, Route.DEFAULT_MAX_RECORD_BYTES)));
    opened.add(up);
    return up;
  }

  private static PipelinedStreamSink pipeline(SinkClient client, StreamRetry retry, Scheduler scheduler,
      CircuitBreaker breaker) {
    RecordSink unary = new RemoteRecordSink("fwd", client, "default", Duration.ofSeconds(10));
    if (breaker != null) {
      unary = new CircuitBreakerSink("fwd", unary, breaker);
    }
    StreamDownstream streams = new StreamDownstream("fwd", client, "default", ACK_TIMEOUT, WINDOW,
        1L << 20, retry, scheduler);
    return new PipelinedStreamSink("fwd", unary, streams, retry);
  }

  private static StreamRetry retries(int attempts, CircuitBreaker breaker) {
    return new StreamRetry(RetryPolicy.exponential(attempts, Duration.ofMillis(10), Duration.ofMillis(80)).withJitter(0),
        RetryBudget.of(0.2, 10), breaker, () -> 0.5);
  }

  private static WriteRequest record(int i, String producer) {
    return WriteRequest.newBuilder().setSink("fwd").setKey("k" + i).setData(ByteString.copyFromUtf8("record " + i))
        .setProducerId(producer).setSequence(i + 1L).build();
  }

  private static List<WriteRequest> records(int from, int to, String producer) {
    return IntStream.range(from, to).mapToObj(i -> record(i, producer)).toList();
  }

  private static List<Long> sequences(long from, long to) {
    return LongStream.rangeClosed(from, to).boxed().toList();
  }

  /** The reopenings the lanes scheduled (the ack checks, an hour out, left out). */
  private static List<Duration> reopenings(FakeScheduler timers) {
    return timers.delays().stream().filter(d -> d.compareTo(Duration.ofMinutes(1)) < 0).toList();
  }

  private static Status await(StreamingCall call) throws Exception {
    return call.done.get(WAIT.toSeconds(), TimeUnit.SECONDS);
  }

  @Test
  void tenThousandRecordsOverOneStream_reachASecondGatewayInOrderOnce_andUnaryWritesStayUnary() throws Exception {
    TestGateway down = new TestGateway(List.of(TestGateway.fileRoute("default", tmp.resolve("down"), warnings)));
    opened.add(down);
    SinkClient client = SinkClient.builder("127.0.0.1:" + down.port()).deadline(Duration.ofSeconds(10))
        .retryPolicy(RetryPolicy.none()).build();
    PipelinedStreamSink sink = pipeline(client, retries(3, null), Scheduler.system("test-stream"), null);
    TestGateway up = upstream(sink);
    int n = 10_000;

    StreamingCall call = StreamingCall.start(up.async(Transport.IN_PROCESS), records(0, n, "p").iterator());
    assertEquals(Status.Code.OK, await(call).getCode(), () -> "the stream failed: " + call.error);
    assertEquals(n, call.ackedCount());
    assertEquals(Durability.DURABILITY_DOWNSTREAM, call.acks.get(call.acks.size() - 1).getDurability());
    var unary = up.blocking(Transport.IN_PROCESS).write(record(n, "p"));
    assertEquals(Durability.DURABILITY_DOWNSTREAM, unary.getDurability());

    List<LogRecord> stored = LogReader.readAll(tmp.resolve("down"));
    assertEquals(sequences(1, n + 1), stored.stream().map(LogRecord::sequence).toList(), "every record once, in order");
    assertEquals("record 9999", new String(stored.get(n - 1).data(), UTF_8));
    Poll.until(WAIT, () -> sink.openLanes() == 0, () -> "the lane let go once the stream ended");
  }

  @Test
  void aDownstreamHoldingAcks_seesTheWholeWindowInFlight_andStreamsCloseWithTheirClients() throws Exception {
    startScripted();
    scripted.ackEvery(WINDOW, 1000); // acks only once a whole window is unacknowledged (or the last record)
    PipelinedStreamSink sink = pipeline(scriptedClient(), retries(3, null), Scheduler.system("test-stream"), null);
    TestGateway up = upstream(sink);

    List<StreamingCall> calls = new ArrayList<>();
    for (int c = 0; c < 3; c++) {
      calls.add(StreamingCall.start(up.async(Transport.IN_PROCESS), records(0, 1000, "p" + c).iterator()));
    }
    for (StreamingCall call : calls) {
      assertEquals(Status.Code.OK, await(call).getCode(), () -> "a stream failed: " + call.error);
      assertEquals(1000, call.ackedCount());
    }
    assertEquals(WINDOW, scripted.maxUnacked(), "records in flight on one downstream stream at most");
    assertEquals(3, scripted.streams(), "one downstream stream per client stream");
    assertEquals(3000, scripted.stored().size());
    Poll.until(WAIT, () -> scripted.openStreams() == 0, () -> "downstream streams still open: " + scripted.openStreams());
    assertEquals(0, sink.openLanes());
  }

  @Test
  void downstreamLostMidStream_resendsWhatWasNotAcknowledged_andStoresNothingTwice() throws Exception {
    startScripted();
    scripted.ackLimit(20); // stores on, but acknowledges nothing past sequence 20
    FakeScheduler timers = new FakeScheduler();
    PipelinedStreamSink sink = pipeline(scriptedClient(), retries(5, null), timers, null);
    TestGateway up = upstream(sink);

    StreamingCall call = StreamingCall.startOpen(up.async(Transport.IN_PROCESS), records(0, 30, "p").iterator());
    Poll.until(WAIT, () -> scripted.stored().size() == 30, () -> "30 stored, " + scripted.stored().size());
    stopScripted(); // the connection goes with records 21..30 stored and unacknowledged
    // UNAVAILABLE without RetryInfo advises 1 s; the lane waits that on the fake clock.
    Poll.until(WAIT, () -> reopenings(timers).contains(Duration.ofSeconds(1)), () -> "a reopening scheduled: "
        + timers.delays());
    assertEquals(20, call.ackedCount(), "only what the downstream acknowledged is acknowledged");
    int receivedBefore = scripted.received().size();
    scripted.ackLimit(Long.MAX_VALUE);
    startScripted();
    timers.advance(Duration.ofSeconds(1));

    Poll.until(WAIT, () -> call.ackedCount() == 30, () -> "all 30 acknowledged, " + call.ackedCount());
    assertEquals(sequences(1, 30), scripted.stored(), "each record stored once, in order");
    List<ScriptedStreamServer.Received> after = scripted.received().subList(receivedBefore, scripted.received().size());
    assertEquals(21, after.get(0).sequence(), "resent from the first unacknowledged record");
    assertTrue(after.stream().allMatch(ScriptedStreamServer.Received::duplicate),
        "what was stored but not acknowledged comes back as duplicates: " + after);
    call.cancel();
  }

  @Test
  void aStreamSilentForTheRouteTimeout_isCancelledAndResent_storingNothingTwice() throws Exception {
    startScripted();
    scripted.ackLimit(0); // stores, never acknowledges
    FakeScheduler timers = new FakeScheduler();
    PipelinedStreamSink sink = pipeline(scriptedClient(), retries(5, null), timers, null);
    TestGateway up = upstream(sink);

    StreamingCall call = StreamingCall.startOpen(up.async(Transport.IN_PROCESS), records(0, 10, "p").iterator());
    Poll.until(WAIT, () -> scripted.stored().size() == 10, () -> "10 stored, " + scripted.stored().size());
    assertEquals(List.of(), reopenings(timers), "nothing failed yet");
    scripted.ackLimit(Long.MAX_VALUE);
    timers.advance(ACK_TIMEOUT); // the ack check cancels the silent stream; CANCELLED advises 1 s
    Poll.until(WAIT, () -> reopenings(timers).contains(Duration.ofSeconds(1)), () -> "a reopening scheduled: "
        + timers.delays());
    assertEquals(0, call.ackedCount());
    timers.advance(Duration.ofSeconds(1));

    Poll.until(WAIT, () -> call.ackedCount() == 10, () -> "all 10 acknowledged, " + call.ackedCount());
    assertEquals(sequences(1, 10), scripted.stored(), "each record stored once");
    assertEquals(2, scripted.streams(), "the silent stream, then the one that resent");
    call.cancel();
  }

  /**
   * The ack check runs on the scheduler's thread while the lane may be sending on the same
   * stream. A ClientCall takes one method at a time, and a send after its cancel throws
   * (which, thrown inside the lane's driver, left the lane stuck). The check here fires
   * inside a send (as if its thread ran at that instant), and the downstream call's
   * callbacks arrive on a thread of their own, as Netty delivers them: the cancel must come
   * between sends, and nothing be sent after it.
   */
  @Test
  void anAckTimeoutFiringMidSend_cancelsBetweenSends_andTheLaneResendsEverything() throws Exception {
    startScripted();
    scripted.ackLimit(0); // stores, never acknowledges
    FakeScheduler timers = new FakeScheduler();
    CallDiscipline discipline = new CallDiscipline(5, () -> timers.advance(ACK_TIMEOUT));
    PipelinedStreamSink sink = pipeline(scriptedClient(discipline), retries(5, null), timers, null);
    TestGateway up = upstream(sink);
    try {
      StreamingCall call = StreamingCall.startOpen(up.async(Transport.IN_PROCESS), records(0, 10, "p").iterator());
      Poll.until(WAIT, () -> reopenings(timers).contains(Duration.ofSeconds(1)) || !discipline.violations.isEmpty(),
          () -> "a reopening scheduled after the cancel: " + timers.delays());
      assertEquals(List.of(), discipline.violations, "calls on the downstream stream");
      assertEquals(1, scripted.streams(), "the silent stream, cancelled");
      scripted.ackLimit(Long.MAX_VALUE);
      timers.advance(Duration.ofSeconds(1));

      Poll.until(WAIT, () -> call.ackedCount() == 10, () -> "all 10 acknowledged, " + call.ackedCount());
      assertEquals(sequences(1, 10), scripted.stored(), "each record stored once, in order");
      assertEquals(List.of(), discipline.violations, "calls on the downstream stream");
      call.cancel();
    } finally {
      discipline.callbacks.shutdownNow();
    }
  }

  @Test
  void recordsWithoutProducerIds_areNotResent_theClientHearsUnavailableAtTheFirstUnacknowledged() throws Exception {
    startScripted();
    scripted.ackLimit(0); // never acknowledges
    FakeScheduler timers = new FakeScheduler();
    PipelinedStreamSink sink = pipeline(scriptedClient(), retries(5, null), timers, null);
    TestGateway up = upstream(sink);

    StreamingCall call = StreamingCall.startOpen(up.async(Transport.IN_PROCESS), records(0, 10, "").iterator());
    Poll.until(WAIT, () -> scripted.received().size() == 10, () -> "10 received, " + scripted.received().size());
    stopScripted();

    Status status = await(call);
    assertEquals(Status.Code.UNAVAILABLE, status.getCode(), () -> status.toString());
    assertTrue(status.getDescription().startsWith("record 0 of this stream"), status::getDescription);
    assertEquals(0, call.ackedCount());
    assertEquals(List.of(), reopenings(timers), "no reopening was scheduled");
  }

  @Test
  void recordRefusedMidStream_failsThatRecord_andNoLaterRecordIsStoredDownstream() throws Exception {
    startScripted();
    scripted.ackEvery(4, 100);
    scripted.failOnce(50, Status.INVALID_ARGUMENT.withDescription("not welcome"));
    PipelinedStreamSink sink = pipeline(scriptedClient(), retries(5, null), Scheduler.system("test-stream"), null);
    TestGateway up = upstream(sink);

    StreamingCall call = StreamingCall.start(up.async(Transport.IN_PROCESS), records(0, 100, "p").iterator());
    Status status = await(call);
    assertEquals(Status.Code.INVALID_ARGUMENT, status.getCode(), () -> status.toString());
    assertTrue(status.getDescription().startsWith("record 49 of this stream"), status::getDescription);
    assertTrue(status.getDescription().contains("not welcome"), status::getDescription);
    assertEquals(49, call.ackedCount());
    Poll.until(WAIT, () -> sink.openLanes() == 0 && scripted.openStreams() == 0, () -> "the stream let go");
    assertEquals(sequences(1, 49), scripted.stored(), "nothing after the refused record");
    assertEquals(1, scripted.streams(), "no reopening after a refusal of the record itself");
  }

  @Test
  void clientCancel_cancelsItsDownstreamStream() throws Exception {
    startScripted();
    scripted.ackLimit(0); // stores, never acknowledges: the stream stays busy
    PipelinedStreamSink sink = pipeline(scriptedClient(), retries(3, null), Scheduler.system("test-stream"), null);
    TestGateway up = upstream(sink);

    StreamingCall call = StreamingCall.startOpen(up.async(Transport.IN_PROCESS), records(0, 10, "p").iterator());
    Poll.until(WAIT, () -> scripted.stored().size() == 10, () -> "10 stored, " + scripted.stored().size());
    assertEquals(1, scripted.openStreams());
    assertEquals(1, sink.openLanes());

    call.cancel();
    Poll.until(WAIT, () -> scripted.openStreams() == 0, () -> "the downstream stream still open after the cancel");
    Poll.until(WAIT, () -> sink.openLanes() == 0, () -> "the lane still held after the cancel");
    assertEquals(1, scripted.streams());
  }

  @Test
  void repeatedStreamFailures_openTheRoutesBreaker_whichThenFailsStreamsAndUnaryWritesFast() throws Exception {
    startScripted();
    scripted.failStreams(Status.RESOURCE_EXHAUSTED.withDescription("busy")); // no RetryInfo: the policy times retries
    FakeScheduler timers = new FakeScheduler();
    CircuitBreaker breaker = new CircuitBreaker("fwd", new BreakerPolicy(0.5, 20, 3, Duration.ofMinutes(10), 1), timers);
    PipelinedStreamSink sink = pipeline(scriptedClient(), retries(4, breaker), timers, breaker);
    TestGateway up = upstream(sink);

    StreamingCall call = StreamingCall.startOpen(up.async(Transport.IN_PROCESS), records(0, 5, "p").iterator());
    for (int failed = 1; failed <= 3; failed++) {
      int streams = failed;
      Poll.until(WAIT, () -> scripted.streams() == streams && reopenings(timers).size() >= streams,
          () -> streams + " failed streams and a reopening each, saw " + scripted.streams() + ", " + timers.delays());
      timers.advance(reopenings(timers).get(streams - 1));
    }
    // The third failure opened the breaker: the fourth stream is refused without reaching the downstream,
    // and with the attempts spent the client hears the breaker's refusal.
    Status status = await(call);
    assertEquals(Status.Code.UNAVAILABLE, status.getCode(), () -> status.toString());
    assertTrue(status.getDescription().contains("circuit breaker open"), status::getDescription);
    assertEquals(List.of(Duration.ofMillis(10), Duration.ofMillis(20), Duration.ofMillis(40)),
        reopenings(timers), "the route's backoff between the failed streams");
    assertEquals(CircuitBreaker.State.OPEN, breaker.state());
    assertEquals(3, scripted.streams());

    StatusRuntimeException unary = assertThrows(StatusRuntimeException.class,
        () -> up.blocking(Transport.IN_PROCESS).write(record(0, "q")));
    assertEquals(Status.Code.UNAVAILABLE, unary.getStatus().getCode());
    assertTrue(unary.getStatus().getDescription().contains("circuit breaker open"), unary.getStatus()::getDescription);
    assertEquals(3, scripted.streams(), "nothing reached the downstream while the breaker is open");

    scripted.failStreams(null);
    timers.advance(Duration.ofMinutes(10)); // half-open: the next stream is the probe
    StreamingCall again = StreamingCall.start(up.async(Transport.IN_PROCESS), records(0, 5, "p").iterator());
    assertEquals(Status.Code.OK, await(again).getCode(), () -> "the probe stream failed: " + again.error);
    assertEquals(CircuitBreaker.State.CLOSED, breaker.state());
    assertEquals(sequences(1, 5), scripted.stored());
  }
}
