package dev.sinkgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinkgate.server.TestGateway.Transport;
import dev.sinkgate.server.route.Route;
import dev.sinkgate.server.sink.DiscardRecordSink;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The standard health and reflection services, so probes and generic tools work. */
class HealthAndReflectionTest {

  private static ServingStatus check(HealthGrpc.HealthBlockingStub health, String service) {
    return health.check(HealthCheckRequest.newBuilder().setService(service).build()).getStatus();
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void health_servesOverallAndPerRouteAndGoesNotServingOnDrain(Transport t) throws Exception {
    TestGateway gw = new TestGateway(List.of(new Route("default", new DiscardRecordSink(), 1024),
        new Route("audit", new DiscardRecordSink(), 1024)));
    try {
      var health = HealthGrpc.newBlockingStub(gw.channel(t)).withDeadlineAfter(10, TimeUnit.SECONDS);
      assertEquals(ServingStatus.SERVING, check(health, ""));
      assertEquals(ServingStatus.SERVING, check(health, "sinkgate.v1.Sink"));
      assertEquals(ServingStatus.SERVING, check(health, "sinkgate.v1.Sink/audit"));
      StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
          () -> check(health, "sinkgate.v1.Sink/nope"));
      assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());

      // A Kubernetes-style watcher sees the gateway leave SERVING when it drains.
      List<ServingStatus> seen = new CopyOnWriteArrayList<>();
      HealthGrpc.newStub(gw.channel(t)).watch(HealthCheckRequest.newBuilder().setService("").build(),
          new StreamObserver<>() {
            @Override
            public void onNext(HealthCheckResponse r) {
              seen.add(r.getStatus());
            }

            @Override
            public void onError(Throwable e) {}

            @Override
            public void onCompleted() {}
          });
      Poll.until(Duration.ofSeconds(10), () -> seen.contains(ServingStatus.SERVING), () -> "SERVING on the watch");
      assertTrue(gw.gateway.drain(Duration.ofSeconds(10)));
      Poll.until(Duration.ofSeconds(10), () -> seen.contains(ServingStatus.NOT_SERVING),
          () -> "NOT_SERVING on the watch after drain, saw " + seen);
    } finally {
      gw.close();
    }
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void reflection_listsTheSinkAndHealthServices(Transport t) throws Exception {
    try (TestGateway gw = new TestGateway(List.of(new Route("default", new DiscardRecordSink(), 1024)))) {
      CompletableFuture<List<String>> services = new CompletableFuture<>();
      StreamObserver<ServerReflectionRequest> requests = ServerReflectionGrpc.newStub(gw.channel(t))
          .serverReflectionInfo(new StreamObserver<>() {
            @Override
            public void onNext(ServerReflectionResponse r) {
              services.complete(r.getListServicesResponse().getServiceList().stream()
                  .map(ServiceResponse::getName).toList());
            }

            @Override
            public void onError(Throwable e) {
              services.completeExceptionally(e);
            }

            @Override
            public void onCompleted() {}
          });
      requests.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
      List<String> names = services.get(10, TimeUnit.SECONDS);
      requests.onCompleted();
      assertTrue(names.contains("sinkgate.v1.Sink"), names.toString());
      assertTrue(names.contains("grpc.health.v1.Health"), names.toString());
    }
  }
}
