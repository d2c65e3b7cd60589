package dev.sinkgate.server.log;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The framing benchmark measures real frames: the bytes it builds, written after a
 * segment header, are a log that the log's own verifier passes and its reader decodes to
 * the same payload, with a CRC equal to CRC32C computed here over the frame's body.
 */
class LogFrameBenchmarkTest {
  @TempDir
  Path dir;

  @ParameterizedTest
  @ValueSource(ints = {100, 1024, 65536})
  void frame_decodesWithTheLogsReaderToThePayload_andCarriesTheBodysCrc32c(int size) throws IOException {
    LogFrameBenchmark bench = new LogFrameBenchmark();
    bench.size = size;
    bench.setUp();
    LogFrameBenchmark.Bytes counter = new LogFrameBenchmark.Bytes();

    ByteBuffer frame = bench.frame(counter).duplicate().flip();
    assertEquals(size, counter.bytes, "payload bytes counted");
    int bodyLength = frame.getInt(0);
    assertEquals(8 + bodyLength, frame.remaining(), "the frame is its header and body, nothing more");
    CRC32C crc = new CRC32C();
    crc.update(frame.array(), 8, bodyLength);
    assertEquals((int) crc.getValue(), frame.getInt(4), "stored CRC is CRC32C of the body");

    try (FileChannel ch = FileChannel.open(dir.resolve("00000000000000000000.log"),
        StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      ch.write(new ByteBuffer[] {LogFormat.segmentHeader(0), frame});
    }
    LogVerifier.Summary summary = LogVerifier.verify(dir);
    assertTrue(summary.clean(), "verifier: " + summary);
    assertEquals(1, summary.records());
    List<LogRecord> records = LogReader.readAll(dir);
    assertEquals(1, records.size());
    LogRecord r = records.get(0);
    assertArrayEquals(bench.data, r.data());
    assertEquals(0, r.offset());
    assertEquals("", r.key());
    assertEquals(Map.of(), r.headers());
    assertEquals(false, r.hasProducer());
  }
}
