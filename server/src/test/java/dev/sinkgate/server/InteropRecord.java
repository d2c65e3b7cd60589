package dev.sinkgate.server;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * One record as the interop clients read it and the interop sinks store it: a record
 * line, one JSON object per line (the format in interop/README.md):
 * {@code {"offset":0,"key":"k","headers":{"a":"b"},"data":"<base64>","producer_id":"p","sequence":1}}.
 *
 * @param key the record's key, {@code ""} if none
 * @param headers the record's headers (order does not matter: the protobuf map has none)
 * @param data the record's bytes
 * @param producerId the producer id, {@code ""} if none
 * @param sequence the producer's sequence number for this record
 */
record InteropRecord(String key, Map<String, String> headers, byte[] data, String producerId, long sequence) {

  /** The record line (without a newline) that a client reads; {@code offset} is left out. */
  String line() {
    StringBuilder b = new StringBuilder("{\"key\":");
    quote(b, key);
    b.append(",\"headers\":{");
    String sep = "";
    for (Map.Entry<String, String> h : headers.entrySet()) {
      b.append(sep);
      quote(b, h.getKey());
      b.append(':');
      quote(b, h.getValue());
      sep = ",";
    }
    b.append("},\"data\":\"").append(Base64.getEncoder().encodeToString(data)).append("\",\"producer_id\":");
    quote(b, producerId);
    return b.append(",\"sequence\":").append(Long.toUnsignedString(sequence)).append('}').toString();
  }

  /** Reads one record line, as a sink stores it or a client reads it. */
  @SuppressWarnings("unchecked")
  static InteropRecord parse(String line) {
    Map<String, Object> o = JsonLine.object(line);
    Map<String, String> headers = new LinkedHashMap<>();
    ((Map<String, Object>) o.getOrDefault("headers", Map.of())).forEach((k, v) -> headers.put(k, (String) v));
    return new InteropRecord((String) o.getOrDefault("key", ""), headers,
        Base64.getDecoder().decode((String) o.getOrDefault("data", "")),
        (String) o.getOrDefault("producer_id", ""), (Long) o.getOrDefault("sequence", 0L));
  }

  /**
   * {@code count} records that exercise what a byte-exact copy must keep: empty records,
   * every byte value, random binary, and keys and headers with non-ASCII text (outside the
   * BMP too), quotes, backslashes and control characters. The same seed gives the same records.
   * With a {@code producerId} the sequences are 1, 2, 3, …
   */
  static List<InteropRecord> generate(int count, String producerId, long seed) {
    Random random = new Random(seed);
    byte[] everyByte = new byte[256];
    for (int i = 0; i < everyByte.length; i++) {
      everyByte[i] = (byte) i;
    }
    List<InteropRecord> out = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      byte[] data = switch (i % 7) {
        case 0 -> new byte[0];
        case 1 -> everyByte.clone();
        case 2 -> ("text " + i + " ✓").getBytes(StandardCharsets.UTF_8);
        default -> {
          byte[] d = new byte[random.nextInt(400)];
          random.nextBytes(d);
          yield d;
        }
      };
      String key = switch (i % 5) {
        case 0 -> "";
        case 1 -> "ключ-" + i;
        case 2 -> "鍵 \"quoted\" \\ " + i + " \uD83D\uDD11";
        default -> "k" + random.nextInt(100);
      };
      Map<String, String> headers = new TreeMap<>();
      if (i % 3 != 0) {
        headers.put("i", Integer.toString(i));
        headers.put("ünïcode", "値\t\"v\"\n\\ \uD83D\uDE00");
        headers.put("empty", "");
      }
      out.add(new InteropRecord(key, headers, data, producerId, producerId.isEmpty() ? 0 : i + 1));
    }
    return out;
  }

  /** A readable, comparable form for assertions (byte arrays compare by identity). */
  String describe() {
    return "key=" + key + " headers=" + new TreeMap<>(headers) + " data=" + Base64.getEncoder().encodeToString(data)
        + " producer=" + producerId + "/" + Long.toUnsignedString(sequence);
  }

  private static void quote(StringBuilder b, String s) {
    b.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') {
        b.append('\\').append(c);
      } else if (c < 0x20 || c > 0x7e) {
        // ASCII only: non-BMP characters go out as their two UTF-16 escapes, as JSON wants.
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    b.append('"');
  }
}
