package dev.sinkgate.cli;

import dev.sinkgate.proto.v1.Durability;
import dev.sinkgate.proto.v1.SinkGrpc;
import dev.sinkgate.proto.v1.WriteAck;
import dev.sinkgate.proto.v1.WriteRequest;
import dev.sinkgate.proto.v1.WriteResponse;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Pattern;

/**
 * A small but complete implementation of {@code sinkgate.v1.Sink}, written the way a third
 * party would write one against the generated stubs, served on a loopback port. Without
 * faults it is the reference sink: every record is stored in memory by one worker thread (as
 * a log's writer thread would), numbered densely, deduped by producer_id + sequence, routed by
 * name, and work for a cancelled or expired call is dropped. Each {@link Fault} breaks one
 * promise of the contract the way a real implementation might.
 */
final class ScriptedSink extends SinkGrpc.SinkImplBase implements AutoCloseable {
  /** One way to break the contract. */
  enum Fault {
    /** Unary {@code written} is one less than the record's length (an off-by-one). */
    WRONG_WRITTEN,
    /** After acking 20 records on a stream, sends the ack for 10 again. */
    ACKS_BACKWARDS,
    /** Stream acks lag one record behind, the final one too: the last record is never acked. */
    ACKS_STOP_SHORT,
    /** Records queued for a cancelled or expired stream are stored anyway. */
    IGNORES_STREAM_DEADLINES,
    /** Writes queued for a cancelled or expired unary call are stored anyway. */
    IGNORES_UNARY_DEADLINES,
    /** Does not serve grpc.health.v1.Health. */
    NO_HEALTH,
    /** Never answers a unary Write. */
    HANGS_UNARY
  }

  static final int MAX_RECORD_BYTES = 4 << 20;
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
  private static final Set<String> ROUTES = Set.of("", "default");

