package dev.sinkgate.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.protobuf.ByteString;
import dev.sinkgate.proto.v1.Durability;
import dev.sinkgate.proto.v1.SinkGrpc;
import dev.sinkgate.proto.v1.WriteAck;
import dev.sinkgate.proto.v1.WriteRequest;
import dev.sinkgate.server.log.LogReader;
import dev.sinkgate.server.log.LogRecord;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM on a real gateway process while a WriteStream is busy: the drain must
 * acknowledge exactly what it stored, end the stream with UNAVAILABLE, sync the log and
 * exit 0. A child process because only a process gets a signal and an exit code. Over TCP
 * and over a Unix socket, as a pod's termination does it to a sidecar, whose socket file
 * must be gone afterwards.
 */
class SigtermDrainTest {
  /** Acked before the signal: enough that the signal lands mid-stream, with group commits in flight. */
  private static final long ACKED_BEFORE_SIGTERM = 5000;
  // Generous bounds: the machine that runs this is small and shared; none of them is a sleep.
  private static final Duration START = Duration.ofSeconds(60);
  private static final Duration WRITING = Duration.ofSeconds(120);
  private static final Duration DRAIN = Duration.ofSeconds(15);
  private static final Duration EXIT = Duration.ofSeconds(30);

  @TempDir Path tmp;
  private GatewayProcess gateway;
  private ManagedChannel channel;

  @AfterEach
  void closeAll() throws InterruptedException {
    try {
      if (channel != null) {
        channel.shutdownNow();
        channel.awaitTermination(10, TimeUnit.SECONDS);
      }
    } finally {
      if (gateway != null) {
        gateway.close();
      }
    }
  }

  @ParameterizedTest(name = "over {0}")
  @ValueSource(strings = {"tcp", "unix"})
  void sigtermDuringWriteStream_acknowledgesEveryStoredRecordAndExitsZero(String transport) throws Exception {
    Path logDir = tmp.resolve("log");
    Path config = tmp.resolve("sinkgate.yaml");
    Path socket = tmp.resolve("sink.sock");
    Files.writeString(config, "listen: [\"127.0.0.1:0\"]\n"
        + "sinks:\n"
        + "  default: { type: file, path: \"" + logDir + "\", fsync: always }\n");
    long started = System.nanoTime();
    gateway = GatewayProcess.serve(config, tmp, START, "--drain-timeout", DRAIN.toSeconds() + "s",
        "--listen", "unix://" + socket);
    channel = transport.equals("unix")
        ? Grpc.newChannelBuilder("unix://" + socket, InsecureChannelCredentials.create()).build()
        : NettyChannelBuilder.forAddress("127.0.0.1", gateway.port()).usePlaintext().build();

    StreamWriter writer = new StreamWriter();
    SinkGrpc.newStub(channel).writeStream(writer);
    Poll.until(WRITING, () -> writer.lastAck.get() >= ACKED_BEFORE_SIGTERM || writer.ended.getCount() == 0,
        () -> ACKED_BEFORE_SIGTERM + " records acknowledged; acked " + writer.lastAck.get()
            + " of " + writer.sent.get() + " sent");
    assertEquals(1, writer.ended.getCount(), () -> "the stream ended before the signal: " + writer.status.get());
    long ackedBeforeSigterm = writer.lastAck.get();
    long sentBeforeSigterm = writer.sent.get();
    long signalled = System.nanoTime();
    gateway.sigterm();

    assertTrue(writer.ended.await(EXIT.toSeconds(), TimeUnit.SECONDS), "the stream did not end after SIGTERM");
    long streamEnded = System.nanoTime();
    Status status = writer.status.get();
    assertEquals(Status.Code.UNAVAILABLE, status.getCode(), () -> "the stream ended with " + status);
    List<WriteAck> acks = writer.acks();
    WriteAck finalAck = acks.get(acks.size() - 1);
    long acked = finalAck.getCount();
    assertTrue(acked >= ackedBeforeSigterm, () -> "acks went backwards: " + acked + " < " + ackedBeforeSigterm);
    assertTrue(status.getDescription().contains("resend from record " + acked),
        () -> "the drain status does not say where to resume after the final ack of " + acked + ": " + status);
    long previous = 0;
    for (WriteAck a : acks) {
      assertTrue(a.getCount() >= previous, () -> "acks went backwards: " + acks);
      if (a.getCount() > 0) {
        assertEquals(Durability.DURABILITY_SYNCED, a.getDurability(), () -> "durability of ack " + a);
      }
      previous = a.getCount();
    }
    assertEquals(expectedBytes(acked), finalAck.getWritten(), "bytes acknowledged by the final ack");

    // The gateway is draining or gone: either way a new call must not store anything.
    StatusRuntimeException refused = assertThrows(StatusRuntimeException.class, () -> SinkGrpc.newBlockingStub(channel)
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .write(WriteRequest.newBuilder().setData(ByteString.copyFromUtf8("after-sigterm")).build()));
    assertEquals(Status.Code.UNAVAILABLE, refused.getStatus().getCode(), () -> "a write after SIGTERM got " + refused);

    int exitCode = gateway.awaitExit(EXIT);
    long exited = System.nanoTime();
    String stderr = gateway.stderr();
    assertEquals(0, exitCode, () -> "exit code after SIGTERM; stderr:\n" + stderr);
    assertTrue(stderr.contains("sinkgate: draining (up to " + DRAIN.toMillis() + " ms)"), stderr);
    assertTrue(stderr.contains("sinkgate: drained; every sink flushed and closed"), stderr);
    assertFalse(Files.exists(socket, LinkOption.NOFOLLOW_LINKS), "the socket file is gone after the exit");
    System.err.printf("SigtermDrainTest: %d records sent (%d before SIGTERM), %d acked (%d before SIGTERM) in %d acks;"
            + " start and write %d ms, SIGTERM to stream end %d ms, SIGTERM to exit %d ms%n",
        writer.sent.get(), sentBeforeSigterm, acked, ackedBeforeSigterm, acks.size(), millis(started, signalled),
        millis(signalled, streamEnded), millis(signalled, exited));

    // The drain acknowledged every record it accepted, so the log holds exactly the acked ones.
    List<LogRecord> records = LogReader.readAll(logDir);
    assertEquals(acked, records.size(), "records in the log vs records acknowledged");
    for (int i = 0; i < records.size(); i++) {
      LogRecord r = records.get(i);
      int n = i;
      assertEquals(i, r.offset(), "offset");
      assertArrayEquals(data(i), r.data(), () -> "data of record " + n);
      assertEquals(key(i), r.key(), () -> "key of record " + n);
      assertEquals(headers(i), r.headers(), () -> "headers of record " + n);
    }
  }

