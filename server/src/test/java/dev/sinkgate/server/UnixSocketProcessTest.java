package dev.sinkgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinkgate.client.SinkClient;
import dev.sinkgate.client.StreamWriter;
import dev.sinkgate.server.InteropProcesses.Language;
import dev.sinkgate.server.log.LogReader;
import dev.sinkgate.server.log.LogRecord;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sinkgate serve --listen unix:///…} as a real process, as a sidecar runs: a stale
 * socket file from a killed predecessor at the path, the socket's mode from
 * {@code --socket-mode}, unary and streaming writes over the socket from Java and Python
 * (sinkctl's are in the cli module's tests), and SIGTERM: exit 0, every acknowledged record in the log, the socket file gone.
 */
class UnixSocketProcessTest {
  private static final Duration START = Duration.ofSeconds(60);
  private static final Duration CLIENT = Duration.ofMinutes(2);

  @TempDir
  Path tmp;

  @Test
  void sidecarOverUnixSocket_javaAndPythonWrite_sigtermDrainsAndRemovesTheSocket() throws Exception {
    InteropProcesses.requireInstalled(Language.PYTHON, tmp);
    Path socket = tmp.resolve("run/sink.sock");
    Path logDir = tmp.resolve("log");
    Files.createDirectories(socket.getParent());
    try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      dead.bind(UnixDomainSocketAddress.of(socket)); // closed without removing the file: a stale socket
    }
    Path config = tmp.resolve("sinkgate.yaml");
    Files.writeString(config, "sinks:\n  default: { type: file, path: \"" + logDir + "\", fsync: always }\n");
    String target = "unix://" + socket;
    List<String> expected = new ArrayList<>();

    try (GatewayProcess gw = GatewayProcess.serve(config, tmp, START, "--listen", "unix://" + socket,
        "--socket-mode", "0600")) {
      Poll.until(START, () -> stderrOf(gw).contains("sinkgate: ready: every route is open"), () -> "the ready line");
      String stderr = gw.stderr();
      assertTrue(stderr.contains("sinkgate: warning: removed stale socket " + socket), stderr);
      assertTrue(stderr.contains(", unix://" + socket + " (transport epoll)"), stderr);
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket, LinkOption.NOFOLLOW_LINKS)));

      // Java: unary, then a stream.
      try (SinkClient java = SinkClient.builder(target).deadline(Duration.ofSeconds(30)).build()) {
        java.write("default", "java-unary".getBytes(StandardCharsets.UTF_8));
        expected.add("java-unary");
        try (StreamWriter w = java.openStream()) {
          for (int i = 0; i < 200; i++) {
            w.write("default", ("java-stream-" + i).getBytes(StandardCharsets.UTF_8));
            expected.add("java-stream-" + i);
          }
        }
      }

      // Python (Debian's grpcio): unary, then a stream.
      ChildProcess.Finished unary = InteropProcesses.runClient(Language.PYTHON, "py-unary", tmp, CLIENT,
          "--target", target, "--data", "py-unary-0", "--data", "py-unary-1");
      assertEquals(0, unary.exitCode(), unary::stderr);
      assertEquals(2, unary.stdout().lines().filter(l -> l.contains("\"durability\": \"DURABILITY_SYNCED\"")).count(),
          unary::stdout);
      expected.addAll(List.of("py-unary-0", "py-unary-1"));
      ChildProcess.Finished stream = InteropProcesses.runClient(Language.PYTHON, "py-stream", tmp, CLIENT,
          "--target", target, "--stream", "--count", "100");
      assertEquals(0, stream.exitCode(), stream::stderr);
      assertTrue(stream.stdout().contains("\"count\": 100"), stream::stdout);
      IntStream.range(0, 100).forEach(i -> expected.add("record-" + i));

      gw.sigterm();
      int code = gw.awaitExit(Duration.ofSeconds(60));
      assertEquals(0, code, () -> "exit code after SIGTERM; stderr:\n" + stderrOf(gw));
    }
    assertFalse(Files.exists(socket, LinkOption.NOFOLLOW_LINKS), "the socket file is gone after the exit");
    List<LogRecord> stored = LogReader.readAll(logDir);
    assertEquals(expected, stored.stream().map(r -> new String(r.data(), StandardCharsets.UTF_8)).toList(),
        "every acknowledged record, in order");
  }

  private static String stderrOf(GatewayProcess gw) {
    try {
      return gw.stderr();
    } catch (java.io.IOException e) {
      return "(stderr unreadable: " + e + ")";
    }
  }
}
