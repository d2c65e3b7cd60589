package dev.sinkgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.sinkgate.client.SinkClient;
import dev.sinkgate.client.StreamWriter;
import dev.sinkgate.proto.v1.Durability;
import dev.sinkgate.proto.v1.WriteRequest;
import dev.sinkgate.proto.v1.WriteResponse;
import dev.sinkgate.server.InteropProcesses.Language;
import dev.sinkgate.server.config.ConfigLoader;
import dev.sinkgate.server.config.GatewayConfig;
import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code remote} routes with {@code method:}: the gateway forwards to services never written
 * for sinkgate, bound by the shape of a method. The Node audit log is bound by its reflection
 * service, through a spool, while it is not yet up and across a restart; the Python blob store
 * by its descriptor set, without a spool; a method that does not fit fails the start.
 */
class ForeignRouteTest {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir
  Path tmp;

  /** The config's routes, opened as {@code sinkgate serve} opens them, served in-process as {@code name}. */
  private static Gateway start(GatewayConfig config, String name, List<String> warnings) throws IOException {
    return Gateway.builder(Routes.open(config.sinks(), new PrintStream(PrintStream.nullOutputStream()), warnings::add))
        .inProcess(name).build().start();
  }

  /** Route {@code audit} to an audit log's Append on 127.0.0.1:{@code port}, key and labels mapped, spooled with {@code fsync}. */
  private GatewayConfig spooledAuditRoute(int port, String fsync) throws Exception {
    return ConfigLoader.parse("test.yaml", """
        sinks:
          audit:
            type: remote
            targets: ["127.0.0.1:%d"]
            method: acme.audit.v1.AuditLog/Append
            key_field: source
            headers_field: labels
            timeout: 2s
            spool: { path: "%s", %s }
        """.formatted(port, tmp.resolve("spool"), fsync));
  }

