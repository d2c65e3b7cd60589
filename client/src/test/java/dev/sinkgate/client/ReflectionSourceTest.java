package dev.sinkgate.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.acme.ledger.v1.LedgerGrpc;
import com.acme.ledger.v1.LedgerOuterClass;
import com.acme.ledger.v1.Money;
import com.acme.ledger.v1.PostReply;
import com.acme.ledger.v1.PostRequest;
import com.google.protobuf.Descriptors.FileDescriptor;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.grpc.reflection.v1.ErrorResponse;
import io.grpc.reflection.v1.FileDescriptorResponse;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.stub.StreamObserver;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The reflection exchange against servers that answer less than grpc-java's: a reflection
 * service that sends only the file asked for (as a minimal implementation may), one that
 * cannot send an import, one that never answers; and binding over a real loopback socket.
 */
class ReflectionSourceTest {
  private static final BindingSpec POST = BindingSpec.method("acme.ledger.v1.Ledger/Post");
  private final List<AutoCloseable> open = new ArrayList<>();
  private final List<PostRequest> posted = new CopyOnWriteArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  /** A ledger written the way its authors would. */
  private final class Ledger extends LedgerGrpc.LedgerImplBase {
    @Override
    public void post(PostRequest request, StreamObserver<PostReply> reply) {
      posted.add(request);
      reply.onNext(PostReply.newBuilder().setAccepted(request.getEntry().size()).build());
      reply.onCompleted();
    }
  }

  /**
   * A reflection service that sends just the file asked for, never its imports, and knows
   * only the files given to it; with {@code silent}, it never answers at all.
   */
  private static final class MinimalReflection extends ServerReflectionGrpc.ServerReflectionImplBase {
    final List<String> asked = new CopyOnWriteArrayList<>();
    private final Map<String, FileDescriptor> files;
    private final boolean silent;

    MinimalReflection(boolean silent, FileDescriptor... served) {
      this.silent = silent;
      Map<String, FileDescriptor> m = new java.util.HashMap<>();
      for (FileDescriptor f : served) {
        m.put(f.getName(), f);
      }
      this.files = m;
    }

    @Override
    public StreamObserver<ServerReflectionRequest> serverReflectionInfo(StreamObserver<ServerReflectionResponse> out) {
      return new StreamObserver<>() {
        @Override
        public void onNext(ServerReflectionRequest r) {
          asked.add(r.getMessageRequestCase() + " " + (r.hasFileByFilename() ? r.getFileByFilename() : r.getFileContainingSymbol()));
          if (silent) {
            return;
          }
          FileDescriptor f = r.hasFileContainingSymbol()
              ? files.values().stream().filter(d -> d.findServiceByName(r.getFileContainingSymbol()
                  .substring(r.getFileContainingSymbol().lastIndexOf('.') + 1)) != null).findFirst().orElse(null)
              : files.get(r.getFileByFilename());
          ServerReflectionResponse.Builder answer = ServerReflectionResponse.newBuilder().setOriginalRequest(r);
          if (f == null) {
            answer.setErrorResponse(ErrorResponse.newBuilder().setErrorCode(Status.Code.NOT_FOUND.value())
                .setErrorMessage("not found"));
          } else {
            answer.setFileDescriptorResponse(FileDescriptorResponse.newBuilder()
                .addFileDescriptorProto(f.toProto().toByteString()));
          }
          out.onNext(answer.build());
        }

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {
          out.onCompleted();
        }
      };
    }
  }

  private SinkClient inProcess(MinimalReflection reflection, Duration deadline) throws Exception {
    String name = "ledger-" + UUID.randomUUID();
    Server server = InProcessServerBuilder.forName(name).addService(new Ledger()).addService(reflection).build().start();
    open.add(() -> {
      server.shutdownNow();
      server.awaitTermination(5, TimeUnit.SECONDS);
    });
    ManagedChannel channel = InProcessChannelBuilder.forName(name).build();
    open.add(() -> {
      channel.shutdownNow();
      channel.awaitTermination(5, TimeUnit.SECONDS);
    });
    SinkClient client = SinkClient.builder(channel).deadline(deadline).build();
    open.add(client);
    return client;
  }

