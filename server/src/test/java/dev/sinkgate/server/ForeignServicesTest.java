package dev.sinkgate.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.Descriptors.DescriptorValidationException;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import dev.sinkgate.server.InteropProcesses.Language;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The foreign services of interop/foreign/ on their own, each a real child process called by a
 * generic client — dynamic messages over a hand-made byte[] method descriptor, typed from the
 * service's reflection answer (Node) or its descriptor-set file (Python), as the binder will be:
 * stored byte-exact, SIGTERM exits 0, a restarted service appends to its file.
 */
class ForeignServicesTest {
  private static final io.grpc.MethodDescriptor.Marshaller<byte[]> BYTES = new io.grpc.MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  };

  @TempDir Path tmp;

  @Test
  void nodeAuditLog_describesItselfByReflection_storesAppendByteExact_andAppendsAfterRestart() throws Exception {
    ForeignServices.requireInstalled(Language.NODE, tmp);
    Path file = tmp.resolve("audit.jsonl");
    InteropRecord first = new InteropRecord("billing-ü", Map.of("tenant", "acme", "region", "eu-west"), everyByte(), "", 0);
    InteropRecord second = new InteropRecord("", Map.of(), new byte[0], "", 0);

    try (ForeignServices.Service audit = ForeignServices.startAuditLog("audit", file, tmp)) {
      ManagedChannel channel = channel(audit);
      try {
        assertTrue(reflectedServices(channel).contains("acme.audit.v1.AuditLog"), "services listed by reflection");
        MethodDescriptor append = method(reflectedFiles(channel, "acme.audit.v1.AuditLog"), ForeignServices.AUDIT_APPEND);
        assertEquals(MethodType.UNARY, typeOf(append));
        assertEquals(FieldDescriptor.Type.BYTES, append.getInputType().findFieldByName("payload").getType());
        assertEquals(FieldDescriptor.Type.INT64, append.getOutputType().findFieldByName("stored").getType());
        for (String service : List.of("", "acme.audit.v1.AuditLog")) {
          assertEquals(ServingStatus.SERVING, HealthGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
              .check(HealthCheckRequest.newBuilder().setService(service).build()).getStatus(), "health of '" + service + "'");
        }

        DynamicMessage reply = unary(channel, append, auditRequest(append, first));
        assertEquals((long) first.data().length, reply.getField(append.getOutputType().findFieldByName("stored")));
        assertEquals(describe(List.of(first)), describe(audit.entries()));
      } finally {
        close(channel);
      }
      assertEquals(0, audit.stop(), "the audit log's exit code on SIGTERM");
    }

    try (ForeignServices.Service restarted = ForeignServices.startAuditLog("audit-restarted", file, tmp)) {
      ManagedChannel channel = channel(restarted);
      try {
        List<FileDescriptor> files = reflectedFiles(channel, "acme.audit.v1.AuditLog");
        MethodDescriptor append = method(files, ForeignServices.AUDIT_APPEND);
        assertEquals(0L, unary(channel, append, auditRequest(append, second))
            .getField(append.getOutputType().findFieldByName("stored")));
        assertEquals(describe(List.of(first, second)), describe(restarted.entries()));

        // Tail (server streaming, entries carrying a google.protobuf.Timestamp) serves the file's entries.
        MethodDescriptor tail = method(files, "acme.audit.v1.AuditLog/Tail");
        assertEquals(MethodType.SERVER_STREAMING, typeOf(tail));
        List<byte[]> payloads = new ArrayList<>();
        Iterator<byte[]> answers = ClientCalls.blockingServerStreamingCall(channel, grpcMethod(tail),
            CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS),
            DynamicMessage.newBuilder(tail.getInputType()).build().toByteArray());
        while (answers.hasNext()) {
          DynamicMessage entry = DynamicMessage.parseFrom(tail.getOutputType(), answers.next());
          payloads.add(((ByteString) entry.getField(tail.getOutputType().findFieldByName("payload"))).toByteArray());
        }
        assertEquals(2, payloads.size(), "entries tailed");
        assertArrayEquals(first.data(), payloads.get(0));
      } finally {
        close(channel);
      }
      assertEquals(0, restarted.stop(), "the restarted audit log's exit code on SIGTERM");
    }
  }

  @Test
  void pythonBlobStore_typedByItsDescriptorSet_storesPutByteExact_andAppendsAfterRestart() throws Exception {
    ForeignServices.requireInstalled(Language.PYTHON, tmp);
    Path descriptorSet = ForeignServices.writeBlobDescriptorSet(tmp.resolve("blob.pb"), tmp);
    List<FileDescriptor> files = build(FileDescriptorSet.parseFrom(Files.readAllBytes(descriptorSet)).getFileList());
    MethodDescriptor put = method(files, ForeignServices.BLOB_PUT);
    assertEquals("google.protobuf.Empty", put.getOutputType().getFullName());
    MethodDescriptor get = method(files, "acme.blob.v1.BlobStore/Get");
    Path file = tmp.resolve("blobs.jsonl");
    InteropRecord first = new InteropRecord("photo.png", Map.of(), everyByte(), "", 0);
    InteropRecord second = new InteropRecord("notes.txt", Map.of(), "hello".getBytes(java.nio.charset.StandardCharsets.UTF_8), "", 0);

    try (ForeignServices.Service blobs = ForeignServices.startBlobStore("blobs", file, tmp)) {
      ManagedChannel channel = channel(blobs);
      try {
        DynamicMessage reply = unary(channel, put, blobRequest(put, first));
        assertEquals(Map.of(), reply.getAllFields(), "Put's reply");
        assertEquals(describe(List.of(first)), describe(blobs.entries()));
        // No reflection: the descriptor set is the only way to type this service.
        StatusRuntimeException noReflection = assertThrows(StatusRuntimeException.class, () -> reflectedServices(channel));
        assertEquals(Status.Code.UNIMPLEMENTED, noReflection.getStatus().getCode(), noReflection::toString);
      } finally {
        close(channel);
      }
      assertEquals(0, blobs.stop(), "the blob store's exit code on SIGTERM");
    }

    try (ForeignServices.Service restarted = ForeignServices.startBlobStore("blobs-restarted", file, tmp)) {
      ManagedChannel channel = channel(restarted);
      try {
        DynamicMessage got = unary(channel, get, DynamicMessage.newBuilder(get.getInputType())
            .setField(get.getInputType().findFieldByName("name"), first.key()).build());
        assertArrayEquals(first.data(), ((ByteString) got.getField(get.getOutputType().findFieldByName("blob"))).toByteArray(),
            "the blob stored before the restart");
        unary(channel, put, blobRequest(put, second));
        assertEquals(describe(List.of(first, second)), describe(restarted.entries()));
      } finally {
        close(channel);
      }
      assertEquals(0, restarted.stop(), "the restarted blob store's exit code on SIGTERM");
    }
  }

  private static DynamicMessage auditRequest(MethodDescriptor append, InteropRecord record) {
    var type = append.getInputType();
    DynamicMessage.Builder b = DynamicMessage.newBuilder(type)
        .setField(type.findFieldByName("payload"), ByteString.copyFrom(record.data()))
        .setField(type.findFieldByName("source"), record.key());
    FieldDescriptor labels = type.findFieldByName("labels");
    var entry = labels.getMessageType();
    record.headers().forEach((k, v) -> b.addRepeatedField(labels, DynamicMessage.newBuilder(entry)
        .setField(entry.findFieldByName("key"), k).setField(entry.findFieldByName("value"), v).build()));
    return b.build();
  }

  private static DynamicMessage blobRequest(MethodDescriptor put, InteropRecord record) {
    var type = put.getInputType();
    return DynamicMessage.newBuilder(type)
        .setField(type.findFieldByName("blob"), ByteString.copyFrom(record.data()))
        .setField(type.findFieldByName("name"), record.key())
        .build();
  }

  /** Calls {@code method} with {@code request} as bytes, and reads the answer as its declared output type. */
  private static DynamicMessage unary(ManagedChannel channel, MethodDescriptor method, Message request)
      throws InvalidProtocolBufferException {
    byte[] answer = ClientCalls.blockingUnaryCall(channel, grpcMethod(method),
        CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), request.toByteArray());
    return DynamicMessage.parseFrom(method.getOutputType(), answer);
  }

  private static io.grpc.MethodDescriptor<byte[], byte[]> grpcMethod(MethodDescriptor method) {
    return io.grpc.MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(typeOf(method))
        .setFullMethodName(io.grpc.MethodDescriptor.generateFullMethodName(
            method.getService().getFullName(), method.getName()))
        .setRequestMarshaller(BYTES)
        .setResponseMarshaller(BYTES)
        .build();
  }

  private static MethodType typeOf(MethodDescriptor method) {
    if (method.isClientStreaming()) {
      return method.isServerStreaming() ? MethodType.BIDI_STREAMING : MethodType.CLIENT_STREAMING;
    }
    return method.isServerStreaming() ? MethodType.SERVER_STREAMING : MethodType.UNARY;
  }

  /** {@code fullName} ({@code package.Service/Method}) in {@code files}. */
  private static MethodDescriptor method(List<FileDescriptor> files, String fullName) {
    String service = fullName.substring(0, fullName.indexOf('/'));
    String name = fullName.substring(fullName.indexOf('/') + 1);
    for (FileDescriptor f : files) {
      for (var s : f.getServices()) {
        if (s.getFullName().equals(service) && s.findMethodByName(name) != null) {
          return s.findMethodByName(name);
        }
      }
    }
    throw new AssertionError(fullName + " is not in " + files.stream().map(FileDescriptor::getName).toList());
  }

  /**
   * Builds every file of {@code protos}. A file that declares imports is built after them. Node's
   * {@code @grpc/reflection} (files from protobufjs) names files by package ({@code acme_audit_v1.proto})
   * and declares no imports at all, so a file without declared imports is built against every file built
   * before it, retried until the files it refers to are there.
   */
  private static List<FileDescriptor> build(List<FileDescriptorProto> protos) throws DescriptorValidationException {
    Map<String, FileDescriptor> built = new LinkedHashMap<>();
    List<FileDescriptorProto> pending = new ArrayList<>(protos);
    while (!pending.isEmpty()) {
      DescriptorValidationException last = null;
      boolean progress = false;
      for (Iterator<FileDescriptorProto> it = pending.iterator(); it.hasNext(); ) {
        FileDescriptorProto proto = it.next();
        if (!built.keySet().containsAll(proto.getDependencyList())) {
          continue;
        }
        List<FileDescriptor> deps = new ArrayList<>();
        FileDescriptorProto toBuild = proto;
        if (proto.getDependencyCount() == 0) {
          deps.addAll(built.values());
          toBuild = proto.toBuilder().addAllDependency(built.keySet()).build();
        } else {
          proto.getDependencyList().forEach(d -> deps.add(built.get(d)));
        }
        try {
          built.put(proto.getName(), FileDescriptor.buildFrom(toBuild, deps.toArray(FileDescriptor[]::new)));
          it.remove();
          progress = true;
        } catch (DescriptorValidationException e) {
          last = e; // perhaps a file it refers to is not built yet
        }
      }
      if (!progress) {
        if (last != null) {
          throw last;
        }
        throw new AssertionError("imports missing from " + pending.stream().map(FileDescriptorProto::getName).toList()
            + "; built: " + built.keySet());
      }
    }
    return List.copyOf(built.values());
  }

  private static List<String> reflectedServices(ManagedChannel channel) throws Exception {
    ServerReflectionResponse r = reflect(channel, ServerReflectionRequest.newBuilder().setListServices("").build());
    return r.getListServicesResponse().getServiceList().stream().map(ServiceResponse::getName).toList();
  }

  /** The file defining {@code symbol} and the files it depends on, as the server's reflection serves them. */
  private static List<FileDescriptor> reflectedFiles(ManagedChannel channel, String symbol) throws Exception {
    ServerReflectionResponse r = reflect(channel,
        ServerReflectionRequest.newBuilder().setFileContainingSymbol(symbol).build());
    assertTrue(r.hasFileDescriptorResponse(), () -> "reflection's answer for " + symbol + ": " + r);
    List<FileDescriptorProto> protos = new ArrayList<>();
    for (ByteString bytes : r.getFileDescriptorResponse().getFileDescriptorProtoList()) {
      protos.add(FileDescriptorProto.parseFrom(bytes));
    }
    return build(protos);
  }

  /** One request on a reflection stream, its one answer. */
  private static ServerReflectionResponse reflect(ManagedChannel channel, ServerReflectionRequest request)
      throws Exception {
    CompletableFuture<ServerReflectionResponse> answer = new CompletableFuture<>();
    StreamObserver<ServerReflectionRequest> requests = ServerReflectionGrpc.newStub(channel)
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .serverReflectionInfo(new StreamObserver<>() {
          @Override
          public void onNext(ServerReflectionResponse value) {
            answer.complete(value);
          }

          @Override
          public void onError(Throwable t) {
            answer.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {
            answer.completeExceptionally(new AssertionError("reflection ended without an answer"));
          }
        });
    requests.onNext(request);
    requests.onCompleted();
    try {
      return answer.get(15, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      throw e.getCause() instanceof Exception cause ? cause : e;
    }
  }

  private static ManagedChannel channel(ForeignServices.Service service) {
    return NettyChannelBuilder.forAddress("127.0.0.1", service.port()).usePlaintext().build();
  }

  private static void close(ManagedChannel channel) throws InterruptedException {
    channel.shutdownNow();
    channel.awaitTermination(10, TimeUnit.SECONDS);
  }

  /** The 256 byte values, 0 to 255: a payload no text encoding survives unchanged. */
  static byte[] everyByte() {
    byte[] data = new byte[512];
    for (int i = 0; i < data.length; i++) {
      data[i] = (byte) (i * 7);
    }
    return data;
  }

  private static List<String> describe(List<InteropRecord> records) {
    return records.stream().map(InteropRecord::describe).toList();
  }
}
