package dev.sinkgate.server.config;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
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

  /** The longest Unix socket path Linux takes ({@code sun_path} is 108 bytes with its NUL). */
  public static final int MAX_SOCKET_PATH_BYTES = 107;
  /** The socket file mode when none is configured: owner and group may connect. */
  public static final Set<PosixFilePermission> DEFAULT_SOCKET_MODE = PosixFilePermissions.fromString("rw-rw----");

  /**
   * Where the gateway serves gRPC: a TCP address ({@link #listenAddress}) or a Unix domain
   * socket, {@code unix:///abs/path.sock}, {@code unix:/abs/path.sock} or
   * {@code unix:relative/path.sock} (gRPC's own target forms), as a
   * {@link UnixDomainSocketAddress}.
   */
  public static SocketAddress serveAddress(String text) {
    String t = text.trim();
    if (!t.regionMatches(true, 0, "unix:", 0, 5)) {
      return listenAddress(t);
    }
    String rest = t.substring(5);
    if (rest.startsWith("//")) {
      if (!rest.startsWith("///")) {
        throw new IllegalArgumentException("'" + text + "' names a host (expected: unix:///absolute/path.sock,"
            + " unix:/absolute/path.sock or unix:relative/path.sock)");
      }
      rest = rest.substring(2);
    }
    if (rest.isEmpty() || rest.endsWith("/")) {
      throw new IllegalArgumentException("'" + text + "' has no socket file name (expected: unix:///path/to/sink.sock)");
    }
    int bytes = rest.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > MAX_SOCKET_PATH_BYTES) {
      throw new IllegalArgumentException("'" + text + "': the path is " + bytes + " bytes (expected: at most "
          + MAX_SOCKET_PATH_BYTES + ", the longest Unix socket path Linux takes)");
    }
    return UnixDomainSocketAddress.of(Path.of(rest));
  }

  /** A serve address as the config writes it: {@code host:port} or {@code unix:///path}. */
  public static String format(SocketAddress address) {
    if (address instanceof UnixDomainSocketAddress u) {
      Path p = u.getPath();
      return p.isAbsolute() ? "unix://" + p : "unix:" + p;
    }
    InetSocketAddress a = (InetSocketAddress) address;
    String host = a.getAddress() == null ? a.getHostString() : a.getAddress().getHostAddress();
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
  }

  /** An octal file mode for socket files: {@code 0660}, {@code 660}, {@code 0600}, {@code 0666}. */
  public static Set<PosixFilePermission> socketMode(String text) {
    String t = text.trim();
    if (!t.matches("0?[0-7]{3}")) {
      throw new IllegalArgumentException("'" + text + "' is not a file mode (expected: octal permission bits"
          + " like 0660 or 0600)");
    }
    int bits = Integer.parseInt(t, 8);
    if ((bits & 0600) != 0600) {
      throw new IllegalArgumentException("'" + text + "' leaves the gateway's own user without read and write"
          + " on its socket (expected: a mode with the owner bits 6, like 0660 or 0600)");
    }
    StringBuilder rwx = new StringBuilder();
    for (int shift = 6; shift >= 0; shift -= 3) {
      int v = (bits >> shift) & 7;
      rwx.append((v & 4) != 0 ? 'r' : '-').append((v & 2) != 0 ? 'w' : '-').append((v & 1) != 0 ? 'x' : '-');
    }
    return PosixFilePermissions.fromString(rwx.toString());
  }

  /** {@code 127.0.0.1:50051}, {@code localhost:0}, {@code [::1]:50051}, {@code 0.0.0.0:50051}. */
  public static InetSocketAddress listenAddress(String text) {
    String t = text.trim();
    if (t.toLowerCase(Locale.ROOT).startsWith("unix:")) {
      throw new IllegalArgumentException("'" + text
          + "': only the gRPC listeners (listen:, --listen) take a Unix socket (expected: host:port)");
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
