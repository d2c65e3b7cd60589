package dev.sinkgate.bench.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Real sockets on 127.0.0.1, briefly; no figure is checked beyond being positive. */
class LoopbackBandwidthTest {
  @Test
  void transfer_briefly_theReaderReceivesExactlyWhatTheWriterSent() throws Exception {
    LoopbackBandwidth.Transfer t = LoopbackBandwidth.transfer(Duration.ofMillis(200), 64 * 1024);

    assertTrue(t.sent() > 0 && t.sent() % (64 * 1024) == 0, "whole chunks sent: " + t);
    assertEquals(t.sent(), t.received(), "bytes received");
    assertTrue(t.bytesPerSecond() > 0, "bytes/s: " + t);
  }

  @Test
  void measure_oddChunkSize_isPositiveBytesPerSecond() throws Exception {
    double bytesPerSecond = LoopbackBandwidth.measure(Duration.ofMillis(100), 1000);

    assertTrue(bytesPerSecond > 0 && Double.isFinite(bytesPerSecond), "bytes/s: " + bytesPerSecond);
  }

  @Test
  void measure_zeroChunk_isRefusedSayingWhatWasExpected() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> LoopbackBandwidth.measure(Duration.ofMillis(100), 0));
    assertEquals("chunkBytes: 0 (expected: > 0)", e.getMessage());
  }
}