  @Test
  void importsTheServerLeftOut_areAskedForByFilename() throws Exception {
    MinimalReflection reflection = new MinimalReflection(false, LedgerOuterClass.getDescriptor(), Money.getDescriptor());
    SinkClient client = inProcess(reflection, Duration.ofSeconds(5));
    WireSink ledger = client.bindMethod(POST);
    assertEquals(List.of("FILE_CONTAINING_SYMBOL acme.ledger.v1.Ledger", "FILE_BY_FILENAME acme/ledger/v1/money.proto"),
        reflection.asked);
    assertEquals("acme.ledger.v1.Ledger/Post: data -> PostRequest.entry (bytes), count <- PostReply.accepted (uint32)",
        ledger.binding().describe());
    assertEquals(3, ledger.write(new byte[] {0, -1, 7}));
    assertArrayEquals(new byte[] {0, -1, 7}, posted.get(0).getEntry().toByteArray());
    assertEquals(2, reflection.asked.size(), "no reflection after binding");
  }

  @Test
  void anImportTheServerCannotSend_isABindingError() throws Exception {
    SinkClient client = inProcess(new MinimalReflection(false, LedgerOuterClass.getDescriptor()), Duration.ofSeconds(5));
    String m = assertThrows(BindingException.class, () -> client.bindMethod(POST)).getMessage();
    assertTrue(m.contains("imports acme/ledger/v1/money.proto, which its reflection service does not serve"), m);
  }

  @Test
  void unknownService_onAServerThatCannotListServices_stillSaysWhichServiceIsMissing() throws Exception {
    SinkClient client = inProcess(new MinimalReflection(false, LedgerOuterClass.getDescriptor()), Duration.ofSeconds(5));
    String m = assertThrows(BindingException.class,
        () -> client.bindMethod(BindingSpec.method("acme.ledger.v1.Journal/Post"))).getMessage();
    assertTrue(m.contains("has no service acme.ledger.v1.Journal (services: not listed: not found)"), m);
  }

  @Test
  void reflectionThatNeverAnswers_endsAtTheDeadline() throws Exception {
    SinkClient client = inProcess(new MinimalReflection(true), Duration.ofMillis(300));
    SinkException e = assertThrows(SinkException.class, () -> client.bindMethod(POST));
    assertEquals(Status.Code.DEADLINE_EXCEEDED, e.code());
  }

  @Test
  void overLoopback_bindsThroughAnOwnedChannel() throws Exception {
    Server server = Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
        .addService(new Ledger()).addService(ProtoReflectionServiceV1.newInstance()).build().start();
    open.add(() -> {
      server.shutdownNow();
      server.awaitTermination(5, TimeUnit.SECONDS);
    });
    try (SinkClient client = SinkClient.connect("127.0.0.1:" + server.getPort())) {
      WireSink ledger = client.bindMethod(POST);
      assertEquals(5, ledger.write("entry".getBytes()));
      assertEquals("entry", posted.get(0).getEntry().toStringUtf8());
      assertTrue(ledger.toString().startsWith("SinkClient(127.0.0.1:" + server.getPort() + ").bindMethod("), ledger.toString());
    }
  }

  @Test
  void unreachableServer_isARetryableSinkException_notABindingError() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    try (SinkClient client = SinkClient.builder("127.0.0.1:" + port).deadline(Duration.ofSeconds(5)).build()) {
      SinkException e = assertThrows(SinkException.class, () -> client.bindMethod(POST));
      assertEquals(Status.Code.UNAVAILABLE, e.code());
      assertTrue(e.retryable());
    }
  }
}
