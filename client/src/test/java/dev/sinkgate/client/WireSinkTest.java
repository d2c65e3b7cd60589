package dev.sinkgate.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.acme.audit.v1.AppendRequest;
import com.acme.audit.v1.Audit;
import com.acme.blob.v1.Blob;
import com.google.protobuf.ByteString;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.Descriptors.FileDescriptor;
import io.grpc.BindableService;
import io.grpc.Status;
import io.grpc.protobuf.services.ProtoReflectionService;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Binding foreign services over real (in-process) gRPC, through reflection or a descriptor set. */
class WireSinkTest {
  private static final BindingSpec APPEND = BindingSpec.method("acme.audit.v1.AuditLog/Append");

  @TempDir
  Path dir;
  private ForeignServer server;
  private SinkClient client;

  private void start(BindableService... reflection) throws Exception {
    server = new ForeignServer("foreign-" + UUID.randomUUID(), reflection);
    client = SinkClient.builder(server.channel()).deadline(Duration.ofSeconds(5))
        .retryPolicy(RetryPolicy.exponential(5, Duration.ofMillis(1), Duration.ofMillis(20))).build();
  }

  @AfterEach
  void close() throws Exception {
    if (client != null) {
      client.close();
    }
    if (server != null) {
      server.close();
    }
  }

