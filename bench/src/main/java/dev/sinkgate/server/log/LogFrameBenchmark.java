package dev.sinkgate.server.log;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * JMH: framing one record as the file log's writer thread does ({@link FileLog#append}
 * sizes each record with {@link LogFormat#frameSize} and encodes it with
 * {@link LogFormat#writeFrame}: length, CRC32C of the body, attributes, offset,
 * timestamp, empty key and headers, data), against two baselines over the same payload:
 * {@link CRC32C} alone and a plain {@link ByteBuffer#put}. The ratio frame ÷ crc32c says
 * what the framing adds to the checksum it cannot avoid; put is the copy every append
 * makes anyway.
 *
 * <p>Lives in the log's package (on the class path, beside the server jar) because the
 * format is package-private: the benchmark calls the log's own code, not a copy of it.
 * Scores are operations (records) per second; the {@code bytes} secondary result is the
 * same rate in payload bytes per second.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class LogFrameBenchmark {
  /** Payload bytes per record: a small event, a typical record, a large one. */
  @Param({"100", "1024", "65536"})
  public int size;

  byte[] data;
  /** The same bytes as the log gets them: a record's payload is a ByteString. */
  ByteString payload;
  ByteBuffer out;
  private long offset;

  /** Counts payload bytes, which JMH reports as a rate beside the records per second. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.OPERATIONS)
  public static class Bytes {
    /** Payload bytes processed in this iteration. */
    public long bytes;

    @Setup(Level.Iteration)
    public void reset() {
      bytes = 0;
    }
  }

  @Setup(Level.Trial)
  public void setUp() {
    data = new byte[size];
    new Random(size).nextBytes(data);
    payload = ByteString.copyFrom(data);
    // One buffer reused: the writer thread allocates one per group, so at large groups
    // the allocation is spread over many records and is left out here.
    out = ByteBuffer.allocate(LogFormat.frameSize("", Map.of(), data));
  }

  /** One record framed the way {@link FileLog#append} frames it, CRC32C included. */
  @Benchmark
  public ByteBuffer frame(Bytes counter) {
    out.clear();
    int frameBytes = LogFormat.frameSize("", Map.of(), payload, "");
    if (frameBytes > out.capacity()) {
      throw new IllegalStateException("frame of " + frameBytes + " bytes, buffer of " + out.capacity());
    }
    LogFormat.writeFrame(out, offset++, 1_700_000_000_000L, true, "", Map.of(), payload, "", 0);
    counter.bytes += size;
    return out;
  }

  /** Baseline: CRC32C of the payload alone, the least any checksummed format costs. */
  @Benchmark
  public long crc32c(Bytes counter) {
    CRC32C crc = new CRC32C();
    crc.update(data);
    counter.bytes += size;
    return crc.getValue();
  }

  /** Baseline: copying the payload into a buffer, the least any append costs. */
  @Benchmark
  public ByteBuffer put(Bytes counter) {
    out.clear();
    out.put(data);
    counter.bytes += size;
    return out;
  }
}
