package dev.sinkgate.bench.startup;

import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Times a starting gateway from outside, as a kubelet probe sees it: first when its health
 * port accepts a TCP connection (tried every {@link #POLL_MILLIS} ms), then when
 * {@code grpc.health.v1.Health/Watch} for service {@code ""} first says SERVING. Connecting
 * a gRPC channel only once the port accepts keeps the channel's reconnect back-off (a
 * second or more) out of the figure; Watch then reports the change to SERVING as it happens.
 */
final class HealthProbe {
  static final int POLL_MILLIS = 5;

  /** When the port first accepted and when the health check first said SERVING, in ns after the spawn. */
  record Times(long listeningNanos, long servingNanos) {}

  private HealthProbe() {}

  static Times await(GatewayChild gateway, int port, long timeoutNanos) throws IOException, InterruptedException {
    long deadline = gateway.spawnedNanos() + timeoutNanos;
    long listening = awaitPort(gateway, port, deadline);
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    try {
      while (true) {
        long serving = watchUntilServing(channel, gateway, deadline);
        if (serving >= 0) {
          return new Times(listening, serving);
        }
        check(gateway, deadline, "no SERVING from grpc.health.v1.Health/Watch for service '' on 127.0.0.1:" + port);
        Thread.sleep(POLL_MILLIS); // the watch ended without SERVING (e.g. a refused call): ask again
      }
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private static long awaitPort(GatewayChild gateway, int port, long deadline)
      throws IOException, InterruptedException {
    InetSocketAddress address = new InetSocketAddress("127.0.0.1", port);
    while (true) {
      try (Socket s = new Socket()) {
        s.connect(address, 1000);
        return System.nanoTime() - gateway.spawnedNanos();
      } catch (IOException refused) {
        check(gateway, deadline, "the health port 127.0.0.1:" + port + " accepted no connection");
        Thread.sleep(POLL_MILLIS); // another process's port: nothing to wait on but time
      }
    }
  }

  /** One Watch call: when it first said SERVING (ns after the spawn), or -1 if it ended without. */
  private static long watchUntilServing(ManagedChannel channel, GatewayChild gateway, long deadline)
      throws InterruptedException {
    AtomicLong serving = new AtomicLong(-1);
    CountDownLatch done = new CountDownLatch(1);
    HealthGrpc.newStub(channel).watch(HealthCheckRequest.newBuilder().setService("").build(),
        new StreamObserver<>() {
          @Override
          public void onNext(HealthCheckResponse r) {
            if (r.getStatus() == ServingStatus.SERVING && serving.get() < 0) {
              serving.set(System.nanoTime() - gateway.spawnedNanos());
              done.countDown();
            }
          }

          @Override
          public void onError(Throwable t) {
            done.countDown();
          }

          @Override
          public void onCompleted() {
            done.countDown();
          }
        });
    long left = deadline - System.nanoTime();
    if (!done.await(Math.max(0, left), TimeUnit.NANOSECONDS)) {
      return -1;
    }
    return serving.get();
  }

  private static void check(GatewayChild gateway, long deadline, String what) throws IOException {
    if (!gateway.alive()) {
      throw new IOException("the gateway exited before serving: " + gateway.stderr());
    }
    if (System.nanoTime() - deadline > 0) {
      throw new IOException(what + " in time; its stderr: " + gateway.stderr());
    }
  }
}
