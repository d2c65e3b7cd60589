package dev.sinkgate.client;

import com.acme.audit.v1.AppendReply;
import com.acme.audit.v1.AppendRequest;
import com.acme.audit.v1.AuditLogGrpc;
import com.acme.blob.v1.BlobStoreGrpc;
import com.acme.blob.v1.PutRequest;
import com.google.protobuf.Any;
import com.google.protobuf.Empty;
import com.google.rpc.Code;
import com.google.rpc.RetryInfo;
import io.grpc.BindableService;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * "Foreign" services written the way their authors would, on generated stubs of their own
 * protos, with no knowledge of sinkgate: an audit log and a blob store, served in-process
 * with the reflection services a test asks for. A real {@link ServerInterceptor} counts the
 * calls each method receives. Closing it closes the server and the channel.
 */
final class ForeignServer implements AutoCloseable {
  final List<AppendRequest> appended = new CopyOnWriteArrayList<>();
  final List<PutRequest> put = new CopyOnWriteArrayList<>();
  /** Calls received, by full method name (reflection included). */
  final ConcurrentHashMap<String, AtomicInteger> calls = new ConcurrentHashMap<>();
  /** Append fails with UNAVAILABLE (with this RetryInfo delay, in ms) this many times first. */
  final AtomicInteger failNext = new AtomicInteger();
  volatile long retryDelayMillis = 1;
  /** Append never answers while true (its calls are answered with CANCELLED at close). */
  volatile boolean stall;
  private final List<StreamObserver<AppendReply>> stalled = new CopyOnWriteArrayList<>();

  private final Server server;
  private final ManagedChannel channel;
  final String name;

  ForeignServer(String name, BindableService... reflection) throws IOException {
    this.name = name;
    ServerInterceptor counting = new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
          ServerCallHandler<Q, R> next) {
        calls.computeIfAbsent(call.getMethodDescriptor().getFullMethodName(), k -> new AtomicInteger()).incrementAndGet();
        return next.startCall(call, headers);
      }
    };
    var builder = InProcessServerBuilder.forName(name)
        .addService(ServerInterceptors.intercept(new AuditLog(), counting))
        .addService(ServerInterceptors.intercept(new BlobStore(), counting));
    for (BindableService r : reflection) {
      builder.addService(ServerInterceptors.intercept(r, counting));
    }
    server = builder.build().start();
    channel = InProcessChannelBuilder.forName(name).build();
  }

  ManagedChannel channel() {
    return channel;
  }

  int calls(String fullMethod) {
    AtomicInteger n = calls.get(fullMethod);
    return n == null ? 0 : n.get();
  }

  int reflectionCalls() {
    return calls.entrySet().stream().filter(e -> e.getKey().startsWith("grpc.reflection."))
        .mapToInt(e -> e.getValue().get()).sum();
  }

  private final class AuditLog extends AuditLogGrpc.AuditLogImplBase {
    @Override
    public void append(AppendRequest request, StreamObserver<AppendReply> reply) {
      if (stall) {
        stalled.add(reply);
        return;
      }
      if (failNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
        reply.onError(StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder()
            .setCode(Code.UNAVAILABLE_VALUE).setMessage("audit log is failing over")
            .addDetails(Any.pack(RetryInfo.newBuilder().setRetryDelay(com.google.protobuf.Duration.newBuilder()
                .setSeconds(retryDelayMillis / 1000).setNanos((int) (retryDelayMillis % 1000) * 1_000_000)).build()))
            .build()));
        return;
      }
      appended.add(request);
      reply.onNext(AppendReply.newBuilder().setStored(request.getPayload().size()).build());
      reply.onCompleted();
    }
  }

  private final class BlobStore extends BlobStoreGrpc.BlobStoreImplBase {
    @Override
    public void put(PutRequest request, StreamObserver<Empty> reply) {
      put.add(request);
      reply.onNext(Empty.getDefaultInstance());
      reply.onCompleted();
    }
  }

  @Override
  public void close() throws InterruptedException {
    stalled.forEach(r -> r.onError(io.grpc.Status.CANCELLED.withDescription("test over").asRuntimeException()));
    channel.shutdownNow();
    server.shutdownNow();
    channel.awaitTermination(5, TimeUnit.SECONDS);
    server.awaitTermination(5, TimeUnit.SECONDS);
  }
}
