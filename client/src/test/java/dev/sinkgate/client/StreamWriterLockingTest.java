package dev.sinkgate.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.sinkgate.proto.v1.SinkGrpc;
import dev.sinkgate.proto.v1.WriteAck;
import dev.sinkgate.proto.v1.WriteRequest;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link StreamWriter} on the in-process transport with direct executors, where a message
 * and an ack are delivered on the sending thread. A server that, like the gateway's
 * WriteStreamHandler, holds one monitor both while it takes a record and while it sends
 * an ack, must not deadlock with a writer.
 */
class StreamWriterLockingTest {
  private final String name = "stream-writer-test-" + UUID.randomUUID();
  private final Object serverMonitor = new Object();
  private final AtomicInteger arrived = new AtomicInteger();
  private final AtomicInteger received = new AtomicInteger();
  private final CountDownLatch secondArrived = new CountDownLatch(1);
  private final AtomicReference<StreamObserver<WriteAck>> acks = new AtomicReference<>();
  private Server server;
  private ManagedChannel channel;

  @AfterEach
  void close() throws InterruptedException {
    if (channel != null) {
      channel.shutdownNow();
      channel.awaitTermination(5, TimeUnit.SECONDS);
    }
    if (server != null) {
      server.shutdownNow();
      server.awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private final class MonitorService extends SinkGrpc.SinkImplBase {
    @Override
    public StreamObserver<WriteRequest> writeStream(StreamObserver<WriteAck> out) {
      acks.set(out);
      return new StreamObserver<>() {
        @Override
        public void onNext(WriteRequest r) {
          if (arrived.incrementAndGet() == 2) {
            secondArrived.countDown();
          }
          synchronized (serverMonitor) {
            int n = received.incrementAndGet();
            if (n >= 2) { // record 1 is acknowledged by the test's own thread
              out.onNext(WriteAck.newBuilder().setCount(n).setWritten(n).build());
            }
          }
        }

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {
          synchronized (serverMonitor) {
            out.onCompleted();
          }
        }
      };
    }
  }

  private static WriteRequest record() {
    return WriteRequest.newBuilder().setSink("s").setData(ByteString.copyFrom("x", StandardCharsets.UTF_8)).build();
  }

  @Test
  void write_whileTheServerAcksInlineUnderItsMonitor_doesNotDeadlock() throws Exception {
    server = InProcessServerBuilder.forName(name).directExecutor().addService(new MonitorService()).build().start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    SinkClient client = SinkClient.builder(channel).deadline(Duration.ofSeconds(5)).build();
    StreamWriter stream = client.openStream(8);
    stream.write(record()); // record 1: taken, not yet acknowledged

    // The server acknowledges record 1 holding its monitor, once record 2 waits for that monitor.
    CountDownLatch holding = new CountDownLatch(1);
    Thread acker = new Thread(() -> {
      synchronized (serverMonitor) {
        holding.countDown();
        try {
          if (secondArrived.await(5, TimeUnit.SECONDS)) {
            acks.get().onNext(WriteAck.newBuilder().setCount(1).setWritten(1).build());
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }, "acker");
    acker.setDaemon(true); // if the test fails, the deadlocked threads must not hold the JVM
    acker.start();
    assertTrue(holding.await(5, TimeUnit.SECONDS));
    Thread writer = new Thread(() -> stream.write(record()), "writer");
    writer.setDaemon(true);
    writer.start();

    writer.join(5_000);
    acker.join(5_000);
    assertFalse(writer.isAlive(), "the writer and the server's ack deadlocked");
    assertFalse(acker.isAlive(), "the server's ack is stuck");
    assertEquals(2, stream.acknowledged());
    stream.close();
    assertEquals(2, stream.acknowledged());
    assertEquals(2, received.get());
    client.close();
  }
}
