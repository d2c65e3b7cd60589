package dev.sinkgate.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinkgate.proto.v1.SinkGrpc;
import dev.sinkgate.proto.v1.WriteRequest;
import dev.sinkgate.proto.v1.WriteResponse;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A client built for several host:port targets round-robins over real loopback servers. */
class SinkClientTargetsTest {

  /** A minimal sink server: counts the records it is sent. */
  private static final class CountingSink extends SinkGrpc.SinkImplBase {
    final AtomicInteger writes = new AtomicInteger();

    @Override
    public void write(WriteRequest request, StreamObserver<WriteResponse> out) {
      writes.incrementAndGet();
      out.onNext(WriteResponse.newBuilder().setWritten(request.getData().size()).build());
      out.onCompleted();
    }
  }

  private static Server serve(CountingSink sink) throws Exception {
    return NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(sink).build().start();
  }

  private static String target(Server s) {
    return "127.0.0.1:" + ((InetSocketAddress) s.getListenSockets().get(0)).getPort();
  }

  @Test
  void severalHostPortTargets_areRoundRobined_soEveryServerReceives() throws Exception {
    CountingSink a = new CountingSink();
    CountingSink b = new CountingSink();
    Server first = serve(a);
    Server second = serve(b);
    try (SinkClient client = SinkClient.builder(List.of(target(first), target(second))).build()) {
      assertEquals(target(first) + "," + target(second), client.target());
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      int writes = 0;
      while ((a.writes.get() == 0 || b.writes.get() == 0) && System.nanoTime() < deadline) {
        assertEquals(1, client.write("any", new byte[1]).getWritten());
        writes++;
      }
      assertTrue(a.writes.get() > 0 && b.writes.get() > 0, "a server never received: " + a.writes + "/" + b.writes);
      assertEquals(writes, a.writes.get() + b.writes.get());
    } finally {
      second.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      first.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void targetsNoneOfWhichResolve_failTheCallUnavailable_sayingSo() {
    try (SinkClient client = SinkClient.builder(List.of("no-such-host.invalid:7001", "nor-this.invalid:7002"))
        .retryPolicy(RetryPolicy.none()).deadline(java.time.Duration.ofSeconds(20)).build()) {
      SinkException e = assertThrows(SinkException.class, () -> client.write("any", new byte[1]));
      assertEquals(io.grpc.Status.Code.UNAVAILABLE, e.code(), e::toString);
      assertTrue(e.description().contains("none of the targets"), e.description());
    }
  }

  @Test
  void aListOfTargets_mustBeHostPortEntries_andNotEmpty() {
    IllegalArgumentException mixed = assertThrows(IllegalArgumentException.class,
        () -> SinkClient.builder(List.of("127.0.0.1:1", "unix:/run/sink.sock")));
    assertTrue(mixed.getMessage().contains("'unix:/run/sink.sock' (expected: host:port in a list of several targets"),
        mixed.getMessage());
    assertThrows(IllegalArgumentException.class, () -> SinkClient.builder(List.<String>of()));
  }
}