  private static byte[] everyByte() {
    byte[] b = new byte[256];
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) i;
    }
    return b;
  }

  @Test
  void reflectionV1_bindsAppend_andWritesByteExactWithKeyAndHeaders() throws Exception {
    start(ProtoReflectionServiceV1.newInstance());
    WireSink sink = client.bindMethod(APPEND.keyField("source").headersField("labels"));
    assertEquals("acme.audit.v1.AuditLog/Append: data -> AppendRequest.payload (bytes), key -> AppendRequest.source,"
        + " headers -> AppendRequest.labels, count <- AppendReply.stored (int64)", sink.binding().describe());

    Map<String, String> headers = new LinkedHashMap<>(Map.of("env", "prod", "trace", "ab12"));
    assertEquals(256, sink.write(ByteString.copyFrom(everyByte()), "billing", headers));
    assertEquals(3, sink.writeAsync("abc".getBytes()).get());
    assertEquals(0, sink.write(new byte[0]));

    assertEquals(3, server.appended.size());
    AppendRequest first = server.appended.get(0);
    assertArrayEquals(everyByte(), first.getPayload().toByteArray());
    assertEquals("billing", first.getSource());
    assertEquals(headers, first.getLabelsMap());
    assertEquals("abc", server.appended.get(1).getPayload().toStringUtf8());
    assertEquals("", server.appended.get(1).getSource());
  }

  @Test
  void emptyReply_countsTheRecordsLength() throws Exception {
    start(ProtoReflectionServiceV1.newInstance());
    WireSink blobs = client.bindMethod(BindingSpec.method("acme.blob.v1.BlobStore/Put").keyField("name"));
    assertEquals(5, blobs.write(ByteString.copyFromUtf8("hello"), "greeting.txt", null));
    assertEquals("hello", server.put.get(0).getBlob().toStringUtf8());
    assertEquals("greeting.txt", server.put.get(0).getName());
  }

  @Test
  void afterBinding_writesMakeNoReflectionCalls() throws Exception {
    start(ProtoReflectionServiceV1.newInstance());
    WireSink sink = client.bindMethod(APPEND);
    int atBind = server.reflectionCalls();
    assertEquals(1, atBind, "binding opens one reflection stream");
    for (int i = 0; i < 50; i++) {
      sink.write(("r" + i).getBytes());
    }
    assertEquals(50, server.calls("acme.audit.v1.AuditLog/Append"));
    assertEquals(atBind, server.reflectionCalls());
  }

  @Test
  @SuppressWarnings("deprecation") // ProtoReflectionService serves v1alpha, the fallback under test
  void v1alphaOnly_isUsedWhenV1IsUnimplemented() throws Exception {
    start(ProtoReflectionService.newInstance());
    // The server never sees the v1 attempt as a call of a known method, so count on the client side.
    java.util.List<String> asked = new java.util.concurrent.CopyOnWriteArrayList<>();
    io.grpc.ClientInterceptor recording = new io.grpc.ClientInterceptor() {
      @Override
      public <Q, R> io.grpc.ClientCall<Q, R> interceptCall(io.grpc.MethodDescriptor<Q, R> method,
          io.grpc.CallOptions options, io.grpc.Channel next) {
        asked.add(method.getFullMethodName());
        return next.newCall(method, options);
      }
    };
    try (SinkClient viaInterceptor = SinkClient.builder(io.grpc.ClientInterceptors.intercept(server.channel(), recording)).build()) {
      WireSink sink = viaInterceptor.bindMethod(APPEND);
      assertEquals(4, sink.write("four".getBytes()));
    }
    assertEquals(java.util.List.of("grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
        "grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", "acme.audit.v1.AuditLog/Append"), asked);
    assertEquals(1, server.calls("grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"));
  }

  @Test
  void noReflection_andNoDescriptorSet_saysSo() throws Exception {
    start();
    BindingException e = assertThrows(BindingException.class, () -> client.bindMethod(APPEND));
    assertTrue(e.getMessage().startsWith("server at " + server.channel().authority()
        + " has no reflection service (grpc.reflection.v1 or v1alpha) and no descriptor_set was given (expected: "),
        e.getMessage());
  }

  @Test
  void unknownServiceOrMethod_throughReflection_listWhatExists() throws Exception {
    start(ProtoReflectionServiceV1.newInstance());
    String noService = assertThrows(BindingException.class,
        () -> client.bindMethod(BindingSpec.method("acme.audit.v2.AuditLog/Append"))).getMessage();
    assertTrue(noService.contains("has no service acme.audit.v2.AuditLog (services: acme.audit.v1.AuditLog,"
        + " acme.blob.v1.BlobStore, grpc.reflection.v1.ServerReflection)"), noService);
    String noMethod = assertThrows(BindingException.class,
        () -> client.bindMethod(BindingSpec.method("acme.audit.v1.AuditLog/Write"))).getMessage();
    assertTrue(noMethod.contains("service acme.audit.v1.AuditLog has no method Write (methods: Append, Tail)"), noMethod);
    String streaming = assertThrows(BindingException.class,
        () -> client.bindMethod(BindingSpec.method("acme.audit.v1.AuditLog/Tail"))).getMessage();
    assertTrue(streaming.contains("it is a server-streaming method"), streaming);
  }

  @Test
  void descriptorSetFile_bindsAServerWithoutReflection() throws Exception {
    start();
    Path set = descriptorSet("audit.pb", Audit.getDescriptor());
    WireSink sink = client.bindMethod(APPEND.descriptorSet(set).keyField("source"));
    assertEquals(2, sink.write(ByteString.copyFromUtf8("ok"), "k", null));
    assertEquals("k", server.appended.get(0).getSource());
    assertEquals(0, server.reflectionCalls());
  }

  @Test
  void descriptorSetWithoutWellKnownImports_takesThemFromTheRuntime() throws Exception {
    start();
    // blob.proto imports google/protobuf/empty.proto; this set leaves it out (no --include_imports)
    Path set = dir.resolve("blob-only.pb");
    Files.write(set, FileDescriptorSet.newBuilder().addFile(Blob.getDescriptor().toProto()).build().toByteArray());
    WireSink blobs = client.bindMethod(BindingSpec.method("acme.blob.v1.BlobStore/Put").descriptorSet(set));
    assertEquals(3, blobs.write("abc".getBytes()));
  }

  @Test
  void descriptorSet_missingServiceOrFile_orNotADescriptorSet_areBindingErrors() throws Exception {
    start();
    Path set = descriptorSet("audit.pb", Audit.getDescriptor());
    String noService = assertThrows(BindingException.class,
        () -> client.bindMethod(BindingSpec.method("acme.blob.v1.BlobStore/Put").descriptorSet(set))).getMessage();
    assertEquals("descriptor set " + set + " has no service acme.blob.v1.BlobStore (services: acme.audit.v1.AuditLog)",
        noService);
    Path missing = dir.resolve("nope.pb");
    assertTrue(assertThrows(BindingException.class, () -> client.bindMethod(APPEND.descriptorSet(missing)))
        .getMessage().startsWith("descriptor set " + missing + ": no such file"));
    Path garbage = Files.writeString(dir.resolve("garbage.pb"), "\u00ff\u00ff not protobuf");
    assertTrue(assertThrows(BindingException.class, () -> client.bindMethod(APPEND.descriptorSet(garbage)))
        .getMessage().contains("is not a FileDescriptorSet"));
  }

  @Test
  void unavailableWithRetryInfo_isRetriedAsSinkClientDoes() throws Exception {
    start(ProtoReflectionServiceV1.newInstance());
    WireSink sink = client.bindMethod(APPEND);
    server.failNext.set(2);
    assertEquals(5, sink.write("again".getBytes()));
    assertEquals(3, server.calls("acme.audit.v1.AuditLog/Append"));
    assertEquals(1, server.appended.size());

    // An advised delay longer than the deadline: the client gives up at once rather than retry late.
    server.retryDelayMillis = 60_000;
    server.failNext.set(1);
    SinkException e = assertThrows(SinkException.class, () -> sink.write("late".getBytes()));
    assertEquals(Status.Code.UNAVAILABLE, e.code());
    assertEquals(Duration.ofMinutes(1), e.retryAfter().orElseThrow());
    assertEquals(4, server.calls("acme.audit.v1.AuditLog/Append"));
  }

  @Test
  void deadlineExceeded_isASinkException() throws Exception {
    server = new ForeignServer("foreign-" + UUID.randomUUID(), ProtoReflectionServiceV1.newInstance());
    client = SinkClient.builder(server.channel()).deadline(Duration.ofMillis(300)).build();
    WireSink sink = client.bindMethod(APPEND);
    server.stall = true;
    SinkException e = assertThrows(SinkException.class, () -> sink.write("slow".getBytes()));
    assertEquals(Status.Code.DEADLINE_EXCEEDED, e.code());
    assertTrue(assertThrows(java.util.concurrent.ExecutionException.class,
        () -> sink.writeAsync("slow".getBytes()).get()).getCause() instanceof SinkException);
  }

  @Test
  void writeAfterClose_isRefused_andTheClientStaysOpen() throws Exception {
    start(ProtoReflectionServiceV1.newInstance());
    WireSink sink = client.bindMethod(APPEND);
    sink.close();
    assertThrows(IllegalStateException.class, () -> sink.write("x".getBytes()));
    assertEquals(1, client.bindMethod(APPEND).write("x".getBytes()));
  }

  private Path descriptorSet(String name, FileDescriptor file) throws Exception {
    FileDescriptorSet.Builder set = FileDescriptorSet.newBuilder();
    addWithDependencies(file, set, new java.util.HashSet<>());
    return Files.write(dir.resolve(name), set.build().toByteArray());
  }

  /** What protoc --include_imports writes: the file and its imports, imports first. */
  private static void addWithDependencies(FileDescriptor file, FileDescriptorSet.Builder set, java.util.Set<String> seen) {
    if (!seen.add(file.getName())) {
      return;
    }
    for (FileDescriptor dep : file.getDependencies()) {
      addWithDependencies(dep, set, seen);
    }
    set.addFile(file.toProto());
  }
}
