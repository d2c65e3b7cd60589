package dev.sinkgate.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import dev.sinkgate.proto.v1.SinkGrpc;
import dev.sinkgate.proto.v1.WriteRequest;
import dev.sinkgate.server.TestGateway.Transport;
import dev.sinkgate.server.log.LogReader;
import dev.sinkgate.server.log.LogRecord;
import dev.sinkgate.server.remote.RemoteRecordSink;
import dev.sinkgate.server.route.Route;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Payloads reach the file and the downstream byte-exact now that they travel as the
 * request's {@code ByteString}: whole, a slice at an offset of a larger one, and made of two
 * pieces. In-process, the server gets the very ByteString the test built, so a slice or a
 * two-piece payload reaches the log's framing (copy and CRC) as it is.
 */
class PayloadBytesTest {
  private static final int[] SIZES = {0, 1, 100, 64 << 10, 1 << 20};
  /** Where a slice starts in its larger ByteString: odd, so no alignment hides an offset bug. */
  private static final int SLICE_OFFSET = 7;

  @TempDir Path dir;

  /** The payloads written, in order: for each size, whole, a slice, and two pieces concatenated. */
  private static List<ByteString> payloads() {
    List<ByteString> out = new ArrayList<>();
    long seed = 1;
    for (int size : SIZES) {
      out.add(ByteString.copyFrom(random(size, seed++)));
      byte[] big = random(size + 2 * SLICE_OFFSET + 13, seed++);
      out.add(ByteString.copyFrom(big).substring(SLICE_OFFSET, SLICE_OFFSET + size));
      int half = size / 2;
      byte[] first = random(half, seed++);
      byte[] second = random(size - half, seed++);
      out.add(ByteString.copyFrom(first).concat(ByteString.copyFrom(second)));
    }
    return out;
  }

  private static byte[] random(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  /** Writes every payload through {@code stub} to {@code sink}, checking each answer's byte count. */
  private static void writeAll(SinkGrpc.SinkBlockingStub stub, String sink, List<ByteString> payloads) {
    for (int i = 0; i < payloads.size(); i++) {
      ByteString data = payloads.get(i);
      WriteRequest request = WriteRequest.newBuilder().setSink(sink).setKey("k" + i).setData(data).build();
      long written = stub.withDeadlineAfter(30, TimeUnit.SECONDS).write(request).getWritten();
      assertEquals(data.size(), written, "written for payload " + i);
    }
  }

  private static void assertStored(List<ByteString> payloads, Path log) throws Exception {
    List<LogRecord> stored = LogReader.readAll(log);
    assertEquals(payloads.size(), stored.size(), "records stored in " + log);
    for (int i = 0; i < payloads.size(); i++) {
      assertEquals("k" + i, stored.get(i).key(), "key at offset " + i);
      assertArrayEquals(payloads.get(i).toByteArray(), stored.get(i).data(),
          "payload " + i + " (" + payloads.get(i).size() + " bytes) at offset " + i);
    }
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void fileRoute_storesEveryPayloadByteExact_wholeSlicedOrInPieces(Transport t) throws Exception {
    List<ByteString> payloads = payloads();
    try (TestGateway gw = new TestGateway(List.of(TestGateway.fileRoute("audit", dir.resolve("audit"), new ArrayList<>())))) {
      writeAll(gw.blocking(t), "audit", payloads);
    }
    assertStored(payloads, dir.resolve("audit"));
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void remoteRoute_forwardsEveryPayloadByteExact_toASecondGateway(Transport t) throws Exception {
    List<ByteString> payloads = payloads();
    try (TestGateway downstream = new TestGateway(List.of(
            TestGateway.fileRoute("thumbs", dir.resolve("thumbs"), new ArrayList<>())));
        TestGateway upstream = new TestGateway(List.of(new Route("thumbs",
            RemoteRecordSink.open("thumbs", List.of("127.0.0.1:" + downstream.port()), "thumbs", Duration.ofSeconds(30)),
            Route.DEFAULT_MAX_RECORD_BYTES)))) {
      writeAll(upstream.blocking(t), "thumbs", payloads);
    }
    assertStored(payloads, dir.resolve("thumbs"));
  }
}
