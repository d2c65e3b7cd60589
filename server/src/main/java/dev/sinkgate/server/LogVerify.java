package dev.sinkgate.server;

import dev.sinkgate.server.log.LogVerifier;
import java.io.PrintStream;
import java.time.Instant;

/** {@code sinkgate log verify}: prints a {@link LogVerifier.Summary} as text or one JSON object. */
final class LogVerify {
  private LogVerify() {}

  enum Format { TEXT, JSON }

  static void print(LogVerifier.Summary s, Format format, PrintStream out) {
    out.println(format == Format.JSON ? json(s) : text(s));
    out.flush();
  }

  private static String status(LogVerifier.Summary s) {
    return s.clean() ? "ok" : s.finding().problem().name().toLowerCase(java.util.Locale.ROOT);
  }

  static String text(LogVerifier.Summary s) {
    StringBuilder b = new StringBuilder();
    b.append("log ").append(s.directory()).append(": ").append(status(s)).append('\n');
    b.append("segments    ").append(s.segments()).append('\n');
    b.append("records     ").append(s.records()).append(s.clean() ? "" : " (before the problem)").append('\n');
    b.append("bytes       ").append(s.bytes()).append('\n');
    if (s.records() == 0) {
      b.append("offsets     none\n");
      b.append("timestamps  none");
    } else {
      b.append("offsets     ").append(s.firstOffset()).append(" to ").append(s.lastOffset()).append('\n');
      b.append("timestamps  ").append(Instant.ofEpochMilli(s.earliestMillis())).append(" to ")
          .append(Instant.ofEpochMilli(s.latestMillis()));
    }
    if (!s.clean()) {
      LogVerifier.Finding f = s.finding();
      b.append('\n').append(status(s)).append(" at  ").append(f.segment().getFileName())
          .append(" byte ").append(f.position()).append(", offset ").append(f.offset());
    }
    return b.toString();
  }

  /** Absent values (no records, no finding) are JSON null, so every key is always there. */
  static String json(LogVerifier.Summary s) {
    StringBuilder b = new StringBuilder(256);
    b.append("{\"path\":");
    LogCat.quote(b, s.directory().toString());
    b.append(",\"status\":\"").append(status(s)).append('"');
    b.append(",\"segments\":").append(s.segments());
    b.append(",\"records\":").append(s.records());
    b.append(",\"bytes\":").append(s.bytes());
    boolean any = s.records() > 0;
    b.append(",\"first_offset\":").append(any ? Long.toString(s.firstOffset()) : "null");
    b.append(",\"last_offset\":").append(any ? Long.toString(s.lastOffset()) : "null");
    b.append(",\"earliest_timestamp\":");
    timestamp(b, any, s.earliestMillis());
    b.append(",\"latest_timestamp\":");
    timestamp(b, any, s.latestMillis());
    b.append(",\"problem\":");
    if (s.clean()) {
      b.append("null");
    } else {
      LogVerifier.Finding f = s.finding();
      b.append("{\"segment\":");
      LogCat.quote(b, f.segment().toString());
      b.append(",\"position\":").append(f.position());
      b.append(",\"offset\":").append(f.offset());
      b.append(",\"message\":");
      LogCat.quote(b, f.message());
      b.append('}');
    }
    return b.append('}').toString();
  }

  private static void timestamp(StringBuilder b, boolean present, long millis) {
    if (present) {
      LogCat.quote(b, Instant.ofEpochMilli(millis).toString());
    } else {
      b.append("null");
    }
  }
}
