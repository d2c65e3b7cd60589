package dev.sinkgate.server;

import dev.sinkgate.server.log.LogReader;
import dev.sinkgate.server.log.LogRecord;
import dev.sinkgate.server.log.LogTail;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code sinkgate log cat}: prints a file log's records, one JSON object per line or raw;
 * with {@code --follow}, keeps printing records as they are appended.
 */
final class LogCat {
  private LogCat() {}

  enum Format { JSON, RAW }

  /** Prints every record from {@code fromOffset}; returns how many were printed. */
  static long print(Path dir, long fromOffset, Format format, OutputStream out) throws IOException {
    long n = LogReader.read(dir, fromOffset, r -> write(r, format, out));
    out.flush();
    return n;
  }

  /**
   * Prints every record from {@code fromOffset}, then each record appended later, checking
   * every {@code pollInterval}, until {@code stop} counts down or the thread is interrupted.
   * Returns how many were printed.
   */
  static long follow(Path dir, long fromOffset, Format format, OutputStream out, CountDownLatch stop,
      Duration pollInterval) throws IOException {
    LogTail tail = new LogTail(dir, fromOffset);
    long n = 0;
    try {
      do {
        n += tail.poll(r -> write(r, format, out));
        out.flush(); // a follower is read live: each batch goes out as it arrives
      } while (!stop.await(pollInterval.toNanos(), TimeUnit.NANOSECONDS));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return n;
  }

  private static void write(LogRecord r, Format format, OutputStream out) throws IOException {
    out.write(format == Format.RAW ? r.data() : json(r).getBytes(StandardCharsets.UTF_8));
    out.write('\n');
  }

  /**
   * {@code {"offset":0,"timestamp":"…","key":"…","headers":{…},"data":"base64"}}, with
   * {@code "producer_id":"…","sequence":N} after the timestamp when the record has them.
   */
  static String json(LogRecord r) {
    StringBuilder b = new StringBuilder(64 + r.data().length * 4 / 3);
    b.append("{\"offset\":").append(r.offset());
    b.append(",\"timestamp\":");
    quote(b, Instant.ofEpochMilli(r.timestampMillis()).toString());
    if (r.hasProducer()) {
      b.append(",\"producer_id\":");
      quote(b, r.producerId());
      b.append(",\"sequence\":").append(Long.toUnsignedString(r.sequence()));
    }
    b.append(",\"key\":");
    quote(b, r.key());
    b.append(",\"headers\":{");
    boolean first = true;
    for (Map.Entry<String, String> h : r.headers().entrySet()) {
      if (!first) {
        b.append(',');
      }
      first = false;
      quote(b, h.getKey());
      b.append(':');
      quote(b, h.getValue());
    }
    b.append("},\"data\":");
    quote(b, Base64.getEncoder().encodeToString(r.data()));
    return b.append('}').toString();
  }

  static void quote(StringBuilder b, String s) {
    b.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20 || c == 0x2028 || c == 0x2029) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    b.append('"');
  }
}
