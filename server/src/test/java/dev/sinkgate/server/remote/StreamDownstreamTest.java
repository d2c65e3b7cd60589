package dev.sinkgate.server.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.sinkgate.client.SinkClient;
import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** What {@link StreamDownstream} reads from a failed stream's description, and the arguments it refuses. */
class StreamDownstreamTest {

  @Test
  void failedIndex_isTheRecordTheDescriptionNames() {
    assertEquals(7, StreamDownstream.failedIndex("record 7 of this stream (sink 'a'): too large"));
    assertEquals(0, StreamDownstream.failedIndex("record 0: over this sink's record limit")); // the Python sink's form
    assertEquals(-1, StreamDownstream.failedIndex("gateway is draining (shutting down): the first 12 records"));
    assertEquals(-1, StreamDownstream.failedIndex("records 3 and on"));
    assertEquals(-1, StreamDownstream.failedIndex(null));
  }

  @Test
  void badWindowOrTimeout_isRefusedSayingWhatWasExpected() throws InterruptedException {
    ManagedChannel channel = InProcessChannelBuilder.forName("nowhere").build();
    try {
      SinkClient client = SinkClient.builder(channel).build();
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> new StreamDownstream("r", client, "default", Duration.ofSeconds(1), 0, 1));
      assertEquals("windowRecords: 0 (expected: >= 1)", e.getMessage());
      e = assertThrows(IllegalArgumentException.class,
          () -> new StreamDownstream("r", client, "default", Duration.ZERO, 1, 1));
      assertEquals("ackTimeout: PT0S (expected: > 0)", e.getMessage());
    } finally {
      channel.shutdownNow();
      channel.awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