  /** Route {@code blobs} to the blob store's Put at {@code target}, typed by {@code descriptors}, plus one more key. */
  private static GatewayConfig blobRoute(String target, Path descriptors, String extraKey) throws Exception {
    return ConfigLoader.parse("test.yaml", """
        sinks:
          blobs:
            type: remote
            targets: ["%s"]
            method: acme.blob.v1.BlobStore/Put
            key_field: name
            descriptor_set: "%s"
            %s
        """.formatted(target, descriptors, extraKey));
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static InteropRecord record(int i) {
    byte[] data = i == 0 ? ForeignServicesTest.everyByte() : ("audit-" + i).getBytes(StandardCharsets.UTF_8);
    return new InteropRecord("svc-" + (i % 3), Map.of("n", Integer.toString(i), "tenant", "acme"), data, "", 0);
  }

  private static WriteRequest request(String sink, InteropRecord r) {
    return WriteRequest.newBuilder().setSink(sink).setKey(r.key()).putAllHeaders(r.headers())
        .setData(ByteString.copyFrom(r.data())).build();
  }

  private static List<String> describe(List<InteropRecord> records) {
    return records.stream().map(r -> r.key() + " " + new TreeMap<>(r.headers()) + " "
        + java.util.HexFormat.of().formatHex(r.data())).toList();
  }

  @Test
  void nodeAuditLog_boundByReflection_throughASpool_beforeItIsUp_andAcrossARestart() throws Exception {
    ForeignServices.requireInstalled(Language.NODE, tmp);
    int port = freePort();
    Path file = tmp.resolve("audit.jsonl");
    List<String> warnings = new CopyOnWriteArrayList<>();
    String name = "gw-" + UUID.randomUUID();
    GatewayConfig config = spooledAuditRoute(port, "fsync: always");
    List<InteropRecord> sent = new ArrayList<>();
    try (Gateway g = start(config, name, warnings)) {
      ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
      try (SinkClient gw = SinkClient.builder(channel).deadline(Duration.ofSeconds(30)).build()) {
        assertTrue(warnings.stream().anyMatch(w -> w.startsWith("route 'audit': cannot bind acme.audit.v1.AuditLog/Append"
            + " yet: 127.0.0.1:" + port + " answered UNAVAILABLE")), () -> "warnings: " + warnings);
        // The audit log is not up: the spool takes the records, durably.
        for (int i = 0; i < 5; i++) {
          WriteResponse r = gw.write(request("audit", record(i)));
          assertEquals(Durability.DURABILITY_SYNCED, r.getDurability());
          sent.add(record(i));
        }
        try (ForeignServices.Service audit = ForeignServices.startAuditLog("audit-1", file, tmp, "127.0.0.1:" + port)) {
          Poll.until(WAIT, () -> entries(audit).size() >= sent.size(), () -> "the spooled records reach the audit log");
          try (StreamWriter w = gw.openStream()) {
            for (int i = 5; i < 10; i++) {
              w.write(request("audit", record(i)));
              sent.add(record(i));
            }
          }
          Poll.until(WAIT, () -> entries(audit).size() >= sent.size(), () -> "the streamed records reach the audit log");
          assertEquals(describe(sent), describe(audit.entries()));
          assertEquals(0, audit.stop(), "the audit log's exit code");
        }
        // Down again: records keep being acknowledged from the spool, and arrive after the restart.
        for (int i = 10; i < 15; i++) {
          gw.write(request("audit", record(i)));
          sent.add(record(i));
        }
        try (ForeignServices.Service audit = ForeignServices.startAuditLog("audit-2", file, tmp, "127.0.0.1:" + port)) {
          Poll.until(WAIT, () -> entries(audit).size() >= sent.size(), () -> "the records spooled in the outage arrive");
          assertEquals(describe(sent), describe(audit.entries()), "every record once, in order, byte-exact");
        }
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  private static List<InteropRecord> entries(ForeignServices.Service s) {
    try {
      return s.entries();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void routeHealth_followsTheTargetsOwnHealthService_downAndBackUp() throws Exception {
    ForeignServices.requireInstalled(Language.NODE, tmp);
    Path file = tmp.resolve("audit.jsonl");
    try (ForeignServices.Service first = ForeignServices.startAuditLog("audit-h1", file, tmp)) {
      String target = first.target();
      String name = "gw-" + UUID.randomUUID();
      GatewayConfig config = ConfigLoader.parse("test.yaml", """
          sinks:
            audit: { type: remote, targets: ["%s"], method: acme.audit.v1.AuditLog/Append }
          """.formatted(target));
      try (Gateway g = start(config, name, new ArrayList<>())) {
        ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
        try {
          var health = io.grpc.health.v1.HealthGrpc.newBlockingStub(channel);
          java.util.function.Supplier<io.grpc.health.v1.HealthCheckResponse.ServingStatus> route = () -> health
              .withDeadlineAfter(10, TimeUnit.SECONDS)
              .check(io.grpc.health.v1.HealthCheckRequest.newBuilder().setService(Gateway.healthName("audit")).build())
              .getStatus();
          var serving = io.grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING;
          Poll.until(WAIT, () -> route.get() == serving, () -> "the route SERVING while the audit log is");
          assertEquals(0, first.stop());
          Poll.until(WAIT, () -> route.get() != serving, () -> "the route NOT_SERVING once the audit log stopped");
          try (ForeignServices.Service again = ForeignServices.startAuditLog("audit-h2", file, tmp, target)) {
            Poll.until(WAIT, () -> route.get() == serving, () -> "the route SERVING again after the restart");
          }
        } finally {
          channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
      }
    }
  }

  @Test
  void pythonBlobStore_boundByItsDescriptorSet_unaryAndStreamed_countIsTheDataLength() throws Exception {
    ForeignServices.requireInstalled(Language.PYTHON, tmp);
    Path descriptors = ForeignServices.writeBlobDescriptorSet(tmp.resolve("blob.pb"), tmp);
    List<InteropRecord> sent = new ArrayList<>();
    try (ForeignServices.Service blobs = ForeignServices.startBlobStore("blobs", tmp.resolve("blobs.jsonl"), tmp)) {
      String name = "gw-" + UUID.randomUUID();
      GatewayConfig config = blobRoute(blobs.target(), descriptors, "retry: { max_attempts: 3 }");
      try (Gateway g = start(config, name, new ArrayList<>())) {
        assertTrue(g.ready().toCompletableFuture().isDone(), "bound from the file at once: ready");
        ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
        try (SinkClient gw = SinkClient.builder(channel).deadline(Duration.ofSeconds(30)).build()) {
          for (int i = 0; i < 3; i++) {
            InteropRecord r = new InteropRecord("blob-" + i, Map.of(), i == 0 ? ForeignServicesTest.everyByte()
                : ("blob " + i).getBytes(StandardCharsets.UTF_8), "", 0);
            WriteResponse resp = gw.write(request("blobs", r));
            assertEquals(r.data().length, resp.getWritten(), "the count of an empty reply is the data's length");
            assertEquals(Durability.DURABILITY_DOWNSTREAM, resp.getDurability());
            sent.add(r);
          }
          try (StreamWriter w = gw.openStream()) {
            for (int i = 3; i < 50; i++) {
              InteropRecord r = new InteropRecord("blob-" + i, Map.of(), ("blob " + i).getBytes(StandardCharsets.UTF_8), "", 0);
              w.write(request("blobs", r));
              sent.add(r);
            }
          }
          // By now the route's health watch has had its answer: the blob store has no health service.
          assertTrue(g.router().routes().get("blobs").sink().healthy(),
              "a target without a health service (UNIMPLEMENTED) leaves the route healthy");
        } finally {
          channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
      }
      assertEquals(describe(sent), describe(blobs.entries()), "every record once, in order (the stream one at a time)");
    }
  }

  @Test
  void pythonBlobStore_throughASpool_acrossAnOutageAndRestart() throws Exception {
    ForeignServices.requireInstalled(Language.PYTHON, tmp);
    Path descriptors = ForeignServices.writeBlobDescriptorSet(tmp.resolve("blob.pb"), tmp);
    Path file = tmp.resolve("blobs.jsonl");
    List<InteropRecord> sent = new ArrayList<>();
    ForeignServices.Service first = ForeignServices.startBlobStore("blobs-1", file, tmp);
    String target = first.target();
    String name = "gw-" + UUID.randomUUID();
    GatewayConfig config = blobRoute(target, descriptors, "spool: { path: \"" + tmp.resolve("spool") + "\" }");
    try (first; Gateway g = start(config, name, new ArrayList<>())) {
      ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
      try (SinkClient gw = SinkClient.builder(channel).deadline(Duration.ofSeconds(30)).build()) {
        for (int i = 0; i < 30; i++) {
          if (i == 10) {
            Poll.until(WAIT, () -> entries(first).size() >= 10, () -> "the first ten reach the blob store");
            assertEquals(0, first.stop(), "the blob store's exit code");
          }
          InteropRecord r = new InteropRecord("blob-" + i, Map.of(), ("blob " + i).getBytes(StandardCharsets.UTF_8), "", 0);
          gw.write(request("blobs", r));
          sent.add(r);
        }
        try (ForeignServices.Service again = ForeignServices.startBlobStore("blobs-2", file, tmp, target)) {
          Poll.until(WAIT, () -> entries(again).size() >= sent.size(), () -> "the records spooled in the outage arrive");
          assertEquals(describe(sent), describe(again.entries()), "every record once, in order, byte-exact");
        }
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void javaAuditLog_withReflection_throughASpool_acrossARestartOnItsPort() throws Exception {
    List<com.acme.audit.v1.AppendRequest> received = new CopyOnWriteArrayList<>();
    // Written as its authors would: generated stubs of its own proto, reflection switched on.
    io.grpc.BindableService auditLog = new com.acme.audit.v1.AuditLogGrpc.AuditLogImplBase() {
      @Override
      public void append(com.acme.audit.v1.AppendRequest request,
          io.grpc.stub.StreamObserver<com.acme.audit.v1.AppendReply> reply) {
        received.add(request);
        reply.onNext(com.acme.audit.v1.AppendReply.newBuilder().setStored(request.getPayload().size()).build());
        reply.onCompleted();
      }
    };
    java.util.function.IntFunction<io.grpc.Server> serve = port -> {
      try {
        return io.grpc.netty.NettyServerBuilder.forAddress(new java.net.InetSocketAddress("127.0.0.1", port))
            .addService(auditLog).addService(io.grpc.protobuf.services.ProtoReflectionServiceV1.newInstance())
            .build().start();
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    };
    io.grpc.Server server = serve.apply(0);
    int port = server.getPort();
    String name = "gw-" + UUID.randomUUID();
    GatewayConfig config = spooledAuditRoute(port, "fsync: interval");
    List<InteropRecord> sent = new ArrayList<>();
    try (Gateway g = start(config, name, new ArrayList<>())) {
      ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
      try (SinkClient gw = SinkClient.builder(channel).deadline(Duration.ofSeconds(30)).build()) {
        for (int i = 0; i < 20; i++) {
          if (i == 10) {
            Poll.until(WAIT, () -> received.size() >= 10, () -> "the first ten reach the Java audit log");
            server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
          }
          gw.write(request("audit", record(i)));
          sent.add(record(i));
        }
        server = serve.apply(port);
        Poll.until(WAIT, () -> received.size() >= sent.size(), () -> "the records spooled in the outage arrive");
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
      }
    }
    assertEquals(describe(sent), describe(received.stream().map(r -> new InteropRecord(r.getSource(),
        r.getLabelsMap(), r.getPayload().toByteArray(), "", 0)).toList()), "every record once, in order, byte-exact");
  }

  @Test
  void aRecordTheForeignMethodRefuses_goesToTheSpoolsDeadLetters_andTheRestArrive() throws Exception {
    List<String> received = new CopyOnWriteArrayList<>();
    io.grpc.Server server = io.grpc.netty.NettyServerBuilder.forAddress(new java.net.InetSocketAddress("127.0.0.1", 0))
        .addService(new com.acme.audit.v1.AuditLogGrpc.AuditLogImplBase() {
          @Override
          public void append(com.acme.audit.v1.AppendRequest request,
              io.grpc.stub.StreamObserver<com.acme.audit.v1.AppendReply> reply) {
            String text = request.getPayload().toStringUtf8();
            if (text.startsWith("poison")) {
              reply.onError(io.grpc.Status.INVALID_ARGUMENT.withDescription("payload is not an audit entry")
                  .asRuntimeException());
              return;
            }
            received.add(text);
            reply.onNext(com.acme.audit.v1.AppendReply.newBuilder().setStored(request.getPayload().size()).build());
            reply.onCompleted();
          }
        })
        .addService(io.grpc.protobuf.services.ProtoReflectionServiceV1.newInstance())
        .build().start();
    String name = "gw-" + UUID.randomUUID();
    try (Gateway g = start(spooledAuditRoute(server.getPort(), "fsync: interval"), name, new ArrayList<>())) {
      ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
      try (SinkClient gw = SinkClient.builder(channel).deadline(Duration.ofSeconds(30)).build()) {
        for (String text : List.of("entry-1", "poison-2", "entry-3")) {
          gw.write(WriteRequest.newBuilder().setSink("audit").setData(ByteString.copyFromUtf8(text)).build());
        }
        Poll.until(WAIT, () -> received.size() >= 2, () -> "the records around the refused one arrive");
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    } finally {
      server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
    assertEquals(List.of("entry-1", "entry-3"), received);
    List<dev.sinkgate.server.log.LogRecord> dead = dev.sinkgate.server.log.LogReader.readAll(
        tmp.resolve("spool").resolve("dead-letter"));
    assertEquals(List.of("poison-2"), dead.stream().map(r -> new String(r.data(), StandardCharsets.UTF_8)).toList());
    String status = dead.get(0).headers().get("sinkgate-dead-letter-status");
    assertTrue(status.contains("INVALID_ARGUMENT") && status.contains("payload is not an audit entry"), status);
  }

  @Test
  void aMethodThatDoesNotFit_failsTheStart_withTheBindersMessage() throws Exception {
    ForeignServices.requireInstalled(Language.PYTHON, tmp);
    Path descriptors = ForeignServices.writeBlobDescriptorSet(tmp.resolve("blob.pb"), tmp);
    GatewayConfig config = ConfigLoader.parse("test.yaml", """
        sinks:
          blobs:
            type: remote
            targets: ["127.0.0.1:1"]
            method: acme.blob.v1.BlobStore/Get
            descriptor_set: "%s"
        """.formatted(descriptors));
    IOException e = assertThrows(IOException.class,
        () -> Routes.open(config.sinks(), new PrintStream(PrintStream.nullOutputStream()), w -> {}));
    assertTrue(e.getMessage().startsWith("route 'blobs': "), e.getMessage());
    assertTrue(e.getMessage().contains("acme.blob.v1.BlobStore/Get"), e.getMessage());

    // As a process: a config error, exit 2, with the binder's message.
    java.nio.file.Path file = tmp.resolve("misfit.yaml");
    java.nio.file.Files.writeString(file, """
        sinks:
          blobs: { type: remote, targets: ["127.0.0.1:1"], method: acme.blob.v1.BlobStore/Get, descriptor_set: "%s" }
        """.formatted(descriptors));
    MainRun run = MainRun.of("serve", "--config", file.toString(), "--listen", "127.0.0.1:0");
    assertEquals(2, run.exitCode(), run::err);
    assertTrue(run.err().startsWith("sinkgate: bad config: route 'blobs': "), run::err);
  }
}
