package dev.sinkgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.RetryInfo;
import dev.sinkgate.client.DataSink;
import dev.sinkgate.proto.v1.Durability;
import dev.sinkgate.proto.v1.SinkGrpc;
import dev.sinkgate.proto.v1.WriteRequest;
import dev.sinkgate.proto.v1.WriteResponse;
import dev.sinkgate.server.TestGateway.Transport;
import dev.sinkgate.server.route.Route;
import dev.sinkgate.server.sink.DataSinkRecordSink;
import dev.sinkgate.server.sink.DiscardRecordSink;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.protobuf.StatusProto;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Every status code of the contract, produced by a real request, with a useful description. */
class StatusCodesTest {

  private static WriteRequest record(String sink, String data) {
    return WriteRequest.newBuilder().setSink(sink).setData(ByteString.copyFromUtf8(data)).build();
  }

  private static Route slowRoute(String name, DataSink sink, int queue) {
    return new Route(name, new DataSinkRecordSink(name, sink, Durability.DURABILITY_MEMORY, queue, 1 << 20), 1 << 20);
  }

  /** The delay of the RetryInfo detail on {@code e}; fails if it has none. */
  static Duration retryDelay(StatusRuntimeException e) throws InvalidProtocolBufferException {
    com.google.rpc.Status details = StatusProto.fromThrowable(e);
    if (details == null) {
      throw new AssertionError("no google.rpc.Status details on " + e.getStatus());
    }
    for (var any : details.getDetailsList()) {
      if (any.is(RetryInfo.class)) {
        var d = any.unpack(RetryInfo.class).getRetryDelay();
        return Duration.ofSeconds(d.getSeconds(), d.getNanos());
      }
    }
    throw new AssertionError("no RetryInfo on " + e.getStatus());
  }

