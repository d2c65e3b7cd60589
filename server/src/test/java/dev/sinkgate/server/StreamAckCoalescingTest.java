package dev.sinkgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.sinkgate.proto.v1.WriteAck;
import dev.sinkgate.proto.v1.WriteRequest;
import dev.sinkgate.server.TestGateway.Transport;
import dev.sinkgate.server.route.Route;
import dev.sinkgate.server.sink.DiscardRecordSink;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Records are acknowledged together, not one ack message per record (an ack per 100 B
 * record costs more than the record): those a sink completes as they arrive (discard), one
 * ack per batch the transport delivers; a file log's group, one ack per group or so.
 */
class StreamAckCoalescingTest {

  @TempDir
  Path dir;

  @Test
  void recordsCompletedOnArrival_shareAcks_overNetty() throws Exception {
    assertAcksCoalesced(new Route("trash", new DiscardRecordSink(), 4096));
  }

  @Test
  void aFileLogsGroup_sharesAcks_thoughItsRecordsCompleteOneByOneOnTheWriterThread() throws Exception {
    assertAcksCoalesced(TestGateway.fileRoute("trash", dir.resolve("log"), new ArrayList<>()));
  }

  private static void assertAcksCoalesced(Route route) throws Exception {
    int n = 20_000;
    try (TestGateway gw = new TestGateway(List.of(route))) {
      ByteString payload = ByteString.copyFrom(new byte[100]);
      var records = IntStream.range(0, n).mapToObj(i -> WriteRequest.newBuilder()
          .setSink("trash").setData(payload).build()).iterator();
      StreamingCall call = StreamingCall.start(gw.async(Transport.LOOPBACK), records);

      assertTrue(call.done.get(60, TimeUnit.SECONDS).isOk());
      assertEquals(n, call.ackedCount());
      long previous = 0;
      for (WriteAck ack : call.acks) {
        assertTrue(ack.getCount() > previous, "acks are cumulative and rise: " + previous + " then " + ack.getCount());
        previous = ack.getCount();
      }
      assertTrue(call.acks.size() <= n / 10, call.acks.size() + " acks for " + n + " records (expected: coalesced,"
          + " many records per ack)");
    }
  }
}
