package dev.sinkgate.server.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.acme.audit.v1.AppendReply;
import com.acme.audit.v1.AppendRequest;
import com.acme.audit.v1.AuditLogGrpc;
import dev.sinkgate.client.BindingSpec;
import dev.sinkgate.server.sink.Record;
import dev.sinkgate.server.sink.RecordRejectedException;
import dev.sinkgate.server.sink.RecordRejectedException.Reason;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@link ForeignRecordSink}'s failure paths against a real Java foreign service on loopback
 * (the client's test stubs): a target not up yet, a method found not to fit only once the
 * target answers, and a closed route.
 */
class ForeignRecordSinkTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(2);

  private static Server auditLog(int port) throws IOException {
    return NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
        .addService(new AuditLogGrpc.AuditLogImplBase() {
          @Override
          public void append(AppendRequest request, StreamObserver<AppendReply> reply) {
            reply.onNext(AppendReply.newBuilder().setStored(request.getPayload().size()).build());
            reply.onCompleted();
          }
        })
        .addService(ProtoReflectionServiceV1.newInstance())
        .build().start();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static RecordRejectedException refusal(ForeignRecordSink sink) {
    try {
      sink.append(Record.of("x".getBytes(StandardCharsets.UTF_8))).join();
    } catch (CompletionException e) {
      return (RecordRejectedException) e.getCause();
    }
    throw new AssertionError("the record was accepted");
  }

  @Test
  void aMethodFoundNotToFitOnlyOnceTheTargetAnswers_leavesTheRouteUnhealthyAndRefusing() throws Exception {
    int port = freePort();
    List<String> warnings = new CopyOnWriteArrayList<>();
    try (ForeignRecordSink sink = ForeignRecordSink.open("audit", List.of("127.0.0.1:" + port),
        BindingSpec.method("acme.audit.v1.AuditLog/Tail"), TIMEOUT, warnings::add)) {
      RecordRejectedException waiting = refusal(sink);
      assertEquals(Reason.UNAVAILABLE, waiting.reason());
      assertTrue(waiting.getMessage().contains("cannot bind acme.audit.v1.AuditLog/Tail yet"), waiting.getMessage());
      assertTrue(sink.healthy(), "not known to misfit yet");
      assertFalse(sink.opened().toCompletableFuture().isDone(), "not open before it is bound");

      CountDownLatch healthChanged = new CountDownLatch(1);
      sink.onHealthChange(healthChanged::countDown);
      Server server = auditLog(port);
      try {
        assertTrue(healthChanged.await(30, TimeUnit.SECONDS), "the health listener hears of the misfit");
        assertFalse(sink.healthy(), "a method that does not fit leaves the route unhealthy");
        RecordRejectedException misfit = refusal(sink);
        assertEquals(Reason.UNAVAILABLE, misfit.reason(), "refused, so a spool keeps its backlog");
        assertTrue(misfit.getMessage().contains("server-streaming"), misfit.getMessage());
        assertFalse(sink.opened().toCompletableFuture().isDone(), "never open");
        assertTrue(warnings.stream().anyMatch(w -> w.contains("every record is refused until the config is fixed")),
            () -> "warnings: " + warnings);
      } finally {
        server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void aClosedRoute_refusesRecords_andABoundOneForwardsThemWithItsCount() throws Exception {
    Server server = auditLog(0);
    try {
      ForeignRecordSink sink = ForeignRecordSink.open("audit", List.of("127.0.0.1:" + server.getPort()),
          BindingSpec.method("acme.audit.v1.AuditLog/Append").keyField("source").headersField("labels"), TIMEOUT, w -> {});
      assertTrue(sink.opened().toCompletableFuture().isDone(), "bound at open: the target was up");
      assertEquals(5, sink.append(new Record("k", Map.of("a", "b"), "hello".getBytes(StandardCharsets.UTF_8),
          Long.MAX_VALUE)).join().written());
      sink.close();
      RecordRejectedException closed = refusal(sink);
      assertEquals(Reason.UNAVAILABLE, closed.reason());
      assertTrue(closed.getMessage().contains("route 'audit': is closed"), closed.getMessage());
    } finally {
      server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
  }
}
