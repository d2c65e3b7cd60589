package dev.sinkgate.server;

import dev.sinkgate.proto.v1.WriteAck;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/** Keeps every ack of a WriteStream; {@link #done} completes with the stream's final status. */
class AckRecorder implements StreamObserver<WriteAck> {
  final List<WriteAck> acks = new CopyOnWriteArrayList<>();
  final CompletableFuture<Status> done = new CompletableFuture<>();
  /** What the stream failed with, trailers (RetryInfo) included; null unless it failed. Set before {@link #done}. */
  volatile Throwable error;

  /** The count of the newest ack, 0 before the first. */
  long ackedCount() {
    return acks.isEmpty() ? 0 : acks.get(acks.size() - 1).getCount();
  }

  @Override
  public void onNext(WriteAck ack) {
    acks.add(ack);
  }

  @Override
  public void onError(Throwable t) {
    error = t;
    done.complete(Status.fromThrowable(t));
  }

  @Override
  public void onCompleted() {
    done.complete(Status.OK);
  }
}
