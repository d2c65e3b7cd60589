package dev.sinkgate.server;

import dev.sinkgate.proto.v1.SinkGrpc;
import dev.sinkgate.proto.v1.WriteAck;
import dev.sinkgate.proto.v1.WriteRequest;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.util.Iterator;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A WriteStream driven the way a well-behaved client drives it: records are sent only
 * while the transport is ready (onReady backpressure), every ack is kept, and
 * {@link #done} completes with the stream's final status.
 */
final class StreamingCall extends AckRecorder implements ClientResponseObserver<WriteRequest, WriteAck> {
  private final Iterator<WriteRequest> records;
  private final boolean halfCloseAtEnd;
  final AtomicLong sent = new AtomicLong();
  /** Set once the client found the transport not ready while it still had records to send. */
  final AtomicBoolean blockedByFlowControl = new AtomicBoolean();
  private ClientCallStreamObserver<WriteRequest> requests;
  private boolean finishedSending;

  private StreamingCall(Iterator<WriteRequest> records, boolean halfCloseAtEnd) {
    this.records = records;
    this.halfCloseAtEnd = halfCloseAtEnd;
  }

  /** Starts a stream that sends {@code records} and then half-closes. */
  static StreamingCall start(SinkGrpc.SinkStub stub, Iterator<WriteRequest> records) {
    StreamingCall call = new StreamingCall(records, true);
    stub.writeStream(call);
    return call;
  }

  /** Starts a stream that sends {@code records} and stays open (for drain tests). */
  static StreamingCall startOpen(SinkGrpc.SinkStub stub, Iterator<WriteRequest> records) {
    StreamingCall call = new StreamingCall(records, false);
    stub.writeStream(call);
    return call;
  }

  @Override
  public void beforeStart(ClientCallStreamObserver<WriteRequest> requestStream) {
    this.requests = requestStream;
    requestStream.setOnReadyHandler(this::pump);
  }

  private synchronized void pump() {
    if (finishedSending || done.isDone()) {
      return;
    }
    while (requests.isReady()) {
      if (!records.hasNext()) {
        finishedSending = true;
        if (halfCloseAtEnd) {
          requests.onCompleted();
        }
        return;
      }
      requests.onNext(records.next());
      sent.incrementAndGet();
    }
    blockedByFlowControl.set(true);
  }

  /** Cancels the stream from the client side. */
  void cancel() {
    requests.cancel("test done", null);
  }
}
