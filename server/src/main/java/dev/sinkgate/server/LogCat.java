package dev.sinkgate.server;

import dev.sinkgate.server.log.LogReader;
import dev.sinkgate.server.log.LogRecord;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;

/** {@code sinkgate log cat}: prints a file log's records, one JSON object per line or raw. */
final class LogCat {
  private LogCat() {}

  enum Format { JSON, RAW }

  /** Prints every record from {@code fromOffset}; returns how many were printed. */
  static long print(Path dir, long fromOffset, Format format, OutputStream out) throws IOException {
    long n = LogReader.read(dir, fromOffset, r -> {
      if (format == Format.RAW) {
        out.write(r.data());
        out.write('\n');
      } else {
        out.write(json(r).getBytes(StandardCharsets.UTF_8));
        out.write('\n');
      }
    });
    out.flush();
    return n;
  }

  /** {@code {"offset":0,"timestamp":"…","key":"…","headers":{…},"data":"base64"}} */
  static String json(LogRecord r) {
    StringBuilder b = new StringBuilder(64 + r.data().length * 4 / 3);
    b.append("{\"offset\":").append(r.offset());
    b.append(",\"timestamp\":");
    quote(b, Instant.ofEpochMilli(r.timestampMillis()).toString());
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
