package dev.sinkgate.cli;

import java.util.Map;

/**
 * Writes one JSON object on one line, keys in insertion order. Values may be strings,
 * numbers, booleans, {@code null}, nested {@code Json} objects or maps of those.
 * Non-finite doubles are written as {@code null} (JSON has no NaN). Not thread-safe.
 *
 * <p>Written out rather than taken from a library: the CLI prints a handful of flat
 * objects, and the only JSON library on the class path is gson, there only as a runtime
 * dependency of grpc.
 */
final class Json {
  private final StringBuilder b = new StringBuilder("{");
  private boolean empty = true;

  static Json object() {
    return new Json();
  }

  Json put(String key, Object value) {
    if (!empty) {
      b.append(',');
    }
    empty = false;
    string(b, key);
    b.append(':');
    value(b, value);
    return this;
  }

  @Override
  public String toString() {
    return b + "}";
  }

  private static void value(StringBuilder b, Object v) {
    if (v == null) {
      b.append("null");
    } else if (v instanceof String s) {
      string(b, s);
    } else if (v instanceof Double || v instanceof Float) {
      double d = ((Number) v).doubleValue();
      b.append(Double.isFinite(d) ? Double.toString(d) : "null");
    } else if (v instanceof Number || v instanceof Boolean) {
      b.append(v);
    } else if (v instanceof Json j) {
      b.append(j);
    } else if (v instanceof Map<?, ?> m) {
      Json o = new Json();
      m.forEach((k, x) -> o.put(String.valueOf(k), x));
      b.append(o);
    } else {
      string(b, v.toString());
    }
  }

  private static void string(StringBuilder b, String s) {
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
          if (c < 0x20) {
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
