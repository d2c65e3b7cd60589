package dev.sinkgate.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinkgate.client.SinkClient;
import dev.sinkgate.client.StreamWriter;
import dev.sinkgate.proto.v1.SinkGrpc;
import dev.sinkgate.proto.v1.WriteRequest;
import dev.sinkgate.server.config.ConfigLoader;
import dev.sinkgate.server.config.ConfigValues;
import dev.sinkgate.server.config.GatewayConfig;
import dev.sinkgate.server.config.SinkConfig;
import dev.sinkgate.server.log.LogReader;
import dev.sinkgate.server.log.LogRecord;
import com.google.protobuf.ByteString;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.yaml.snakeyaml.Yaml;

/**
 * The manifests and the gateway cannot drift apart: each overlay's pod is laid out in a
 * temporary directory ({@link PodSandbox}), the real gateway starts in a child JVM with
 * exactly the container's args and the ConfigMap's config (paths and ports remapped), and
 * the test then uses it the way the pod would: kubelet's probes (port and service name),
 * the app's target (the sidecar's socket, as the app container's env var names it through
 * its own mounts) or the Service's port, SIGTERM within the grace period.
 */
class OverlayDriftTest {
  /** Room between the drain and the kill: the app stops first (sidecar), then the final sync and close. */
  static final int GRACE_MARGIN_SECONDS = 10;
  private static final Duration START = Duration.ofSeconds(60);
  private static final int UNARY = 10;
  private static final int STREAMED = 200;

  @TempDir Path tmp;

  @Test
  void sidecar_servesWhatItsProbesAskAndStoresWhatTheAppWritesThroughItsSocket() throws Exception {
    RenderedPod pod = RenderedPod.render("sidecar");
    assertTrue(pod.nativeSidecar(), "sinkgate must be a native sidecar: an init container with restartPolicy Always");
    assertNotNull(pod.sinkgate().getStartupProbe(),
        "a native sidecar needs a startupProbe: kubelet starts the app once it passes, so the app never races it");
    Container app = pod.others().stream().filter(c -> env(c, "SINKGATE_TARGET") != null).findFirst()
        .orElseThrow(() -> new AssertionError("no app container is told the target (env SINKGATE_TARGET)"));
    runAndCheck(pod, sandbox -> sandbox.rewrite(app, env(app, "SINKGATE_TARGET")));
  }

  @Test
  void gateway_servesWhatItsProbesAskAndStoresWhatItsServiceReceives() throws Exception {
    RenderedPod pod = RenderedPod.render("gateway");
    Service service = pod.all(Service.class).get(0);
    assertEquals("None", service.getSpec().getClusterIP(), "the tier's Service is headless, for client-side round-robin");
    ServicePort grpc = service.getSpec().getPorts().stream().filter(p -> "grpc".equals(p.getName())).findFirst()
        .orElseThrow(() -> new AssertionError("the Service has no port named grpc"));
    int containerPort = pod.port(grpc.getTargetPort().getStrVal());
    runAndCheck(pod, sandbox -> "127.0.0.1:" + sandbox.port(containerPort));
  }

  @ParameterizedTest
  @ValueSource(strings = {"sidecar", "gateway"})
  void everyConfigInAConfigMap_loadsThroughTheGatewaysLoader(String overlay) throws Exception {
    RenderedPod pod = RenderedPod.render(overlay);
    int configs = 0;
    for (ConfigMap cm : pod.all(ConfigMap.class)) {
      for (Map.Entry<String, String> file : cm.getData().entrySet()) {
        if (file.getKey().endsWith(".yaml")) {
          GatewayConfig config = ConfigLoader.parse("ConfigMap " + cm.getMetadata().getName() + " " + file.getKey(),
              file.getValue());
          assertFalse(config.sinks().isEmpty());
          configs++;
        }
      }
    }
    assertTrue(configs > 0, "overlays/" + overlay + " renders no sinkgate config");
  }

  interface TargetOf {
    String target(PodSandbox sandbox) throws Exception;
  }

