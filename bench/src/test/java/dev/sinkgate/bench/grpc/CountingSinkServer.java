package dev.sinkgate.bench.grpc;

import dev.sinkgate.proto.v1.Durability;
import dev.sinkgate.proto.v1.SinkGrpc;
import dev.sinkgate.proto.v1.WriteAck;
import dev.sinkgate.proto.v1.WriteRequest;
import dev.sinkgate.proto.v1.WriteResponse;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A real grpc-java server on a loopback port whose {@code sinkgate.v1.Sink} counts what it
 * answers: the server-side counters h2load's view is checked against. A call is counted
 * before its response is sent, so a call h2load saw succeed is always counted. A record
 * whose sink or size is not what the test expects fails its call with INVALID_ARGUMENT and
 * is counted as rejected.
 */
final class CountingSinkServer implements AutoCloseable {
  private final String sink;
  private final int recordBytes;
  private final AtomicLong calls = new AtomicLong();
  private final AtomicLong records = new AtomicLong();
  private final AtomicLong rejected = new AtomicLong();
  private final Server server;

  CountingSinkServer(String sink, int recordBytes) throws IOException {
    this.sink = sink;
    this.recordBytes = recordBytes;
    this.server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(new Counting()).build().start();
  }

  int port() {
    return server.getPort();
  }

  String uri(String method) {
    return H2Load.uri(port(), method);
  }

  /** Calls answered OK (each unary call, and each stream at its end). */
  long calls() {
    return calls.get();
  }

  /** Records in the calls answered OK. */
  long records() {
    return records.get();
  }

  long rejected() {
    return rejected.get();
  }

  private Status check(WriteRequest r) {
    if (!r.getSink().equals(sink) || r.getData().size() != recordBytes) {
      rejected.incrementAndGet();
      return Status.INVALID_ARGUMENT.withDescription("sink '" + r.getSink() + "' with " + r.getData().size()
          + " bytes (expected: sink '" + sink + "' with " + recordBytes + " bytes)");
    }
    return Status.OK;
  }

  @Override
  public void close() {
    server.shutdownNow();
    try {
      server.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // shut down already; only the wait was cut short
    }
  }

  private final class Counting extends SinkGrpc.SinkImplBase {
    @Override
    public void write(WriteRequest request, StreamObserver<WriteResponse> response) {
      Status status = check(request);
      if (!status.isOk()) {
        response.onError(status.asRuntimeException());
        return;
      }
      records.incrementAndGet();
      calls.incrementAndGet();
      response.onNext(WriteResponse.newBuilder().setWritten(request.getData().size())
          .setDurability(Durability.DURABILITY_MEMORY).build());
      response.onCompleted();
    }

    @Override
    public StreamObserver<WriteRequest> writeStream(StreamObserver<WriteAck> acks) {
      return new StreamObserver<>() {
        private long count;
        private long written;
        private boolean failed;

        @Override
        public void onNext(WriteRequest request) {
          if (failed) {
            return;
          }
          Status status = check(request);
          if (!status.isOk()) {
            failed = true;
            acks.onError(status.withDescription("record " + count + ": " + status.getDescription())
                .asRuntimeException());
            return;
          }
          count++;
          written += request.getData().size();
        }

        @Override
        public void onError(Throwable t) {
          // the client went away (h2load stops mid-call when its duration ends): not counted
        }

        @Override
        public void onCompleted() {
          if (failed) {
            return;
          }
          records.addAndGet(count);
          calls.incrementAndGet();
          acks.onNext(WriteAck.newBuilder().setCount(count).setWritten(written)
              .setDurability(Durability.DURABILITY_MEMORY).build());
          acks.onCompleted();
        }
      };
    }
  }
}
