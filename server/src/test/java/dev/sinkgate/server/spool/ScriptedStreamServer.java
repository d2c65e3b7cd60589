package dev.sinkgate.server.spool;

import dev.sinkgate.proto.v1.SinkGrpc;
import dev.sinkgate.proto.v1.WriteAck;
import dev.sinkgate.proto.v1.WriteRequest;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@code sinkgate.v1.Sink} WriteStream server for tests, scripted by the test: it stores
 * each record once per producer and sequence (a replay is a duplicate, as a gateway answers
 * it), acknowledges cumulatively once {@code ackEvery} records are unacknowledged (or at
 * {@code lastSequence}), acknowledges nothing past {@code ackLimit}, and fails a chosen
 * sequence once with a chosen status whose description names the record's index in its
 * stream, after acknowledging the records before it (as sink.proto says). It notes the most
 * records it ever had unacknowledged on one stream. Thread-safe (one lock).
 */
final class ScriptedStreamServer extends SinkGrpc.SinkImplBase {
  /** A record as it arrived: stored, or a duplicate of one stored. */
  record Received(long sequence, String producerId, boolean duplicate) {}

  private final List<Received> received = new ArrayList<>();
  private final List<Long> stored = new ArrayList<>();
  private final Map<String, Long> lastSequence = new HashMap<>();
  private final Map<Long, Status> failOnce = new HashMap<>();
  private int ackEvery = 1;
  private long lastExpected = Long.MAX_VALUE;
  private long ackLimit = Long.MAX_VALUE;
  private int maxUnacked;
  private int streams;
  private Status failStreams;

  synchronized void ackEvery(int n, long lastExpected) {
    this.ackEvery = n;
    this.lastExpected = lastExpected;
  }

  /** Acknowledges no record whose sequence is above {@code sequence} (Long.MAX_VALUE: no limit). */
  synchronized void ackLimit(long sequence) {
    this.ackLimit = sequence;
  }

  /** Fails the stream at the first arrival of {@code sequence} with {@code status} (the record is not stored). */
  synchronized void failOnce(long sequence, Status status) {
    failOnce.put(sequence, status);
  }

  /** Fails every new stream at once with {@code status} (null: serves them again). */
  synchronized void failStreams(Status status) {
    this.failStreams = status;
  }

  synchronized List<Long> stored() {
    return List.copyOf(stored);
  }

  synchronized List<Received> received() {
    return List.copyOf(received);
  }

  synchronized int maxUnacked() {
    return maxUnacked;
  }

  synchronized int streams() {
    return streams;
  }

  @Override
  public StreamObserver<WriteRequest> writeStream(StreamObserver<WriteAck> out) {
    synchronized (this) {
      streams++;
      if (failStreams != null) {
        out.onError(failStreams.asRuntimeException());
        return new StreamObserver<>() {
          @Override
          public void onNext(WriteRequest value) {}

          @Override
          public void onError(Throwable t) {}

          @Override
          public void onCompleted() {}
        };
      }
    }
    return new StreamObserver<>() {
      private long index;
      private long acked;
      private boolean done;

      @Override
      public void onNext(WriteRequest request) {
        synchronized (ScriptedStreamServer.this) {
          if (done) {
            return;
          }
          long i = index++;
          Status fail = failOnce.remove(request.getSequence());
          if (fail != null) {
            done = true;
            ack(i);
            out.onError(fail.withDescription("record " + i + " of this stream: " + fail.getDescription())
                .asRuntimeException());
            return;
          }
          long last = lastSequence.getOrDefault(request.getProducerId(), 0L);
          boolean duplicate = request.getSequence() <= last;
          received.add(new Received(request.getSequence(), request.getProducerId(), duplicate));
          if (!duplicate) {
            lastSequence.put(request.getProducerId(), request.getSequence());
            stored.add(request.getSequence());
          }
          maxUnacked = (int) Math.max(maxUnacked, index - acked);
          if (request.getSequence() <= ackLimit
              && (index - acked >= ackEvery || request.getSequence() >= lastExpected)) {
            ack(index);
          }
        }
      }

      private void ack(long count) {
        if (count > acked) {
          acked = count;
          out.onNext(WriteAck.newBuilder().setCount(count).build());
        }
      }

      @Override
      public void onError(Throwable t) {
        synchronized (ScriptedStreamServer.this) {
          done = true;
        }
      }

      @Override
      public void onCompleted() {
        synchronized (ScriptedStreamServer.this) {
          if (!done) {
            done = true;
            ack(index);
            out.onCompleted();
          }
        }
      }
    };
  }
}