  /**
   * Writes records 0, 1, 2, … as fast as the stream is ready, until the server ends the
   * stream; never half-closes, so it is the drain that ends the stream. Like a producer
   * that keeps unacknowledged records for resending, it stays at most
   * {@link #MAX_UNACKED} records ahead of the acks. That also keeps the acks it has read
   * current: a writer that sends whenever the transport is ready monopolises gRPC's
   * serialized callbacks and reads its acks up to a flow-control window (~70k acks) late.
   * Sends happen only in callbacks (onReady, onNext), which gRPC serializes, so no lock
   * is needed.
   */
  private static final class StreamWriter implements ClientResponseObserver<WriteRequest, WriteAck> {
    static final long MAX_UNACKED = 4096;

    final AtomicLong sent = new AtomicLong();
    final AtomicLong lastAck = new AtomicLong();
    final AtomicReference<Status> status = new AtomicReference<>();
    final CountDownLatch ended = new CountDownLatch(1);
    private final List<WriteAck> acks = new ArrayList<>();
    private ClientCallStreamObserver<WriteRequest> requests;
    private volatile boolean done;

    @Override
    public void beforeStart(ClientCallStreamObserver<WriteRequest> requestStream) {
      requests = requestStream;
      requestStream.setOnReadyHandler(this::sendWhileReady);
    }

    private void sendWhileReady() {
      while (!done && requests.isReady() && sent.get() - lastAck.get() < MAX_UNACKED) {
        int i = Math.toIntExact(sent.get());
        requests.onNext(WriteRequest.newBuilder()
            .setData(ByteString.copyFrom(data(i)))
            .setKey(key(i))
            .putAllHeaders(headers(i))
            .build());
        sent.incrementAndGet();
      }
    }

    @Override
    public void onNext(WriteAck ack) {
      synchronized (acks) {
        acks.add(ack);
      }
      lastAck.set(ack.getCount());
      sendWhileReady();
    }

    @Override
    public void onError(Throwable t) {
      finish(Status.fromThrowable(t));
    }

    @Override
    public void onCompleted() {
      finish(Status.OK);
    }

    private void finish(Status s) {
      done = true;
      status.set(s);
      ended.countDown();
    }

    List<WriteAck> acks() {
      synchronized (acks) {
        assertNotNull(status.get(), "acks are complete only once the stream ended");
        if (acks.isEmpty()) {
          fail("the stream ended with " + status.get() + " without a single ack");
        }
        return List.copyOf(acks);
      }
    }
  }

  /** Record {@code i}'s data: a unique prefix, then 32 to 287 bytes of every value, derived from {@code i}. */
  static byte[] data(int i) {
    byte[] prefix = ("rec-" + i + "-").getBytes(StandardCharsets.US_ASCII);
    SplittableRandom random = new SplittableRandom(i);
    byte[] data = new byte[prefix.length + 32 + random.nextInt(256)];
    System.arraycopy(prefix, 0, data, 0, prefix.length);
    for (int j = prefix.length; j < data.length; j++) {
      data[j] = (byte) random.nextInt(256);
    }
    return data;
  }

  static String key(int i) {
    return "key-" + (i % 16);
  }

  static Map<String, String> headers(int i) {
    return Map.of("origin", "sigterm-test", "n", Integer.toString(i));
  }

  private static long millis(long fromNanos, long toNanos) {
    return (toNanos - fromNanos) / 1_000_000;
  }

  private static long expectedBytes(long count) {
    long bytes = 0;
    for (int i = 0; i < count; i++) {
      bytes += data(i).length;
    }
    return bytes;
  }
}