  private final Set<Fault> faults;
  private final long recordNanos;
  /** The single writer: all storing happens here, in the order work arrives. */
  private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> new Thread(r, "scripted-sink"));
  private final HealthStatusManager health = new HealthStatusManager();
  private final Server server;
  // Touched only on the worker thread.
  private long nextOffset;
  private final Map<String, TreeMap<Long, Long>> producers = new HashMap<>();

  private ScriptedSink(Set<Fault> faults, Duration perRecord) throws IOException {
    this.faults = faults.isEmpty() ? EnumSet.noneOf(Fault.class) : EnumSet.copyOf(faults);
    this.recordNanos = perRecord.toNanos();
    NettyServerBuilder b = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .maxInboundMessageSize(MAX_RECORD_BYTES + (1 << 20))
        .addService(this);
    if (!this.faults.contains(Fault.NO_HEALTH)) {
      b.addService(health.getHealthService());
      health.setStatus("", ServingStatus.SERVING);
    }
    this.server = b.build().start();
  }

  /** Starts a sink with {@code faults} that spends {@code perRecord} storing each record. */
  static ScriptedSink start(Set<Fault> faults, Duration perRecord) throws IOException {
    return new ScriptedSink(faults, perRecord);
  }

  static ScriptedSink start(Fault... faults) throws IOException {
    return start(Set.of(faults), Duration.ZERO);
  }

  String target() {
    return "127.0.0.1:" + server.getPort();
  }

  @Override
  public void write(WriteRequest request, StreamObserver<WriteResponse> response) {
    if (faults.contains(Fault.HANGS_UNARY)) {
      return; // the client's deadline ends the call
    }
    ServerCallStreamObserver<WriteResponse> call = (ServerCallStreamObserver<WriteResponse>) response;
    call.setOnCancelHandler(() -> {});
    worker.execute(() -> {
      if (call.isCancelled() && !faults.contains(Fault.IGNORES_UNARY_DEADLINES)) {
        return;
      }
      try {
        long offset = store(request);
        long duplicateOf = offset < 0 ? -offset - 1 : -1;
        long written = faults.contains(Fault.WRONG_WRITTEN) ? request.getData().size() - 1 : request.getData().size();
        send(call, WriteResponse.newBuilder().setWritten(written).setDurability(Durability.DURABILITY_MEMORY)
            .setOffset(duplicateOf >= 0 ? duplicateOf : offset).setDuplicate(duplicateOf >= 0).build());
        quietly(call::onCompleted);
      } catch (StatusRuntimeException e) {
        call.onError(e);
      }
    });
  }

  @Override
  public StreamObserver<WriteRequest> writeStream(StreamObserver<WriteAck> acks) {
    ServerCallStreamObserver<WriteAck> call = (ServerCallStreamObserver<WriteAck>) acks;
    AtomicBoolean cancelled = new AtomicBoolean();
    call.setOnCancelHandler(() -> cancelled.set(true));
    boolean ignoreCancel = faults.contains(Fault.IGNORES_STREAM_DEADLINES);
    return new StreamObserver<>() {
      // Touched only on the worker thread.
      private long count;
      private long written;
      private long lastLength;
      private boolean failed;
      private WriteAck tenth;

      @Override
      public void onNext(WriteRequest request) {
        worker.execute(() -> {
          if (failed || (cancelled.get() && !ignoreCancel)) {
            return;
          }
          try {
            store(request);
          } catch (StatusRuntimeException e) {
            failed = true;
            call.onError(Status.fromThrowable(e).augmentDescription("record " + count).asRuntimeException());
            return;
          }
          count++;
          lastLength = request.getData().size();
          written += lastLength;
          send(call, ack());
          if (count == 10) {
            tenth = ack();
          } else if (count == 20 && faults.contains(Fault.ACKS_BACKWARDS)) {
            send(call, tenth);
          }
        });
      }

      private WriteAck ack() {
        boolean lag = faults.contains(Fault.ACKS_STOP_SHORT) && count > 0;
        return WriteAck.newBuilder().setCount(lag ? count - 1 : count).setWritten(lag ? written - lastLength : written)
            .setDurability(Durability.DURABILITY_MEMORY).build();
      }

      @Override
      public void onError(Throwable t) {
        cancelled.set(true);
      }

      @Override
      public void onCompleted() {
        worker.execute(() -> {
          if (failed || cancelled.get()) {
            return;
          }
          send(call, ack());
          quietly(call::onCompleted);
        });
      }
    };
  }

  /** Stores a record; returns its offset, or {@code -(original offset) - 1} for a duplicate. */
  private long store(WriteRequest r) {
    if (!r.getSink().isEmpty() && !NAME.matcher(r.getSink()).matches()) {
      throw Status.INVALID_ARGUMENT.withDescription("sink name '" + r.getSink()
          + "' (expected: 1 to 64 of [A-Za-z0-9._-], starting with a letter or digit)").asRuntimeException();
    }
    if (!ROUTES.contains(r.getSink())) {
      throw Status.NOT_FOUND.withDescription("no sink named '" + r.getSink() + "'").asRuntimeException();
    }
    if (r.getData().size() > MAX_RECORD_BYTES) {
      throw Status.INVALID_ARGUMENT.withDescription("record of " + r.getData().size() + " bytes (expected: at most "
          + MAX_RECORD_BYTES + ")").asRuntimeException();
    }
    if (recordNanos > 0) {
      LockSupport.parkNanos(recordNanos); // the simulated cost of storing one record
    }
    if (!r.getProducerId().isEmpty()) {
      TreeMap<Long, Long> seen = producers.computeIfAbsent(r.getProducerId(), p -> new TreeMap<>());
      if (!seen.isEmpty() && r.getSequence() <= seen.lastKey()) {
        Long original = seen.get(r.getSequence());
        return -(original == null ? 0 : original) - 1;
      }
      seen.put(r.getSequence(), nextOffset);
    }
    return nextOffset++;
  }

  /** Sends one message; a sink that ignores cancellation finds out here, and carries on. */
  private static <T> void send(ServerCallStreamObserver<T> call, T message) {
    quietly(() -> call.onNext(message));
  }

  private static void quietly(Runnable step) {
    try {
      step.run();
    } catch (StatusRuntimeException e) {
      // CANCELLED: the caller is gone.
    } catch (IllegalStateException e) {
      // the call is closed already
    }
  }

  @Override
  public void close() throws InterruptedException {
    server.shutdownNow();
    worker.shutdownNow();
    server.awaitTermination(5, TimeUnit.SECONDS);
    worker.awaitTermination(5, TimeUnit.SECONDS);
  }
}
