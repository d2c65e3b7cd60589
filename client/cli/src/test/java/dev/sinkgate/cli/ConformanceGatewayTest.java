package dev.sinkgate.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinkgate.server.Gateway;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sinkctl conformance} against the real gateway (in this JVM, on loopback) with a file
 * route that fsyncs before it acknowledges: every check passes, routing and idempotency
 * included.
 */
@Timeout(180)
class ConformanceGatewayTest {
  @TempDir
  Path tmp;

  @Test
  void conformance_gatewayFileRoute_passesEveryCheckWithRoutingAndIdempotency() throws Exception {
    try (TestGateway gateway = TestGateway.start(Gateway.builder()
        .route(TestGateway.fileRoute("default", tmp.resolve("default"))))) {
      InProcessRun.Result r = InProcessRun.of("conformance", "--target", gateway.target(), "--routing",
          "--idempotent");

      assertEquals(0, r.exitCode(), r::describe);
      Map<String, String[]> rows = ConformanceCommandTest.rows(r.out());
      assertEquals(14, rows.size(), r::describe);
      rows.forEach((name, row) -> assertEquals("PASS", row[0], () -> name + ": " + r.describe()));
      assertTrue(rows.get("durability-set")[1].equals("DURABILITY_SYNCED"), r::describe);
      assertTrue(r.out().contains("0 failed, 0 skipped"), r::describe);
    }
  }
}
