package dev.sinkgate.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The listener keys: Unix socket addresses in {@code listen}, {@code socket_mode} and {@code health.listen}. */
class ListenConfigTest {
  private static final String TRASH = "sinks: { trash: { type: discard } }\n";

  private static String failure(String text) {
    return assertThrows(ConfigException.class, () -> ConfigLoader.parse("test.yaml", text)).getMessage();
  }

  @Test
  void listen_takesUnixSocketsInGrpcsTargetForms_besideTcp() throws Exception {
    GatewayConfig c = ConfigLoader.parse("t", """
        listen: ["unix:///var/run/sinkgate/sink.sock", "unix:/tmp/b.sock", "unix:rel/c.sock", "127.0.0.1:7000"]
        """ + TRASH);
    assertEquals(List.of(UnixDomainSocketAddress.of("/var/run/sinkgate/sink.sock"), UnixDomainSocketAddress.of("/tmp/b.sock"),
        UnixDomainSocketAddress.of("rel/c.sock"), new InetSocketAddress("127.0.0.1", 7000)), c.listen());
    assertEquals(List.of("unix:///var/run/sinkgate/sink.sock", "unix:///tmp/b.sock", "unix:rel/c.sock", "127.0.0.1:7000"),
        c.listen().stream().map(ConfigValues::format).toList(), "formatted back as the config writes them");
    assertEquals("rw-rw----", PosixFilePermissions.toString(c.socketMode()), "the default socket mode is 0660");
    assertNull(c.healthListen());
  }

  @Test
  void listen_refusesAUnixTargetWithAHostOrNoFileOrTooLongAPath() {
    String host = failure("listen: \"unix://host/x.sock\"\n" + TRASH);
    assertTrue(host.startsWith("test.yaml:1:9: listen: 'unix://host/x.sock' names a host (expected: unix:///absolute/path.sock"),
        host);
    String dir = failure("listen: \"unix:///run/sinkgate/\"\n" + TRASH);
    assertTrue(dir.contains("'unix:///run/sinkgate/' has no socket file name (expected: unix:///path/to/sink.sock)"), dir);
    String longPath = "/" + "d".repeat(120) + ".sock";
    String tooLong = failure("listen: \"unix://" + longPath + "\"\n" + TRASH);
    assertTrue(tooLong.contains("the path is 126 bytes (expected: at most 107, the longest Unix socket path Linux takes)"),
        tooLong);
  }

  @Test
  void socketMode_isOctal_quotedOrNot_andMustLeaveTheOwnerReadWrite() throws Exception {
    assertEquals("rw-------", PosixFilePermissions.toString(
        ConfigLoader.parse("t", "socket_mode: \"0600\"\n" + TRASH).socketMode()));
    assertEquals("rw-rw-rw-", PosixFilePermissions.toString(ConfigLoader.parse("t", "socket_mode: 0666\n" + TRASH).socketMode()),
        "an unquoted 0666 (an octal int to YAML 1.1) reads as the same mode");
    assertEquals("rw-rw----", PosixFilePermissions.toString(ConfigLoader.parse("t", "socket_mode: 660\n" + TRASH).socketMode()));

    String notOctal = failure("socket_mode: \"0680\"\n" + TRASH);
    assertTrue(notOctal.startsWith("test.yaml:1:14: socket_mode: '0680' is not a file mode (expected: octal permission bits"),
        notOctal);
    String ownerLocked = failure("socket_mode: \"0060\"\n" + TRASH);
    assertTrue(ownerLocked.contains("'0060' leaves the gateway's own user without read and write on its socket"), ownerLocked);
  }

  @Test
  void healthListen_isATcpAddress_likeMetrics() throws Exception {
    assertEquals(new InetSocketAddress("0.0.0.0", 8086),
        ConfigLoader.parse("t", "health: { listen: \"0.0.0.0:8086\" }\n" + TRASH).healthListen());
    String missing = failure("health: {}\n" + TRASH);
    assertTrue(missing.startsWith("test.yaml:1:9: health: missing key 'listen' (expected: the health listener's host:port"),
        missing);
    String unix = failure("health: { listen: \"unix:///run/h.sock\" }\n" + TRASH);
    assertTrue(unix.contains("health.listen: 'unix:///run/h.sock': only the gRPC listeners (listen:, --listen) take a Unix"
        + " socket (expected: host:port)"), unix);
    String typo = failure("helth: { listen: \"0.0.0.0:8086\" }\n" + TRASH);
    assertTrue(typo.contains("unknown key 'helth' (did you mean 'health'?)"), typo);
  }
}
