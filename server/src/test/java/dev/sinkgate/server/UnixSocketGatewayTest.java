package dev.sinkgate.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinkgate.client.SinkClient;
import dev.sinkgate.client.StreamWriter;
import dev.sinkgate.proto.v1.SinkGrpc;
import dev.sinkgate.proto.v1.WriteRequest;
import dev.sinkgate.server.config.ConfigValues;
import dev.sinkgate.server.log.LogReader;
import dev.sinkgate.server.log.LogRecord;
import dev.sinkgate.server.route.Route;
import dev.sinkgate.server.route.Router;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import com.google.protobuf.ByteString;
import java.io.IOException;
import java.net.InetSocketAddress;
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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway on Unix domain sockets, in this JVM: writes over the socket, the socket
 * file's mode, stale and live files at the path, the file gone after the drain, TCP and
 * UDS together, the health-only listener and readiness.
 */
class UnixSocketGatewayTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  @TempDir
  Path tmp;

  private Gateway gateway(Path socket, Path logDir, List<String> warnings, String mode) throws IOException {
    Route route = TestGateway.fileRoute("default", logDir, warnings);
    return Gateway.builder(new Router(List.of(route)))
        .listen(List.of(UnixDomainSocketAddress.of(socket), new InetSocketAddress("127.0.0.1", 0)))
        .socketMode(mode == null ? ConfigValues.DEFAULT_SOCKET_MODE : ConfigValues.socketMode(mode))
        .healthListen(new InetSocketAddress("127.0.0.1", 0))
        .warnings(warnings::add)
        .build()
        .start();
  }

  private static String target(Path socket) {
    return ConfigValues.format(UnixDomainSocketAddress.of(socket));
  }

  @Test
  void unaryAndStreamingWritesOverTheSocket_areStored_andTcpServesAlongside() throws Exception {
    Path socket = tmp.resolve("run/sink.sock");
    Path logDir = tmp.resolve("log");
    List<String> warnings = new CopyOnWriteArrayList<>();
    List<byte[]> sent = new ArrayList<>();
    try (Gateway g = gateway(socket, logDir, warnings, null)) {
      assertEquals(List.of(socket), g.socketPaths());
      assertTrue(Files.exists(socket, LinkOption.NOFOLLOW_LINKS), "the socket file exists while serving");
      try (SinkClient uds = SinkClient.builder("unix://" + socket).deadline(WAIT).build()) {
        for (int i = 0; i < 3; i++) {
          byte[] data = ("unary-" + i).getBytes(StandardCharsets.UTF_8);
          assertEquals(data.length, uds.write("default", data).getWritten());
          sent.add(data);
        }
        try (StreamWriter stream = uds.openStream()) {
          for (int i = 0; i < 500; i++) {
            byte[] data = ("stream-" + i).getBytes(StandardCharsets.UTF_8);
            stream.write("default", data);
            sent.add(data);
          }
          stream.flush();
          assertEquals(500, stream.acknowledged());
        }
      }
      int port = g.boundAddresses().get(0).getPort();
      try (SinkClient tcp = SinkClient.builder("127.0.0.1:" + port).deadline(WAIT).build()) {
        byte[] data = "over-tcp".getBytes(StandardCharsets.UTF_8);
        assertEquals(data.length, tcp.write("default", data).getWritten());
        sent.add(data);
      }
    }
    List<LogRecord> stored = LogReader.readAll(logDir);
    assertEquals(sent.size(), stored.size(), "records stored");
    for (int i = 0; i < sent.size(); i++) {
      assertArrayEquals(sent.get(i), stored.get(i).data(), "record " + i);
    }
    assertFalse(Files.exists(socket, LinkOption.NOFOLLOW_LINKS), "the socket file is removed after the drain");
    assertTrue(warnings.isEmpty(), () -> "no warnings expected: " + warnings);
  }

  @Test
  void writesOverTheSocket_logNoNettyWarnings_onClientOrServer() throws Exception {
    // grpc-java sets TCP keep-alive on every connection, client and server side; on a Unix
    // socket Netty would warn "Unknown channel option 'SO_KEEPALIVE'" once per connection.
    java.util.logging.Logger netty = java.util.logging.Logger.getLogger("io.netty");
    List<String> warnings = new CopyOnWriteArrayList<>();
    java.util.logging.Handler recorder = new java.util.logging.Handler() {
      @Override
      public void publish(java.util.logging.LogRecord r) {
        if (r.getLevel().intValue() >= java.util.logging.Level.WARNING.intValue()) {
          warnings.add(r.getLoggerName() + ": " + r.getMessage());
        }
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    netty.addHandler(recorder);
    Path socket = tmp.resolve("quiet.sock");
    try (Gateway g = gateway(socket, tmp.resolve("log"), new ArrayList<>(), null);
        SinkClient uds = SinkClient.builder(target(socket)).deadline(WAIT).build()) {
      assertEquals(5, uds.write("default", "quiet".getBytes(StandardCharsets.UTF_8)).getWritten());
    } finally {
      netty.removeHandler(recorder);
    }
    assertEquals(List.of(), warnings, "Netty warnings while a client wrote over a Unix socket (either side)");
  }

  @Test
  void socketFile_getsTheConfiguredMode() throws Exception {
    for (String mode : new String[] {null, "0600", "0666"}) {
      Path socket = tmp.resolve("mode-" + mode + ".sock");
      try (Gateway g = gateway(socket, tmp.resolve("log-" + mode), new ArrayList<>(), mode)) {
        String expected = mode == null ? "rw-rw----" : PosixFilePermissions.toString(ConfigValues.socketMode(mode));
        assertEquals(expected, PosixFilePermissions.toString(Files.getPosixFilePermissions(socket, LinkOption.NOFOLLOW_LINKS)),
            "mode of the socket file with socket mode " + mode);
      }
    }
    assertEquals("rw-rw-rw-", PosixFilePermissions.toString(ConfigValues.socketMode("0666")));
  }

  @Test
  void staleSocketFile_isRemovedWithAWarning_andTheGatewayServes() throws Exception {
    Path socket = tmp.resolve("stale.sock");
    // A socket file nobody accepts on: what a gateway killed with SIGKILL leaves behind.
    try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      dead.bind(UnixDomainSocketAddress.of(socket));
    }
    assertTrue(Files.exists(socket, LinkOption.NOFOLLOW_LINKS), "the test's stale socket file is in place");
    List<String> warnings = new CopyOnWriteArrayList<>();
    try (Gateway g = gateway(socket, tmp.resolve("log"), warnings, null);
        SinkClient uds = SinkClient.builder(target(socket)).deadline(WAIT).build()) {
      assertEquals(5, uds.write("default", "fresh".getBytes(StandardCharsets.UTF_8)).getWritten());
    }
    assertEquals(List.of("removed stale socket " + socket + " (nothing was accepting on it)"), warnings);
  }

  @Test
  void shutdown_removesOnlyItsOwnSocketFile_andNoPrivateBindNameIsLeft() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("run"));
    Path socket = dir.resolve("sink.sock");
    Gateway g = gateway(socket, tmp.resolve("log"), new ArrayList<>(), null);
    try (var files = Files.list(dir)) {
      assertEquals(List.of(socket), files.toList(), "only the socket itself in its directory while serving");
    }
    // Someone moves the gateway's socket away and serves their own at the path.
    Path moved = dir.resolve("moved.sock");
    Files.move(socket, moved);
    try (ServerSocketChannel other = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      other.bind(UnixDomainSocketAddress.of(socket));
      g.close();
      assertTrue(Files.exists(socket, LinkOption.NOFOLLOW_LINKS), "the other process's socket file is left alone");
    }
  }

  @Test
  void liveSocketOrOtherFile_atThePath_failsTheStart_andIsLeftAlone() throws Exception {
    Path live = tmp.resolve("live.sock");
    try (ServerSocketChannel other = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      other.bind(UnixDomainSocketAddress.of(live));
      IOException e = assertThrows(IOException.class, () -> gateway(live, tmp.resolve("log1"), new ArrayList<>(), null));
      assertEquals("cannot listen on unix://" + live + ": another process is accepting connections on it"
          + " (is another gateway running?)", e.getMessage());
      assertTrue(Files.exists(live, LinkOption.NOFOLLOW_LINKS), "the live socket is left alone");
    }
    Path regular = tmp.resolve("notes.sock");
    Files.writeString(regular, "not a socket");
    IOException e = assertThrows(IOException.class, () -> gateway(regular, tmp.resolve("log2"), new ArrayList<>(), null));
    assertTrue(e.getMessage().startsWith("cannot listen on unix://" + regular + ": a file that is not a socket is there"),
        e.getMessage());
    assertEquals("not a socket", Files.readString(regular), "the regular file is left alone");
  }

  @Test
  void healthListener_servesOnlyHealth_livenessThroughTheDrain() throws Exception {
    Path socket = tmp.resolve("h.sock");
    BlockingDataSink blocking = new BlockingDataSink();
    Gateway g = Gateway.builder()
        .route("slow", blocking)
        .listen(List.of(UnixDomainSocketAddress.of(socket)))
        .healthListen(new InetSocketAddress("127.0.0.1", 0))
        .drainTimeout(WAIT)
        .build()
        .start();
    InetSocketAddress h = g.healthAddress().orElseThrow();
    ManagedChannel probe = NettyChannelBuilder.forAddress(h).usePlaintext().build();
    Thread drain = null;
    try (SinkClient uds = SinkClient.builder(target(socket)).deadline(WAIT).build()) {
      HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(probe).withDeadlineAfter(10, TimeUnit.SECONDS);
      for (String name : List.of("", Gateway.HEALTH_SERVICE, Gateway.healthName("slow"), GatewayHealth.LIVENESS)) {
        assertEquals(ServingStatus.SERVING, check(health, name), "health of '" + name + "' on the health listener");
      }
      StatusRuntimeException noSink = assertThrows(StatusRuntimeException.class, () -> SinkGrpc.newBlockingStub(probe)
          .withDeadlineAfter(10, TimeUnit.SECONDS)
          .write(WriteRequest.newBuilder().setSink("slow").setData(ByteString.copyFromUtf8("x")).build()));
      assertEquals(Status.Code.UNIMPLEMENTED, noSink.getStatus().getCode(), "the health listener serves no Sink");

      var inFlight = uds.writeAsync(WriteRequest.newBuilder().setSink("slow").setData(ByteString.copyFromUtf8("held")).build());
      blocking.awaitEntered();
      drain = new Thread(() -> g.drain(WAIT), "test-drain");
      drain.start();
      Poll.until(WAIT, () -> check(health, "") == ServingStatus.NOT_SERVING, () -> "readiness NOT_SERVING once draining");
      assertEquals(ServingStatus.NOT_SERVING, check(health, Gateway.HEALTH_SERVICE));
      assertEquals(ServingStatus.SERVING, check(health, GatewayHealth.LIVENESS), "liveness stays SERVING during the drain");
      blocking.release();
      assertEquals(4, inFlight.get(20, TimeUnit.SECONDS).getWritten(), "the held write finished in the drain");
      drain.join(WAIT.toMillis());
      assertFalse(drain.isAlive(), "the drain ended");
    } finally {
      blocking.release();
      probe.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      g.close();
    }
    assertFalse(Files.exists(socket, LinkOption.NOFOLLOW_LINKS), "the socket file is removed after the drain");
  }

  @Test
  void readiness_waitsForARemoteRoutesFirstConnection() throws Exception {
    Path downstreamSocket = tmp.resolve("down.sock");
    Path socket = tmp.resolve("up.sock");
    Route remote = new Route("fwd", dev.sinkgate.server.remote.RemoteRecordSink.open("fwd",
        List.of(target(downstreamSocket)), "default", Duration.ofSeconds(2)), Route.DEFAULT_MAX_RECORD_BYTES);
    try (Gateway upstream = Gateway.builder(new Router(List.of(remote)))
        .listen(List.of(UnixDomainSocketAddress.of(socket)))
        .healthListen(new InetSocketAddress("127.0.0.1", 0))
        .build()
        .start()) {
      ManagedChannel probe = NettyChannelBuilder.forAddress(upstream.healthAddress().orElseThrow()).usePlaintext().build();
      try {
        HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(probe).withDeadlineAfter(10, TimeUnit.SECONDS);
        assertEquals(ServingStatus.SERVING, check(health, GatewayHealth.LIVENESS), "alive while not ready");
        assertEquals(ServingStatus.NOT_SERVING, check(health, ""), "not ready: the downstream is not there");
        assertEquals(ServingStatus.NOT_SERVING, check(health, Gateway.healthName("fwd")));
        assertFalse(upstream.ready().toCompletableFuture().isDone(), "ready() waits for the downstream");
        try (Gateway downstream = Gateway.builder()
            .route("default", data -> data.length)
            .listen(List.of(UnixDomainSocketAddress.of(downstreamSocket)))
            .build()
            .start()) {
          upstream.ready().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
          assertEquals(ServingStatus.SERVING, check(health, ""), "ready once the downstream connected");
          assertEquals(ServingStatus.SERVING, check(health, Gateway.HEALTH_SERVICE));
          assertEquals(ServingStatus.SERVING, check(health, Gateway.healthName("fwd")));
        }
      } finally {
        probe.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  private static ServingStatus check(HealthGrpc.HealthBlockingStub health, String service) {
    return health.check(HealthCheckRequest.newBuilder().setService(service).build()).getStatus();
  }
}
