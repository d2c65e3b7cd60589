package dev.sinkgate.cli;

import com.google.protobuf.UnsafeByteOperations;
import dev.sinkgate.client.SinkClient;
import dev.sinkgate.client.StreamWriter;
import dev.sinkgate.proto.v1.Durability;
import dev.sinkgate.proto.v1.WriteRequest;
import java.io.IOException;
import java.util.function.LongSupplier;

/**
 * {@code write --lines}: every line of the input becomes one record, sent in order over
 * one {@code WriteStream} through a {@link StreamWriter}, so at most {@code window} records
 * are in memory and a slow gateway slows the reading of the input. Each record is
 * {@code template} (sink, key, headers) with the line as its data.
 */
final class LinesWriter {
  /** What a finished run accomplished: every record acknowledged. */
  record Summary(long records, long bytes, Durability durability, long nanos) {
    double seconds() {
      return nanos / 1e9;
    }
  }

  private final WriteRequest template;
  private final int window;
  private final Progress progress;
  private final LongSupplier nanoTime;

  LinesWriter(WriteRequest template, int window, Progress progress, LongSupplier nanoTime) {
    this.template = template;
    this.window = window;
    this.progress = progress;
    this.nanoTime = nanoTime;
  }

  /**
   * Sends every line of {@code lines} and waits until all are acknowledged.
   *
   * @throws StreamWriter.StreamFailedException if the stream failed: its
   *     {@code acknowledged()} first lines are stored, the rest are not
   * @throws dev.sinkgate.client.SinkException if a step timed out
   * @throws IOException if the input could not be read; the lines before it were sent
   *     (and acknowledged, unless the stream failed too, which is then suppressed)
   */
  Summary write(SinkClient client, LineSplitter lines) throws IOException {
    long start = nanoTime.getAsLong();
    StreamWriter stream = client.openStream(window);
    try (stream) { // closing flushes and waits for the gateway to complete the stream
      byte[] line;
      while ((line = lines.next()) != null) {
        // The splitter hands out a new array per line and never touches it again.
        stream.write(template.toBuilder().setData(UnsafeByteOperations.unsafeWrap(line)).build());
        if (progress.due()) {
          progress.draw(progressLine(stream.acknowledged(), stream.acknowledgedBytes(), nanoTime.getAsLong() - start));
        }
      }
    } finally {
      progress.clear();
    }
    return new Summary(stream.acknowledged(), stream.acknowledgedBytes(), stream.durability(),
        nanoTime.getAsLong() - start);
  }

  static String progressLine(long records, long bytes, long nanos) {
    return "sinkctl: " + records + " records, " + Units.bytes(bytes) + ", "
        + Units.perSecond(Units.rate(records, nanos / 1e9)) + " records/s";
  }
}
