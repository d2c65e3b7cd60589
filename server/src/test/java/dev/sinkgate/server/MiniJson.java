package dev.sinkgate.server;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Just enough JSON for the log commands' output: objects, strings with escapes, integers, null.
 * Written here, not taken from the code under test, so the test checks the output's
 * syntax as well as its content.
 */
final class MiniJson {
  private final String s;
  private int i;

  private MiniJson(String s) {
    this.s = s;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> parseObject(String text) {
    MiniJson p = new MiniJson(text);
    Object v = p.value();
    if (p.i != text.length()) {
      throw new AssertionError("trailing characters at " + p.i + " in " + text);
    }
    if (!(v instanceof Map)) {
      throw new AssertionError("not a JSON object: " + text);
    }
    return (Map<String, Object>) v;
  }

  private Object value() {
    char c = peek();
    if (c == '{') {
      return object();
    }
    if (c == '"') {
      return string();
    }
    if (s.startsWith("null", i)) {
      i += 4;
      return null;
    }
    if (c == '-' || Character.isDigit(c)) {
      int start = i;
      i++;
      while (i < s.length() && Character.isDigit(s.charAt(i))) {
        i++;
      }
      return Long.parseLong(s.substring(start, i));
    }
    throw new AssertionError("unexpected '" + c + "' at " + i + " in " + s);
  }

  private Map<String, Object> object() {
    expect('{');
    Map<String, Object> m = new LinkedHashMap<>();
    if (peek() == '}') {
      i++;
      return m;
    }
    while (true) {
      String key = string();
      expect(':');
      if (m.containsKey(key)) {
        throw new AssertionError("duplicate key '" + key + "' in " + s);
      }
      m.put(key, value());
      char c = next();
      if (c == '}') {
        return m;
      }
      if (c != ',') {
        throw new AssertionError("expected ',' or '}' at " + (i - 1) + " in " + s);
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
        throw new AssertionError("unescaped control character at " + (i - 1) + " in " + s);
      }
      if (c != '\\') {
        b.append(c);
        continue;
      }
      char e = next();
      switch (e) {
        case '"', '\\', '/' -> b.append(e);
        case 'n' -> b.append('\n');
        case 'r' -> b.append('\r');
        case 't' -> b.append('\t');
        case 'b' -> b.append('\b');
        case 'f' -> b.append('\f');
        case 'u' -> {
          b.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
          i += 4;
        }
        default -> throw new AssertionError("bad escape '\\" + e + "' in " + s);
      }
    }
  }

  private void expect(char c) {
    if (next() != c) {
      throw new AssertionError("expected '" + c + "' at " + (i - 1) + " in " + s);
    }
  }

  private char peek() {
    if (i >= s.length()) {
      throw new AssertionError("unexpected end of " + s);
    }
    return s.charAt(i);
  }

  private char next() {
    char c = peek();
    i++;
    return c;
  }
}