  private void runAndCheck(RenderedPod pod, TargetOf targetOf) throws Exception {
    DockerfileModel image = DockerfileModel.read(Repo.deploy().resolve("Dockerfile"));
    Container sinkgate = pod.sinkgate();
    assertTrue(sinkgate.getCommand().isEmpty(), "the sinkgate container overrides the image's ENTRYPOINT; use args");
    PodSandbox sandbox = new PodSandbox(pod, tmp.resolve("p"));
    List<String> args = new ArrayList<>();
    for (String a : sinkgate.getArgs().isEmpty() ? image.runtime().cmd() : sinkgate.getArgs()) {
      args.add(sandbox.rewrite(sinkgate, a));
    }
    int configAt = args.indexOf("--config");
    assertTrue(configAt >= 0, "the sinkgate container's args name no --config: " + args);
    Path configFile = Path.of(args.get(configAt + 1));
    assertTrue(Files.isRegularFile(configFile), "--config " + sinkgate.getArgs().get(configAt + 1)
        + " is not a file of a mounted ConfigMap");
    String configText = sandbox.rewrite(sinkgate, Files.readString(configFile, StandardCharsets.UTF_8));
    Files.writeString(configFile, configText, StandardCharsets.UTF_8);
    GatewayConfig config = ConfigLoader.load(configFile);

    Duration drain = config.drainTimeout();
    int flag = args.indexOf("--drain-timeout");
    if (flag >= 0) {
      drain = ConfigValues.duration(args.get(flag + 1));
    }
    long grace = pod.spec().getTerminationGracePeriodSeconds();
    assertTrue(grace >= drain.toSeconds() + GRACE_MARGIN_SECONDS, "terminationGracePeriodSeconds " + grace
        + " must exceed the drain timeout " + drain.toSeconds() + "s by at least " + GRACE_MARGIN_SECONDS + "s");

    String target = targetOf.target(sandbox);
    try (GatewayChild gateway = GatewayChild.start(image, args, tmp)) {
      int healthPort = pod.port("health");
      int localHealth = sandbox.port(healthPort);
      Probe startup = pod.sinkgate().getStartupProbe();
      awaitServing(gateway, localHealth, probeService(startup, healthPort));
      assertTrue(gateway.stderr().contains("health on 127.0.0.1:" + localHealth),
          "the gateway does not say it serves health on the probes' port:\n" + gateway.stderr());
      for (Probe probe : List.of(pod.sinkgate().getReadinessProbe(), pod.sinkgate().getLivenessProbe())) {
        String service = probeService(probe, healthPort);
        try {
          assertEquals(ServingStatus.SERVING, health(localHealth, service), "health of probe service '" + service + "'");
        } catch (StatusRuntimeException e) {
          throw new AssertionError("the gateway does not answer the probe's service '" + service + "': " + e.getStatus(), e);
        }
      }
      assertHealthOnly(localHealth);
      assertSocketModes(configText);

      String route = config.sinks().get(0).name();
      try {
        writeThrough(target, route);
      } catch (RuntimeException e) {
        throw new AssertionError("writing to " + target + " (the target the pod gives its client, remapped) failed: "
            + e + "\n" + gateway.stderr(), e);
      }
      assertEquals(0, gateway.sigterm(drain.plusSeconds(GRACE_MARGIN_SECONDS)),
          "exit code after SIGTERM\n" + gateway.stderr());
    }
    for (String socket : unixSockets(configText)) {
      assertFalse(Files.exists(Path.of(socket)), "the socket file " + socket + " is left after shutdown");
    }
    checkStored(config.sinks().get(0));
  }

  /** The probe's gRPC service name, after checking that it asks the health port. */
  private static String probeService(Probe probe, int healthPort) {
    assertNotNull(probe, "a probe is missing");
    assertNotNull(probe.getGrpc(), "expected a native gRPC probe, found " + probe);
    assertEquals(healthPort, probe.getGrpc().getPort(), "the probe's port is not the container port named health");
    return probe.getGrpc().getService() == null ? "" : probe.getGrpc().getService();
  }

  private void writeThrough(String target, String route) throws Exception {
    try (SinkClient client = SinkClient.connect(target)) {
      for (int i = 0; i < UNARY; i++) {
        assertEquals(record(i).length, client.sink(route).write(record(i)));
      }
      try (StreamWriter stream = client.openStream()) {
        for (int i = UNARY; i < UNARY + STREAMED; i++) {
          stream.write(route, record(i));
        }
        stream.flush();
        assertEquals(STREAMED, stream.acknowledged(), "records acknowledged over the stream");
      }
    }
  }

