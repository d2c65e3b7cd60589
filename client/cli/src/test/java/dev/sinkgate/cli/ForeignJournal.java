package dev.sinkgate.cli;

import com.acme.journal.v1.Entry;
import com.acme.journal.v1.JournalGrpc;
import com.acme.journal.v1.Receipt;
import com.acme.journal.v1.SignedEntry;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A "foreign" journal service, written on generated stubs of its own proto
 * ({@code acme/journal/v1/journal.proto}) with no knowledge of sinkgate, on a loopback
 * port so sinkctl can take it as {@code --target}. It keeps every entry it receives and
 * counts calls per method (reflection included). Closing it stops the server.
 */
final class ForeignJournal implements AutoCloseable {
  final List<Entry> recorded = new CopyOnWriteArrayList<>();
  private final ConcurrentHashMap<String, AtomicInteger> calls = new ConcurrentHashMap<>();
  private final Server server;

  private ForeignJournal(boolean reflection) throws IOException {
    ServerInterceptor counting = new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
          ServerCallHandler<Q, R> next) {
        calls.computeIfAbsent(call.getMethodDescriptor().getFullMethodName(), k -> new AtomicInteger()).incrementAndGet();
        return next.startCall(call, headers);
      }
    };
    ServerBuilder<?> b = Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
        .addService(ServerInterceptors.intercept(new Journal(), counting));
    if (reflection) {
      b.addService(ServerInterceptors.intercept(ProtoReflectionServiceV1.newInstance(), counting));
    }
    server = b.build().start();
  }

  /** A journal that serves grpc.reflection.v1. */
  static ForeignJournal withReflection() throws IOException {
    return new ForeignJournal(true);
  }

  /** A journal without reflection: its types must come from a descriptor set. */
  static ForeignJournal withoutReflection() throws IOException {
    return new ForeignJournal(false);
  }

  String target() {
    return "127.0.0.1:" + server.getPort();
  }

  int calls(String fullMethod) {
    AtomicInteger n = calls.get(fullMethod);
    return n == null ? 0 : n.get();
  }

  int reflectionCalls() {
    return calls.entrySet().stream().filter(e -> e.getKey().startsWith("grpc.reflection."))
        .mapToInt(e -> e.getValue().get()).sum();
  }

  private final class Journal extends JournalGrpc.JournalImplBase {
    @Override
    public void record(Entry entry, StreamObserver<Receipt> reply) {
      recorded.add(entry);
      reply.onNext(Receipt.newBuilder().setAccepted(entry.getBody().size()).setId("e" + recorded.size()).build());
      reply.onCompleted();
    }

    @Override
    public void recordSigned(SignedEntry entry, StreamObserver<Receipt> reply) {
      reply.onNext(Receipt.newBuilder().setAccepted(entry.getBody().size()).build());
      reply.onCompleted();
    }
  }

  @Override
  public void close() throws InterruptedException {
    server.shutdownNow();
    server.awaitTermination(5, TimeUnit.SECONDS);
  }
}
