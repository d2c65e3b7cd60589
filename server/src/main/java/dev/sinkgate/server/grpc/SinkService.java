package dev.sinkgate.server.grpc;

import dev.sinkgate.proto.v1.SinkGrpc;
import dev.sinkgate.proto.v1.WriteAck;
import dev.sinkgate.proto.v1.WriteRequest;
import dev.sinkgate.proto.v1.WriteResponse;
import dev.sinkgate.server.route.Route;
import dev.sinkgate.server.route.RouteCounters;
import dev.sinkgate.server.route.Router;
import dev.sinkgate.server.sink.Accepted;
import dev.sinkgate.server.sink.Record;
import dev.sinkgate.server.sink.StreamFence;
import dev.sinkgate.server.sink.RecordRejectedException;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Serves {@code sinkgate.v1.Sink}: resolves each record's route, hands the record to the
 * route's sink and answers from the sink's callback. Never blocks the calling thread, so
 * it can run on the transport's event loop. Each answered record is counted on its
 * route's {@link RouteCounters} (or the router's unrouted ones) as it is answered.
 */
public final class SinkService extends SinkGrpc.SinkImplBase {
  private final Router router;
  private final StreamLimits limits;
  private final Set<WriteStreamHandler> streams = ConcurrentHashMap.newKeySet();
  private volatile boolean draining;

  public SinkService(Router router, StreamLimits limits) {
    this.router = router;
    this.limits = limits;
  }

  @Override
  public void write(WriteRequest request, StreamObserver<WriteResponse> responses) {
    // A cancelled caller gets no answer (without a handler, answering would throw), and its
    // record is not written if the sink has not started on it.
    StreamFence fence = StreamFence.unary();
    ((ServerCallStreamObserver<WriteResponse>) responses).setOnCancelHandler(fence::cancel);
    int size = request.getData().size();
    Route route;
    try {
      route = router.resolve(request.getSink(), size, request.getProducerId());
    } catch (RecordRejectedException e) {
      responses.onError(counted(router.countersFor(request.getSink()), Statuses.toException(e, "", request.getSink())));
      return;
    }
    CompletableFuture<Accepted> result = route.sink().append(toRecord(request, fence, 0));
    if (result.isDone() && !result.isCompletedExceptionally()) {
      answer(responses, route, size, result.join()); // a sink that accepted at once (discard): no callback to allocate
      return;
    }
    result.whenComplete((accepted, error) -> {
      if (error != null) {
        responses.onError(counted(route.counters(), Statuses.toException(error, "", route.name())));
        return;
      }
      answer(responses, route, size, accepted);
    });
  }

  private static void answer(StreamObserver<WriteResponse> responses, Route route, int size, Accepted accepted) {
    route.counters().recordAccepted(size, accepted.duplicate());
    responses.onNext(WriteResponse.newBuilder()
        .setWritten(accepted.written())
        .setDurability(accepted.durability())
        .setOffset(accepted.offset())
        .setDuplicate(accepted.duplicate())
        .build());
    responses.onCompleted();
  }

  @Override
  public StreamObserver<WriteRequest> writeStream(StreamObserver<WriteAck> acks) {
    WriteStreamHandler handler =
        new WriteStreamHandler(router, (ServerCallStreamObserver<WriteAck>) acks, limits, streams::remove);
    streams.add(handler);
    handler.start();
    if (draining) {
      handler.drain(); // admitted just before the drain began, registered just after
    }
    return handler;
  }

  /** Streams started and not yet ended. */
  public int openStreams() {
    return streams.size();
  }

  /** Asks every open stream to finish what it accepted and end with UNAVAILABLE. */
  public void drainStreams() {
    draining = true;
    for (WriteStreamHandler h : streams) {
      h.drain();
    }
  }

  /**
   * The record for {@code request}; {@code fence} is its stream's and {@code index} its
   * index there, or null and -1 for a unary write.
   */
  static Record toRecord(WriteRequest request, StreamFence fence, long index) {
    return new Record(request.getKey(), request.getHeadersMap(), request.getData(),
        deadlineNanos(Context.current().getDeadline()), fence, index, request.getProducerId(),
        request.getSequence());
  }

  /** Charges {@code refusal} to {@code counters}, as the answer to one record; returns it. */
  static StatusRuntimeException counted(RouteCounters counters, StatusRuntimeException refusal) {
    counters.recordRefused(refusal.getStatus().getCode().value());
    return refusal;
  }

  private static long deadlineNanos(Deadline deadline) {
    if (deadline == null) {
      return Long.MAX_VALUE;
    }
    return System.nanoTime() + deadline.timeRemaining(TimeUnit.NANOSECONDS);
  }
}