  private static void checkStored(SinkConfig route) throws Exception {
    Path store = route.remote() != null ? route.remote().spool().path() : route.path();
    assertNotNull(store, "route " + route.name() + " stores nothing on disk this test can read");
    List<LogRecord> records = LogReader.readAll(store);
    assertEquals(UNARY + STREAMED, records.size(), "records in " + store);
    for (int i = 0; i < records.size(); i++) {
      assertEquals(new String(record(i), StandardCharsets.UTF_8), new String(records.get(i).data(), StandardCharsets.UTF_8));
    }
  }

  private static byte[] record(int i) {
    return ("record " + i).getBytes(StandardCharsets.UTF_8);
  }

  private static void awaitServing(GatewayChild gateway, int port, String service) throws Exception {
    long deadline = System.nanoTime() + START.toNanos();
    Object last = null;
    while (System.nanoTime() < deadline) {
      if (!gateway.alive()) {
        throw new AssertionError("the gateway exited before serving\n" + gateway.stderr());
      }
      try {
        last = health(port, service);
        if (last == ServingStatus.SERVING) {
          return;
        }
      } catch (StatusRuntimeException e) {
        last = e.getStatus();
      }
      Thread.sleep(20); // polling, bounded by the deadline above
    }
    throw new AssertionError("health service '" + service + "' on port " + port + " not SERVING within " + START
        + " (last: " + last + ")\n" + gateway.stderr());
  }

  private static ServingStatus health(int port, String service) throws InterruptedException {
    ManagedChannel channel = Grpc.newChannelBuilderForAddress("127.0.0.1", port, InsecureChannelCredentials.create())
        .build();
    try {
      return HealthGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
          .check(HealthCheckRequest.newBuilder().setService(service).build()).getStatus();
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  /** The probes' listener serves health and nothing else (the Sink stays on the socket and localhost). */
  private static void assertHealthOnly(int port) throws InterruptedException {
    ManagedChannel channel = Grpc.newChannelBuilderForAddress("127.0.0.1", port, InsecureChannelCredentials.create())
        .build();
    try {
      StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
          () -> SinkGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
              .write(WriteRequest.newBuilder().setData(ByteString.copyFromUtf8("x")).build()));
      assertEquals(Status.Code.UNIMPLEMENTED, e.getStatus().getCode(), "Write on the health-only listener");
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  /** The socket paths of the config's unix: listeners, with the mode the config asks for. */
  private static List<String> unixSockets(String configText) {
    Map<String, Object> yaml = new Yaml().load(configText);
    Object listen = yaml.get("listen");
    List<?> addresses = listen instanceof List<?> l ? l : listen == null ? List.of() : List.of(listen);
    return addresses.stream().map(Object::toString).filter(a -> a.startsWith("unix:"))
        .map(a -> a.replaceFirst("^unix:(//)?", "")).toList();
  }

  private static void assertSocketModes(String configText) throws java.io.IOException {
    Object mode = new Yaml().<Map<String, Object>>load(configText).getOrDefault("socket_mode", "0660");
    // An unquoted 0660 is an octal integer to YAML 1.1 (SnakeYAML): 432.
    int bits = mode instanceof Integer i ? i : Integer.parseInt(mode.toString(), 8);
    StringBuilder rwx = new StringBuilder();
    for (int shift = 6; shift >= 0; shift -= 3) {
      int b = bits >> shift;
      rwx.append((b & 4) != 0 ? 'r' : '-').append((b & 2) != 0 ? 'w' : '-').append((b & 1) != 0 ? 'x' : '-');
    }
    for (String socket : unixSockets(configText)) {
      assertEquals(rwx.toString(), PosixFilePermissions.toString(Files.getPosixFilePermissions(Path.of(socket))),
          "permissions of " + socket + " (socket_mode " + mode + ")");
    }
  }

  private static String env(Container c, String name) {
    return c.getEnv().stream().filter(e -> name.equals(e.getName())).map(EnvVar::getValue).findFirst().orElse(null);
  }
}
