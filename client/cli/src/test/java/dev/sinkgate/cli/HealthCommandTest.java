package dev.sinkgate.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.grpc.Server;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code sinkctl health} against a real gRPC server that serves the standard health
 * service, with statuses set per test: a gateway only reports NOT_SERVING while it
 * drains, which is too brief to catch.
 */
@Timeout(60) // a hang (a deadlock, a lost ack) fails here instead of stalling the build
class HealthCommandTest {
  private final HealthStatusManager health = new HealthStatusManager();
  private Server server;
  private String target;

  @BeforeEach
  void start() throws Exception {
    server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(health.getHealthService())
        .build()
        .start();
    target = "127.0.0.1:" + server.getPort();
    health.setStatus("", ServingStatus.SERVING);
    health.setStatus("sinkgate.v1.Sink/audit", ServingStatus.SERVING);
    health.setStatus("sinkgate.v1.Sink/spool", ServingStatus.NOT_SERVING);
  }

  @AfterEach
  void stop() throws Exception {
    server.shutdownNow();
    assertTrue(server.awaitTermination(5, TimeUnit.SECONDS));
  }

  private static void assertContains(String part, String actual) {
    assertTrue(actual.contains(part), () -> "expected <" + part + "> in <" + actual + ">");
  }

  @Test
  void health_servingGateway_exits0() {
    InProcessRun.Result r = InProcessRun.of("health", "--target", target);

    assertEquals(0, r.exitCode(), r::describe);
    assertEquals("SERVING: the gateway at " + target + "\n", r.out());
  }

  @Test
  void health_servingSink_exits0AndPrintsJson() {
    InProcessRun.Result r = InProcessRun.of("health", "--target", target, "--sink", "audit", "--output", "json");

    assertEquals(0, r.exitCode(), r::describe);
    JsonObject json = JsonParser.parseString(r.out()).getAsJsonObject();
    assertEquals("sinkgate.v1.Sink/audit", json.get("service").getAsString());
    assertEquals("SERVING", json.get("status").getAsString());
    assertEquals(target, json.get("target").getAsString());
  }

  @Test
  void health_notServingSink_exits9() {
    InProcessRun.Result r = InProcessRun.of("health", "--target", target, "--sink", "spool");

    assertEquals(ExitCode.NOT_SERVING.code(), r.exitCode(), r::describe);
    assertContains("NOT_SERVING: sink 'spool'", r.out());
  }

  @Test
  void health_unknownSink_exits5NamingTheSink() {
    InProcessRun.Result r = InProcessRun.of("health", "--target", target, "--sink", "nosuch");

    assertEquals(ExitCode.NOT_FOUND.code(), r.exitCode(), r::describe);
    assertContains("sinkctl: health check of sink 'nosuch' (service 'sinkgate.v1.Sink/nosuch') at " + target
        + " failed: NOT_FOUND", r.err());
    assertEquals("", r.out());
  }

  @Test
  void health_targetFromEnvironment_isAsked() {
    health.setStatus("", ServingStatus.NOT_SERVING);

    InProcessRun.Result r = new InProcessRun().env(java.util.Map.of("SINKGATE_TARGET", target)).run("health");

    assertEquals(ExitCode.NOT_SERVING.code(), r.exitCode(), r::describe);
    assertEquals("NOT_SERVING: the gateway at " + target + "\n", r.out());
  }
}
