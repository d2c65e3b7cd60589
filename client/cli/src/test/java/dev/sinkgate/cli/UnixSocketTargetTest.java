package dev.sinkgate.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinkgate.server.Gateway;
import dev.sinkgate.server.log.LogReader;
import dev.sinkgate.server.log.LogRecord;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** sinkctl against a real gateway listening on a Unix socket: {@code --target unix:///…}. */
class UnixSocketTargetTest {
  @TempDir
  Path tmp;

  @Test
  void writeUnaryAndLines_andHealth_overAUnixSocket() throws Exception {
    Path socket = tmp.resolve("sink.sock");
    Path log = tmp.resolve("log");
    String target = "unix://" + socket;
    try (Gateway gateway = Gateway.builder()
        .route(TestGateway.fileRoute("default", log))
        .listen(List.of(UnixDomainSocketAddress.of(socket)))
        .build()
        .start()) {
      InProcessRun.Result one = InProcessRun.of("write", "--target", target, "-o", "json", "over-uds");
      assertEquals(0, one.exitCode(), one::describe);
      assertTrue(one.out().contains("\"durability\":\"DURABILITY_SYNCED\""), one::describe);

      Path lines = tmp.resolve("lines.txt");
      Files.writeString(lines, "line-0\nline-1\nline-2\n");
      InProcessRun.Result streamed = InProcessRun.of("write", "--target", target, "--lines", "--no-progress",
          "-f", lines.toString());
      assertEquals(0, streamed.exitCode(), streamed::describe);

      InProcessRun.Result health = InProcessRun.of("health", "--target", target);
      assertEquals(0, health.exitCode(), health::describe);
      assertTrue(health.out().contains("SERVING"), health::describe);
    }
    List<String> stored = LogReader.readAll(log).stream()
        .map(LogRecord::data).map(d -> new String(d, StandardCharsets.UTF_8)).toList();
    assertEquals(List.of("over-uds", "line-0", "line-1", "line-2"), stored);
  }
}
