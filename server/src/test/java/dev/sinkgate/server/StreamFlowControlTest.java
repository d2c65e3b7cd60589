package dev.sinkgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.sinkgate.proto.v1.Durability;
import dev.sinkgate.proto.v1.WriteRequest;
import dev.sinkgate.server.TestGateway.Transport;
import dev.sinkgate.server.grpc.StreamLimits;
import dev.sinkgate.server.route.Route;
import dev.sinkgate.server.sink.DataSinkRecordSink;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** A slow sink slows its writer through flow control instead of growing the gateway's memory. */
class StreamFlowControlTest {

  @ParameterizedTest
  @EnumSource(value = Transport.class, names = "LOOPBACK")
  void slowSink_holdsTheStreamToItsWindowAndBlocksTheWriter(Transport t) throws Exception {
    int window = 8;
    int n = 5_000;
    BlockingDataSink slow = new BlockingDataSink();
    CountingRecordSink counting = new CountingRecordSink(
        new DataSinkRecordSink("slow", slow, Durability.DURABILITY_MEMORY, 100_000, 1L << 30));
    byte[] payload = new byte[1024];
    try (TestGateway gw = new TestGateway(List.of(new Route("slow", counting, 4096)),
        new StreamLimits(window, 1 << 20))) {
      var records = IntStream.range(0, n).mapToObj(i -> WriteRequest.newBuilder()
          .setSink("slow").setData(ByteString.copyFrom(payload)).build()).iterator();
      StreamingCall call = StreamingCall.start(gw.async(t), records);
      slow.awaitEntered();
      Poll.until(Duration.ofSeconds(20), call.blockedByFlowControl::get,
          () -> "the writer to be blocked by flow control (sent " + call.sent.get() + ")");

      assertTrue(call.sent.get() < n, "the writer could not send everything while the sink was stuck");
      assertTrue(counting.appends.get() <= window,
          "the gateway took " + counting.appends.get() + " records off the wire (window " + window + ")");

      slow.release();
      assertTrue(call.done.get(60, TimeUnit.SECONDS).isOk());
      assertEquals(n, call.ackedCount());
      assertEquals(n, counting.appends.get());
    }
  }

  @ParameterizedTest
  @EnumSource(value = Transport.class, names = "LOOPBACK")
  void largeRecords_areHeldToTheByteWindow(Transport t) throws Exception {
    long maxBytes = 1 << 20;
    int size = 256 * 1024;
    BlockingDataSink slow = new BlockingDataSink();
    CountingRecordSink counting = new CountingRecordSink(
        new DataSinkRecordSink("slow", slow, Durability.DURABILITY_MEMORY, 100_000, 1L << 30));
    try (TestGateway gw = new TestGateway(List.of(new Route("slow", counting, 1 << 20)),
        new StreamLimits(1024, maxBytes))) {
      byte[] payload = new byte[size];
      var records = IntStream.range(0, 200).mapToObj(i -> WriteRequest.newBuilder()
          .setSink("slow").setData(ByteString.copyFrom(payload)).build()).iterator();
      StreamingCall call = StreamingCall.start(gw.async(t), records);
      slow.awaitEntered();
      Poll.until(Duration.ofSeconds(20), call.blockedByFlowControl::get, () -> "the writer to be blocked");
      // In flight: at most the byte window, plus the one record the window always allows.
      assertTrue((long) counting.appends.get() * size <= maxBytes + size,
          counting.appends.get() + " records of " + size + " bytes taken with a window of " + maxBytes);
      slow.release();
      assertTrue(call.done.get(60, TimeUnit.SECONDS).isOk());
      assertEquals(200, call.ackedCount());
    }
  }
}
