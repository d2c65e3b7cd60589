package dev.sinkgate.server;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A strict reader for one line of JSON (what {@code log cat} and the Python client print),
 * for assertions: objects become {@code Map<String, Object>} in document order, arrays
 * {@code List<Object>}, whole numbers that fit a long {@code Long} and other numbers {@link BigDecimal}, plus
 * {@code String}, {@code Boolean} and {@code null}. Anything that is not exactly one JSON value fails with the position.
 *
 * <p>Written out rather than taken from a library: the only JSON library on the class
 * path is gson, a runtime dependency of grpc, and declaring it test-scoped would narrow
 * its scope and drop it from the gateway's runtime class path.
 */
final class JsonLine {
  private final String text;
  private int pos;

  private JsonLine(String text) {
    this.text = text;
  }

  /** Parses {@code line}, which must hold one JSON object. */
  static Map<String, Object> object(String line) {
    JsonLine p = new JsonLine(line);
    p.skipSpace();
    if (p.peek() != '{') {
      throw p.error("expected an object");
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> value = (Map<String, Object>) p.value();
    p.skipSpace();
    if (p.pos != line.length()) {
      throw p.error("trailing text");
    }
    return value;
  }

  private Object value() {
    skipSpace();
    char c = peek();
    switch (c) {
      case '{': {
        pos++;
        Map<String, Object> map = new LinkedHashMap<>();
        skipSpace();
        if (peek() == '}') {
          pos++;
          return map;
        }
        do {
          skipSpace();
          String key = string();
          skipSpace();
          expect(':');
          if (map.put(key, value()) != null) {
            throw error("duplicate key '" + key + "'");
          }
          skipSpace();
        } while (take(','));
        expect('}');
        return map;
      }
      case '[': {
        pos++;
        List<Object> list = new ArrayList<>();
        skipSpace();
        if (peek() == ']') {
          pos++;
          return list;
        }
        do {
          list.add(value());
          skipSpace();
        } while (take(','));
        expect(']');
        return list;
      }
      case '"':
        return string();
      default:
        if (text.startsWith("true", pos)) {
          pos += 4;
          return Boolean.TRUE;
        }
        if (text.startsWith("false", pos)) {
          pos += 5;
          return Boolean.FALSE;
        }
        if (text.startsWith("null", pos)) {
          pos += 4;
          return null;
        }
        int start = pos;
        while (pos < text.length() && "+-0123456789.eE".indexOf(text.charAt(pos)) >= 0) {
          pos++;
        }
        try {
          BigDecimal number = new BigDecimal(text.substring(start, pos));
          String digits = text.substring(start, pos);
          boolean whole = digits.indexOf('.') < 0 && digits.indexOf('e') < 0 && digits.indexOf('E') < 0;
          boolean fitsLong = whole && number.compareTo(BigDecimal.valueOf(Long.MIN_VALUE)) >= 0
              && number.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) <= 0;
          return fitsLong ? (Object) number.longValueExact() : number; // a uint64 may not fit
        } catch (NumberFormatException | ArithmeticException e) {
          pos = start;
          throw error("expected a value");
        }
    }
  }

  private String string() {
    expect('"');
    StringBuilder b = new StringBuilder();
    while (true) {
      char c = next();
      if (c == '"') {
        return b.toString();
      }
      if (c < 0x20) {
        throw error("unescaped control character");
      }
      if (c != '\\') {
        b.append(c);
        continue;
      }
      char e = next();
      switch (e) {
        case '"', '\\', '/' -> b.append(e);
        case 'b' -> b.append('\b');
        case 'f' -> b.append('\f');
        case 'n' -> b.append('\n');
        case 'r' -> b.append('\r');
        case 't' -> b.append('\t');
        case 'u' -> {
          if (pos + 4 > text.length()) {
            throw error("short \\u escape");
          }
          b.append((char) Integer.parseInt(text.substring(pos, pos + 4), 16));
          pos += 4;
        }
        default -> throw error("bad escape \\" + e);
      }
    }
  }

  private void skipSpace() {
    while (pos < text.length() && " \t\r\n".indexOf(text.charAt(pos)) >= 0) {
      pos++;
    }
  }

  private char peek() {
    if (pos >= text.length()) {
      throw error("unexpected end");
    }
    return text.charAt(pos);
  }

  private char next() {
    char c = peek();
    pos++;
    return c;
  }

  private boolean take(char c) {
    if (pos < text.length() && text.charAt(pos) == c) {
      pos++;
      return true;
    }
    return false;
  }

  private void expect(char c) {
    if (!take(c)) {
      throw error("expected '" + c + "'");
    }
  }

  private IllegalArgumentException error(String what) {
    return new IllegalArgumentException("not JSON: " + what + " at character " + pos + " of: " + text);
  }
}
