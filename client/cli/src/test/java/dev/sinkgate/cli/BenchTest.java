package dev.sinkgate.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinkgate.client.SinkClient;
import dev.sinkgate.server.Gateway;
import io.grpc.Status;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** {@link Bench} against a real gateway on the in-process transport. */
@Timeout(60) // a hang (a deadlock, a lost ack) fails here instead of stalling the build
class BenchTest {
  private static final Duration DEADLINE = Duration.ofSeconds(10);

  private static Bench.Settings settings(String sink, Bench.Mode mode, double rate, int concurrency, long count,
      Duration duration) {
    return new Bench.Settings(sink, mode, rate, concurrency, 64, count, duration, 16);
  }

  private static BenchResult run(SinkClient client, Bench.Settings settings) throws InterruptedException {
    return new Bench(settings, client, System::nanoTime).run(Duration.ofMillis(50), s -> {});
  }

  @ParameterizedTest
  @EnumSource(Bench.Mode.class)
  void run_count_sendsExactlyThatManyAndTheGatewayReceivesThemAll(Bench.Mode mode) throws Exception {
    TestGateway.CountingSink sink = new TestGateway.CountingSink();
    try (TestGateway gw = TestGateway.start(Gateway.builder().route("bench", sink))) {
      BenchResult r = run(gw.inProcessClient(DEADLINE), settings("bench", mode, 0, 3, 3000, null));

      assertEquals(3000, r.records());
      assertEquals(3000, r.ok());
      assertEquals(0, r.failed());
      assertEquals(Map.of(), r.errors());
      assertEquals(3000, sink.records.get(), "every record reached the sink once");
      assertEquals(3000 * 64, sink.bytes.get());
      assertEquals(3000, r.latencyMicros().getTotalCount(), "one latency per accepted record");
      assertEquals(ExitCode.OK, r.exitCode());
    }
  }

  @ParameterizedTest
  @EnumSource(Bench.Mode.class)
  void run_unknownSink_countsEveryRecordAsNotFound(Bench.Mode mode) throws Exception {
    try (TestGateway gw = TestGateway.start(Gateway.builder().route("bench", new TestGateway.CountingSink()))) {
      BenchResult r = run(gw.inProcessClient(DEADLINE), settings("nosuch", mode, 0, 2, 200, null));

      assertEquals(200, r.records(), "each record is counted once, as sent or failed");
      assertEquals(0, r.ok());
      assertEquals(Map.of(Status.Code.NOT_FOUND, 200L), r.errors());
      assertEquals(ExitCode.NOT_FOUND, r.exitCode());
    }
  }

  @Test
  void run_pacedRecordsStuckBehindAStall_countTheirLatencyFromWhenTheyWereDue() throws Exception {
    AtomicBoolean first = new AtomicBoolean(true);
    // The stall is the point of the test: the first record takes 300 ms in the sink, while
    // 30 more records fall due (one every 10 ms) behind it on the one worker.
    TestGateway.CountingSink counter = new TestGateway.CountingSink();
    Gateway.Builder routes = Gateway.builder().route("slow", data -> {
      if (first.getAndSet(false)) {
        try {
          Thread.sleep(300);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return counter.write(data);
    });
    try (TestGateway gw = TestGateway.start(routes)) {
      BenchResult r = run(gw.inProcessClient(DEADLINE), settings("slow", Bench.Mode.UNARY, 100, 1, 40, null));

      assertEquals(40, r.ok());
      // Measured from the actual send, records 1..39 would take about a millisecond each.
      // Measured from when they were due, record k waited about 300 - 10k ms for the stall.
      assertTrue(r.maxLatencyMillis() >= 300, () -> "max " + r.maxLatencyMillis() + " ms");
      assertTrue(r.latencyMillis(50) >= 100, () -> "p50 " + r.latencyMillis(50) + " ms hides the stall");
    }
  }

  @Test
  void run_duration_stopsByItselfNearTheEnd() throws Exception {
    TestGateway.CountingSink sink = new TestGateway.CountingSink();
    try (TestGateway gw = TestGateway.start(Gateway.builder().route("bench", sink))) {
      BenchResult r = run(gw.inProcessClient(DEADLINE),
          settings("bench", Bench.Mode.STREAM, 1000, 2, 0, Duration.ofMillis(300)));

      assertEquals(300, r.records(), "records due in 300 ms at 1000/s: 0 to 299 ms");
      assertEquals(300, r.ok());
      assertEquals(300, sink.records.get());
      assertTrue(r.seconds() >= 0.299 && r.seconds() < 5, () -> "ran " + r.seconds() + " s");
    }
  }
}
