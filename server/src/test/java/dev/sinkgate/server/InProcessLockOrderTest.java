package dev.sinkgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.protobuf.ByteString;
import dev.sinkgate.proto.v1.Durability;
import dev.sinkgate.proto.v1.SinkGrpc;
import dev.sinkgate.proto.v1.WriteRequest;
import dev.sinkgate.server.TestGateway.Transport;
import dev.sinkgate.server.route.Route;
import dev.sinkgate.server.sink.Accepted;
import dev.sinkgate.server.sink.Record;
import dev.sinkgate.server.sink.RecordSink;
import io.grpc.Status;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The in-process transport with direct executors (as an application embedding the gateway,
 * or a test, uses it) holds its own locks while it runs server callbacks, and takes them
 * inside every call a handler makes on its response observer. A stream handler that sent
 * acks and ends while holding its own lock deadlocked against it: a sink thread completing
 * a refused record ended one stream, while the thread starting the next stream on the same
 * channel delivered that stream's queued records to the first. Streams refused mid-way by
 * a sink that answers on its own threads, started back to back on one channel, must all end.
 */
class InProcessLockOrderTest {
  private static final int ROUNDS = 200;
  private static final int STREAMS_PER_ROUND = 4;
  private static final int RECORDS = 40;
  private static final int REFUSED = 25;

  /** Answers on its own threads; refuses every record whose data is "refuse". */
  private static final class AsyncRefusingSink implements RecordSink {
    private final ExecutorService threads = Executors.newFixedThreadPool(2);
    final AtomicLong stored = new AtomicLong();

    @Override
    public CompletableFuture<Accepted> append(Record record) {
      return CompletableFuture.supplyAsync(() -> {
        if (record.data().toStringUtf8().equals("refuse")) {
          throw Status.FAILED_PRECONDITION.withDescription("refused by the test sink").asRuntimeException();
        }
        stored.incrementAndGet();
        return new Accepted(record.data().size(), Durability.DURABILITY_MEMORY, 0);
      }, threads);
    }

    @Override
    public void close() {
      threads.shutdownNow();
    }
  }

  private static List<WriteRequest> records() {
    return IntStream.range(0, RECORDS)
        .mapToObj(i -> WriteRequest.newBuilder().setSink("async")
            .setData(ByteString.copyFromUtf8(i == REFUSED ? "refuse" : "record " + i)).build())
        .toList();
  }

  @Test
  void streamsEndedBySinkThreads_whileOthersStartOnTheSameChannel_allEnd() throws Exception {
    AsyncRefusingSink sink = new AsyncRefusingSink();
    ExecutorService starter = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "stream-starter");
      t.setDaemon(true); // left behind if a deadlock takes it in
      return t;
    });
    TestGateway gw = new TestGateway(List.of(new Route("async", sink, 1 << 20)));
    CompletableFuture<Void> rounds = null;
    try {
      SinkGrpc.SinkStub stub = gw.async(Transport.IN_PROCESS);
      // The rounds run on a thread of their own: a deadlock may take in the thread that starts streams.
      rounds = CompletableFuture.runAsync(() -> {
        for (int round = 0; round < ROUNDS; round++) {
          List<StreamingCall> calls = new ArrayList<>();
          for (int s = 0; s < STREAMS_PER_ROUND; s++) {
            calls.add(StreamingCall.start(stub, records().iterator()));
          }
          for (StreamingCall call : calls) {
            Status status = call.done.join();
            assertEquals(Status.Code.FAILED_PRECONDITION, status.getCode(), status::toString);
            assertEquals("refused by the test sink", status.getDescription());
            assertEquals(REFUSED, call.ackedCount(), "the records before the refused one, and no more, acknowledged");
          }
        }
      }, starter);
      awaitOrReportDeadlock(rounds);
      assertTrue(sink.stored.get() >= (long) ROUNDS * STREAMS_PER_ROUND * REFUSED, "every acknowledged record stored");
    } finally {
      if (rounds != null && rounds.isDone()) {
        gw.close(); // not after a deadlock: the drain would wait on the deadlocked calls
      }
      starter.shutdownNow();
    }
  }

  private static void awaitOrReportDeadlock(CompletableFuture<Void> rounds) throws Exception {
    try {
      rounds.get(60, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof AssertionError a) {
        throw a;
      }
      throw e;
    } catch (TimeoutException e) {
      ThreadMXBean threads = ManagementFactory.getThreadMXBean();
      long[] deadlocked = threads.findDeadlockedThreads();
      assertNull(deadlocked, () -> "deadlocked:\n" + Arrays.stream(threads.getThreadInfo(deadlocked, true, true))
          .map(ThreadInfo::toString).collect(Collectors.joining("\n")));
      fail("the streams did not all end within 60 s (no deadlock found)");
    }
  }
}