  private static StatusRuntimeException writeFails(SinkGrpc.SinkBlockingStub stub, WriteRequest r) {
    return assertThrows(StatusRuntimeException.class, () -> stub.withDeadlineAfter(10, TimeUnit.SECONDS).write(r));
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void invalidSinkName_isInvalidArgumentNamingTheRule(Transport t) throws Exception {
    try (TestGateway gw = new TestGateway(List.of(new Route("default", new DiscardRecordSink(), 1024)))) {
      StatusRuntimeException e = writeFails(gw.blocking(t), record("no spaces/allowed", "x"));
      assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
      assertTrue(e.getStatus().getDescription().contains("'no spaces/allowed' is invalid"), e.getMessage());
      assertTrue(e.getStatus().getDescription().contains("[A-Za-z0-9._-]"), e.getMessage());
    }
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void unknownRoute_isNotFoundNamingIt(Transport t) throws Exception {
    try (TestGateway gw = new TestGateway(List.of(new Route("default", new DiscardRecordSink(), 1024)))) {
      StatusRuntimeException e = writeFails(gw.blocking(t), record("audit", "x"));
      assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
      assertTrue(e.getStatus().getDescription().contains("no route named 'audit'"), e.getMessage());
      assertTrue(e.getStatus().getDescription().contains("default"), "lists the routes: " + e.getMessage());
    }
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void fullQueue_isResourceExhaustedWithRetryInfo(Transport t) throws Exception {
    BlockingDataSink sink = new BlockingDataSink();
    try (TestGateway gw = new TestGateway(List.of(slowRoute("slow", sink, 1)))) {
      var first = SinkGrpc.newFutureStub(gw.channel(t)).write(record("slow", "first"));
      sink.awaitEntered();

      StatusRuntimeException e = writeFails(gw.blocking(t), record("slow", "second"));
      assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
      assertTrue(e.getStatus().getDescription().contains("queue is full"), e.getMessage());
      assertTrue(retryDelay(e).toMillis() > 0);

      sink.release();
      assertEquals(5, first.get(10, TimeUnit.SECONDS).getWritten());
      assertEquals(List.of("first"), sink.stored(), "the refused record must not be stored");
    }
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void drainingGateway_refusesNewCallsWithUnavailableAndFinishesInFlightOnes(Transport t) throws Exception {
    BlockingDataSink sink = new BlockingDataSink();
    TestGateway gw = new TestGateway(List.of(slowRoute("slow", sink, 16)));
    try {
      var inFlight = SinkGrpc.newFutureStub(gw.channel(t)).write(record("slow", "in-flight"));
      sink.awaitEntered();
      CompletableFuture<Boolean> drained = CompletableFuture.supplyAsync(() -> gw.gateway.drain(Duration.ofSeconds(20)));
      var health = HealthGrpc.newBlockingStub(gw.channel(t));
      Poll.until(Duration.ofSeconds(10),
          () -> health.check(HealthCheckRequest.newBuilder().build()).getStatus() == ServingStatus.NOT_SERVING,
          () -> "health NOT_SERVING once draining");
      // Health goes NOT_SERVING first, then the gate closes: a call in between is still
      // taken (and drained). Wait for the gate, with calls that cannot store anything.
      gw.awaitNewCallsRefused(t);

      StatusRuntimeException e = writeFails(gw.blocking(t), record("slow", "late"));
      assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
      assertTrue(e.getStatus().getDescription().contains("draining"), e.getMessage());
      assertTrue(retryDelay(e).toMillis() > 0);

      sink.release();
      assertEquals(9, inFlight.get(10, TimeUnit.SECONDS).getWritten());
      assertTrue(drained.get(20, TimeUnit.SECONDS), "drain finished the in-flight write in time");
      assertEquals(List.of("in-flight"), sink.stored());
    } finally {
      sink.release();
      gw.close();
    }
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void expiredDeadline_isDeadlineExceededAndTheQueuedRecordIsNeverWritten(Transport t) throws Exception {
    BlockingDataSink sink = new BlockingDataSink();
    try (TestGateway gw = new TestGateway(List.of(slowRoute("slow", sink, 16)))) {
      var first = SinkGrpc.newFutureStub(gw.channel(t)).write(record("slow", "first"));
      sink.awaitEntered();

      StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
          () -> gw.blocking(t).withDeadlineAfter(200, TimeUnit.MILLISECONDS).write(record("slow", "too-late")));
      assertEquals(Status.Code.DEADLINE_EXCEEDED, e.getStatus().getCode());
      // The client's deadline fires a little before the server's; once the server has
      // cancelled its side too, only the first call is left.
      Poll.until(Duration.ofSeconds(10), () -> gw.gateway.callsInFlight() == 1,
          () -> "the server to cancel the expired call (in flight: " + gw.gateway.callsInFlight() + ")");

      sink.release();
      first.get(10, TimeUnit.SECONDS);
      WriteResponse after = gw.blocking(t).withDeadlineAfter(10, TimeUnit.SECONDS).write(record("slow", "after"));
      assertEquals(5, after.getWritten());
      assertEquals(List.of("first", "after"), sink.stored(), "the expired record was skipped");
    }
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void sinkThatThrows_isInternalNamingTheRouteAndTheFailure(Transport t) throws Exception {
    DataSink broken = data -> {
      throw new IllegalStateException("disk controller on fire");
    };
    try (TestGateway gw = new TestGateway(List.of(slowRoute("broken", broken, 16)))) {
      StatusRuntimeException e = writeFails(gw.blocking(t), record("broken", "x"));
      assertEquals(Status.Code.INTERNAL, e.getStatus().getCode());
      assertTrue(e.getStatus().getDescription().contains("route 'broken'"), e.getMessage());
      assertTrue(e.getStatus().getDescription().contains("disk controller on fire"), e.getMessage());
    }
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void sinkThatAcceptsPartOfARecord_isInternalSayingWhatItReturned(Transport t) throws Exception {
    DataSink shortWriter = data -> 1;
    try (TestGateway gw = new TestGateway(List.of(slowRoute("short", shortWriter, 16)))) {
      StatusRuntimeException e = writeFails(gw.blocking(t), record("short", "three"));
      assertEquals(Status.Code.INTERNAL, e.getStatus().getCode());
      assertTrue(e.getStatus().getDescription().contains("returned 1 for a record of 5 bytes"), e.getMessage());
    }
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void streamWithAnUnknownRoute_acknowledgesTheRecordsBeforeItAndNamesItsIndex(Transport t) throws Exception {
    try (TestGateway gw = new TestGateway(List.of(new Route("trash", new DiscardRecordSink(), 1024)))) {
      var records = IntStream.range(0, 10)
          .mapToObj(i -> record(i == 3 ? "missing" : "trash", "r" + i)).iterator();
      StreamingCall call = StreamingCall.start(gw.async(t), records);
      Status status = call.done.get(10, TimeUnit.SECONDS);
      assertEquals(Status.Code.NOT_FOUND, status.getCode());
      assertTrue(status.getDescription().startsWith("record 3 of this stream"), status.getDescription());
      assertTrue(status.getDescription().contains("no route named 'missing'"), status.getDescription());
      assertEquals(3, call.ackedCount(), "records 0..2 acknowledged before the error");
    }
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void blockedRoute_doesNotStallOtherRoutesOnTheSameConnection(Transport t) throws Exception {
    BlockingDataSink sink = new BlockingDataSink();
    try (TestGateway gw = new TestGateway(List.of(slowRoute("slow", sink, 16),
        new Route("trash", new DiscardRecordSink(), 1024)))) {
      var channel = gw.channel(t);
      var blocked = SinkGrpc.newFutureStub(channel).write(record("slow", "held"));
      sink.awaitEntered();
      // Same channel, so the same connection and event loop: if the blocked sink held the
      // event loop, this call could not complete.
      WriteResponse r = SinkGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
          .write(record("trash", "passes"));
      assertEquals(6, r.getWritten());
      assertTrue(!blocked.isDone(), "the slow write is still held");
      sink.release();
      assertEquals(4, blocked.get(10, TimeUnit.SECONDS).getWritten());
    }
  }
}
