package dev.sinkgate.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.sinkgate.proto.v1.Durability;
import dev.sinkgate.proto.v1.WriteAck;
import dev.sinkgate.proto.v1.WriteRequest;
import dev.sinkgate.proto.v1.WriteResponse;
import dev.sinkgate.server.TestGateway.Transport;
import dev.sinkgate.server.log.FileLog;
import dev.sinkgate.server.log.FileLogSink;
import dev.sinkgate.server.log.FsyncPolicy;
import dev.sinkgate.server.log.LogReader;
import dev.sinkgate.server.log.LogRecord;
import dev.sinkgate.server.route.Route;
import dev.sinkgate.server.sink.DiscardRecordSink;
import io.grpc.Status;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Unary and streaming writes against a real gateway, on both transports. */
class GatewayWriteTest {
  @TempDir Path dir;

  private Route fileRoute(String name, FsyncPolicy fsync) throws IOException {
    FileLog log = FileLog.open(dir.resolve(name), w -> {});
    return new Route(name, new FileLogSink(name, log, fsync, 4096, 64 << 20, Clock.systemUTC()),
        Route.DEFAULT_MAX_RECORD_BYTES);
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void unaryWrite_returnsByteLengthDurabilityAndOffset(Transport transport) throws Exception {
    try (TestGateway gw = new TestGateway(List.of(fileRoute("default", FsyncPolicy.ALWAYS)))) {
      var stub = gw.blocking(transport).withDeadlineAfter(10, TimeUnit.SECONDS);
      WriteResponse first = stub.write(WriteRequest.newBuilder()
          .setData(ByteString.copyFromUtf8("héllo")).setKey("k1").putHeaders("h", "v").build());
      WriteResponse second = stub.write(WriteRequest.newBuilder()
          .setSink("default").setData(ByteString.copyFromUtf8("second")).build());

      assertEquals("héllo".getBytes(StandardCharsets.UTF_8).length, first.getWritten());
      assertEquals(Durability.DURABILITY_SYNCED, first.getDurability());
      assertEquals(0, first.getOffset());
      assertEquals(6, second.getWritten());
      assertEquals(1, second.getOffset());
      assertTrue(!first.getDuplicate());
    }
    List<LogRecord> stored = LogReader.readAll(dir.resolve("default"));
    assertEquals(2, stored.size());
    assertEquals("k1", stored.get(0).key());
    assertEquals(Map.of("h", "v"), stored.get(0).headers());
    assertEquals("héllo", new String(stored.get(0).data(), StandardCharsets.UTF_8));
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void unaryWrite_fsyncNeverReportsWritten(Transport transport) throws Exception {
    try (TestGateway gw = new TestGateway(List.of(fileRoute("fast", FsyncPolicy.NEVER)))) {
      WriteResponse r = gw.blocking(transport).write(WriteRequest.newBuilder()
          .setSink("fast").setData(ByteString.copyFromUtf8("x")).build());
      assertEquals(Durability.DURABILITY_WRITTEN, r.getDurability());
    }
  }

  static WriteRequest numbered(String sink, int i) {
    // Varying sizes and content, computed from i alone, so the test can recompute what it sent.
    String body = "record-" + i + "-" + "x".repeat(i % 97);
    return WriteRequest.newBuilder()
        .setSink(sink)
        .setData(ByteString.copyFromUtf8(body))
        .setKey("key-" + (i % 7))
        .putHeaders("index", Integer.toString(i))
        .putHeaders("parity", i % 2 == 0 ? "even" : "odd")
        .build();
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void stream_100kRecords_endsWithCumulativeAckOf100kAndLandsInOrder(Transport transport) throws Exception {
    int n = 100_000;
    long expectedBytes = IntStream.range(0, n).mapToLong(i -> numbered("default", i).getData().size()).sum();
    StreamingCall call;
    try (TestGateway gw = new TestGateway(List.of(fileRoute("default", FsyncPolicy.ALWAYS)))) {
      Iterator<WriteRequest> records = IntStream.range(0, n).mapToObj(i -> numbered("", i)).iterator();
      call = StreamingCall.start(gw.async(transport), records);
      Status status = call.done.get(120, TimeUnit.SECONDS);
      assertTrue(status.isOk(), "stream ended with " + status);
    }
    WriteAck last = call.acks.get(call.acks.size() - 1);
    assertEquals(n, last.getCount());
    assertEquals(expectedBytes, last.getWritten());
    assertEquals(Durability.DURABILITY_SYNCED, last.getDurability());
    long previous = 0;
    for (WriteAck ack : call.acks) {
      assertTrue(ack.getCount() >= previous, "acks went backwards: " + previous + " then " + ack.getCount());
      previous = ack.getCount();
    }
    // Group commit acknowledges a whole group with one cumulative ack.
    assertTrue(call.acks.size() < n / 10, "acks should be coalesced, got " + call.acks.size() + " for " + n + " records");

    List<LogRecord> stored = LogReader.readAll(dir.resolve("default"));
    assertEquals(n, stored.size());
    for (int i = 0; i < n; i++) {
      WriteRequest sent = numbered("", i);
      LogRecord r = stored.get(i);
      assertEquals(i, r.offset());
      assertArrayEquals(sent.getData().toByteArray(), r.data(), "record " + i);
      assertEquals(sent.getKey(), r.key(), "key of record " + i);
      assertEquals(sent.getHeadersMap(), r.headers(), "headers of record " + i);
    }
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void stream_recordsNamingDifferentSinks_goToTheirOwnRoutesInOrder(Transport transport) throws Exception {
    int n = 2_000;
    try (TestGateway gw = new TestGateway(List.of(
        fileRoute("left", FsyncPolicy.ALWAYS), fileRoute("right", FsyncPolicy.NEVER),
        new Route("trash", new DiscardRecordSink(), 1024)))) {
      Iterator<WriteRequest> records = IntStream.range(0, n)
          .mapToObj(i -> numbered(i % 3 == 0 ? "left" : i % 3 == 1 ? "right" : "trash", i)).iterator();
      StreamingCall call = StreamingCall.start(gw.async(transport), records);
      assertTrue(call.done.get(60, TimeUnit.SECONDS).isOk());
      assertEquals(n, call.ackedCount());
      // The weakest level among the acknowledged records: discard only reaches memory.
      assertEquals(Durability.DURABILITY_MEMORY, call.acks.get(call.acks.size() - 1).getDurability());
    }
    List<LogRecord> left = LogReader.readAll(dir.resolve("left"));
    List<LogRecord> right = LogReader.readAll(dir.resolve("right"));
    List<String> expectedLeft = IntStream.range(0, n).filter(i -> i % 3 == 0)
        .mapToObj(i -> numbered("left", i).getData().toStringUtf8()).toList();
    List<String> expectedRight = IntStream.range(0, n).filter(i -> i % 3 == 1)
        .mapToObj(i -> numbered("right", i).getData().toStringUtf8()).toList();
    assertEquals(expectedLeft, left.stream().map(r -> new String(r.data(), StandardCharsets.UTF_8)).toList());
    assertEquals(expectedRight, right.stream().map(r -> new String(r.data(), StandardCharsets.UTF_8)).toList());
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void stream_withNoRecords_completesWithAZeroAck(Transport transport) throws Exception {
    try (TestGateway gw = new TestGateway(List.of(new Route("default", new DiscardRecordSink(), 1024)))) {
      StreamingCall call = StreamingCall.start(gw.async(transport), List.<WriteRequest>of().iterator());
      assertTrue(call.done.get(10, TimeUnit.SECONDS).isOk());
      assertEquals(1, call.acks.size());
      assertEquals(0, call.acks.get(0).getCount());
    }
  }
}
