package dev.sinkgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinkgate.client.RetryPolicy;
import dev.sinkgate.client.SinkClient;
import dev.sinkgate.client.SinkException;
import dev.sinkgate.proto.v1.Durability;
import dev.sinkgate.proto.v1.SinkGrpc;
import dev.sinkgate.proto.v1.WriteRequest;
import dev.sinkgate.proto.v1.WriteResponse;
import dev.sinkgate.server.grpc.Statuses;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Client retries against a real server that fails on purpose: only UNAVAILABLE and
 * RESOURCE_EXHAUSTED are retried, never sooner than RetryInfo advises, never past the
 * deadline or the attempt limit.
 */
class SinkClientRetryTest {
  /** A Sink server that answers with planned failures first, then succeeds; it records when each attempt came. */
  private static final class FlakySink extends SinkGrpc.SinkImplBase {
    final Queue<Supplier<StatusRuntimeException>> failures = new ArrayDeque<>();
    final List<Long> attemptNanos = new CopyOnWriteArrayList<>();

    @Override
    public synchronized void write(WriteRequest request, StreamObserver<WriteResponse> responses) {
      attemptNanos.add(System.nanoTime());
      Supplier<StatusRuntimeException> failure = failures.poll();
      if (failure != null) {
        responses.onError(failure.get());
        return;
      }
      responses.onNext(WriteResponse.newBuilder().setWritten(request.getData().size())
          .setDurability(Durability.DURABILITY_MEMORY).build());
      responses.onCompleted();
    }
  }

  private final FlakySink sink = new FlakySink();
  private Server server;
  private ManagedChannel channel;

  private SinkClient client(RetryPolicy policy, Duration deadline) throws Exception {
    String name = "flaky-" + System.nanoTime();
    server = InProcessServerBuilder.forName(name).addService(sink).build().start();
    channel = InProcessChannelBuilder.forName(name).build();
    return SinkClient.builder(channel).retryPolicy(policy).deadline(deadline).build();
  }

  @AfterEach
  void closeServer() throws InterruptedException {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (server != null) {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private static StatusRuntimeException unavailable(Duration retryAfter) {
    return Statuses.withRetryInfo(Status.UNAVAILABLE, "downstream restarting", retryAfter);
  }

  @Test
  void unavailableWithRetryInfo_isRetriedNoSoonerThanAdvisedAndSucceeds() throws Exception {
    Duration advised = Duration.ofMillis(300);
    for (int i = 0; i < 2; i++) {
      sink.failures.add(() -> unavailable(advised));
    }
    // Backoff alone would retry after ~1 ms: the advised delay must win.
    try (SinkClient client = client(RetryPolicy.exponential(5, Duration.ofMillis(1), Duration.ofMillis(5)),
        Duration.ofSeconds(10))) {
      WriteResponse r = client.write("any", new byte[7]);
      assertEquals(7, r.getWritten());
    }
    assertEquals(3, sink.attemptNanos.size(), "two failures, then success");
    for (int i = 1; i < 3; i++) {
      long gap = sink.attemptNanos.get(i) - sink.attemptNanos.get(i - 1);
      assertTrue(gap >= advised.toNanos(), "retry " + i + " came after " + gap / 1_000_000 + " ms, advised "
          + advised.toMillis() + " ms");
    }
  }

  @Test
  void resourceExhausted_isRetriedToo() throws Exception {
    sink.failures.add(() -> Statuses.withRetryInfo(Status.RESOURCE_EXHAUSTED, "queue full", Duration.ofMillis(10)));
    try (SinkClient client = client(RetryPolicy.defaults(), Duration.ofSeconds(10))) {
      assertEquals(1, client.write("any", new byte[1]).getWritten());
    }
    assertEquals(2, sink.attemptNanos.size());
  }

  @Test
  void invalidArgument_isNotRetried() throws Exception {
    sink.failures.add(() -> Status.INVALID_ARGUMENT.withDescription("record too large").asRuntimeException());
    try (SinkClient client = client(RetryPolicy.defaults(), Duration.ofSeconds(10))) {
      SinkException e = assertThrows(SinkException.class, () -> client.write("any", new byte[1]));
      assertEquals(Status.Code.INVALID_ARGUMENT, e.code());
      assertEquals("record too large", e.description());
      assertFalse(e.retryable());
    }
    assertEquals(1, sink.attemptNanos.size(), "INVALID_ARGUMENT must not be retried");
  }

  @Test
  void retries_stopAtTheAttemptLimitAndReportTheLastFailure() throws Exception {
    for (int i = 0; i < 10; i++) {
      sink.failures.add(() -> unavailable(Duration.ofMillis(1)));
    }
    try (SinkClient client = client(RetryPolicy.exponential(3, Duration.ofMillis(1), Duration.ofMillis(2)),
        Duration.ofSeconds(10))) {
      SinkException e = assertThrows(SinkException.class, () -> client.write("any", new byte[1]));
      assertEquals(Status.Code.UNAVAILABLE, e.code());
      assertTrue(e.retryable());
      assertEquals(Duration.ofMillis(1), e.retryAfter().orElseThrow());
    }
    assertEquals(3, sink.attemptNanos.size());
  }

  @Test
  void retries_neverWaitPastTheDeadline() throws Exception {
    sink.failures.add(() -> unavailable(Duration.ofSeconds(30)));
    try (SinkClient client = client(RetryPolicy.defaults(), Duration.ofSeconds(2))) {
      SinkException e = assertThrows(SinkException.class, () -> client.write("any", new byte[1]));
      // The advised 30 s wait cannot fit in the 2 s deadline, so the client gives up at once
      // with the real cause; waiting would have ended in DEADLINE_EXCEEDED.
      assertEquals(Status.Code.UNAVAILABLE, e.code());
    }
    assertEquals(1, sink.attemptNanos.size());
  }

  @Test
  void retryPolicy_rejectsBadArgumentsSayingWhatWasExpected() {
    assertEquals("RetryPolicy.none()", RetryPolicy.none().toString());
    assertEquals(1, RetryPolicy.none().maxAttempts());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> RetryPolicy.exponential(3, Duration.ofSeconds(2), Duration.ofSeconds(1)));
    assertTrue(e.getMessage().contains("expected: 0 <= initial <= max"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> RetryPolicy.defaults().withJitter(1.5));
  }
}
