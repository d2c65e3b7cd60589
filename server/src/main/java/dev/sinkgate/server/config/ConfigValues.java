package dev.sinkgate.server.config;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parsers for the value kinds of the config and the command line. Each throws
 * {@link IllegalArgumentException} with what was given and what was expected; callers
 * add where.
 */
public final class ConfigValues {
  private ConfigValues() {}

  private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(B|KiB|MiB|GiB)?");
  private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h|d)");
  private static final Pattern HOST_PORT = Pattern.compile("(\\[[0-9A-Fa-f:.]+\\]|[^:\\[\\]]+):(\\d{1,5})");

  /** {@code 65536}, {@code 64KiB}, {@code 4MiB}, {@code 1GiB}. */
  public static long size(String text) {
    Matcher m = SIZE.matcher(text.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException("'" + text
          + "' is not a size (expected: a byte count like 65536 or 64KiB, 4MiB, 1GiB)");
    }
    long n = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "B" : m.group(2);
    int shift = switch (unit) {
      case "KiB" -> 10;
      case "MiB" -> 20;
      case "GiB" -> 30;
      default -> 0;
    };
    if (n > (Long.MAX_VALUE >> shift)) {
      throw new IllegalArgumentException("'" + text + "' is too large");
    }
    return n << shift;
  }

  /** {@code 500ms}, {@code 20s}, {@code 5m}, {@code 1h}, {@code 7d}. */
  public static Duration duration(String text) {
    Matcher m = DURATION.matcher(text.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException("'" + text
          + "' is not a duration (expected: a number with a unit, like 500ms, 20s, 5m, 1h, 7d)");
    }
    try {
      long n = Long.parseLong(m.group(1));
      return switch (m.group(2)) {
        case "ms" -> Duration.ofMillis(n);
        case "s" -> Duration.ofSeconds(n);
        case "m" -> Duration.ofMinutes(n);
        case "h" -> Duration.ofHours(n);
        default -> Duration.ofDays(n);
      };
    } catch (ArithmeticException | NumberFormatException e) {
      throw new IllegalArgumentException("'" + text + "' is too long a duration");
    }
  }

  /** {@code 127.0.0.1:50051}, {@code localhost:0}, {@code [::1]:50051}, {@code 0.0.0.0:50051}. */
  public static InetSocketAddress listenAddress(String text) {
    String t = text.trim();
    if (t.toLowerCase(Locale.ROOT).startsWith("unix:")) {
      throw new IllegalArgumentException("'" + text
          + "': Unix domain socket listeners are not supported yet (expected: host:port)");
    }
    Matcher m = HOST_PORT.matcher(t);
    if (!m.matches()) {
      throw new IllegalArgumentException("'" + text
          + "' is not a listen address (expected: host:port, like 127.0.0.1:50051 or [::1]:50051)");
    }
    int port = Integer.parseInt(m.group(2));
    if (port > 65535) {
      throw new IllegalArgumentException("'" + text + "': port " + port + " (expected: 0 to 65535)");
    }
    String host = m.group(1);
    if (host.startsWith("[")) {
      host = host.substring(1, host.length() - 1);
    }
    return new InetSocketAddress(host, port);
  }
}
