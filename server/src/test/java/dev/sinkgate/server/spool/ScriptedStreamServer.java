package dev.sinkgate.server.spool;

import dev.sinkgate.proto.v1.SinkGrpc;
import dev.sinkgate.proto.v1.WriteAck;
import dev.sinkgate.proto.v1.WriteRequest;
import io.grpc.ClientInterceptor;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A {@code sinkgate.v1.Sink} WriteStream server for tests, scripted by the test: it stores
 * each record once per producer and sequence (a replay is a duplicate, as a gateway answers
 * it), acknowledges cumulatively once {@code ackEvery} records are unacknowledged (or at
 * {@code lastSequence}), acknowledges nothing past {@code ackLimit}, and fails a chosen
 * sequence once with a chosen status whose description names the record's index in its
 * stream, after acknowledging the records before it (as sink.proto says). It notes the most
 * records it ever had unacknowledged on one stream. Thread-safe (one lock). What it answers is
 * decided under the lock and sent after releasing it: with direct executors, a call on a
 * response observer takes the transport's locks and runs the client's callbacks inline.
 */
public final class ScriptedStreamServer extends SinkGrpc.SinkImplBase {
  /** A record as it arrived: stored, or a duplicate of one stored. */
  public record Received(long sequence, String producerId, boolean duplicate) {}

  private final List<Received> received = new ArrayList<>();
  private final List<Long> stored = new ArrayList<>();
  private final Map<String, Long> lastSequence = new HashMap<>();
  private final Map<Long, Status> failOnce = new HashMap<>();
  private int ackEvery = 1;
  private long lastExpected = Long.MAX_VALUE;
  private long ackLimit = Long.MAX_VALUE;
  private final String name = "scripted-stream-" + UUID.randomUUID();
  /** Touched by the test's thread only (not under the lock, which the server's callbacks take). */
  private Server server;
  private int maxUnacked;
  private int streams;
  private int openStreams;
  private Status failStreams;

  public synchronized void ackEvery(int n, long lastExpected) {
    this.ackEvery = n;
    this.lastExpected = lastExpected;
  }

  /** Acknowledges no record whose sequence is above {@code sequence} (Long.MAX_VALUE: no limit). */
  public synchronized void ackLimit(long sequence) {
    this.ackLimit = sequence;
  }

  /** Fails the stream at the first arrival of {@code sequence} with {@code status} (the record is not stored). */
  public synchronized void failOnce(long sequence, Status status) {
    failOnce.put(sequence, status);
  }

  /** Starts serving on the in-process transport (again, after {@link #stop}). */
  public void start() throws IOException {
    server = InProcessServerBuilder.forName(name).addService(this).build().start();
  }

  /** Stops serving at once, as a downstream that dies: the streams in flight break. Idempotent. */
  public void stop() throws InterruptedException {
    if (server != null) {
      server.shutdownNow();
      if (!server.awaitTermination(10, TimeUnit.SECONDS)) {
        throw new IllegalStateException("the scripted server did not stop in 10 s");
      }
      server = null;
    }
  }

  /** A new channel to this server, through {@code interceptors}, which the caller shuts down. */
  public ManagedChannel channel(ClientInterceptor... interceptors) {
    return InProcessChannelBuilder.forName(name).intercept(interceptors).build();
  }

  /** Fails every new stream at once with {@code status} (null: serves them again). */
  public synchronized void failStreams(Status status) {
    this.failStreams = status;
  }

  public synchronized List<Long> stored() {
    return List.copyOf(stored);
  }

  public synchronized List<Received> received() {
    return List.copyOf(received);
  }

  public synchronized int maxUnacked() {
    return maxUnacked;
  }

  public synchronized int streams() {
    return streams;
  }

  /** The streams that started and have not ended (by either side). */
  public synchronized int openStreams() {
    return openStreams;
  }

  @Override
  public StreamObserver<WriteRequest> writeStream(StreamObserver<WriteAck> out) {
    Status refusal;
    synchronized (this) {
      streams++;
      refusal = failStreams;
      if (refusal == null) {
        openStreams++;
      }
    }
    if (refusal != null) {
      out.onError(refusal.asRuntimeException());
      return new StreamObserver<>() {
        @Override
        public void onNext(WriteRequest value) {}

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {}
      };
    }
    return new StreamObserver<>() {
      private long index;
      private long acked;
      private boolean done;

      /** Marks the stream ended, once; the lock is held. */
      private void end() {
        if (!done) {
          done = true;
          openStreams--;
        }
      }

      @Override
      public void onNext(WriteRequest request) {
        WriteAck ack;
        Status fail;
        synchronized (ScriptedStreamServer.this) {
          if (done) {
            return;
          }
          long i = index++;
          fail = failOnce.remove(request.getSequence());
          if (fail != null) {
            end();
            ack = ack(i);
            fail = fail.withDescription("record " + i + " of this stream: " + fail.getDescription());
          } else {
            ack = take(request);
          }
        }
        send(ack, fail, false);
      }

      /** Stores {@code request} (or notes it a duplicate); the ack it calls for, or null. The lock is held. */
      private WriteAck take(WriteRequest request) {
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
          return ack(index);
        }
        return null;
      }

      /** The cumulative ack of {@code count} records, or null if it is not new. The lock is held. */
      private WriteAck ack(long count) {
        if (count > acked) {
          acked = count;
          return WriteAck.newBuilder().setCount(count).build();
        }
        return null;
      }

      /** Sends what a callback decided, outside the lock: the ack, then the stream's end (failed, or cleanly). */
      private void send(WriteAck ack, Status fail, boolean complete) {
        if (ack != null) {
          out.onNext(ack);
        }
        if (fail != null) {
          out.onError(fail.asRuntimeException());
        } else if (complete) {
          out.onCompleted();
        }
      }

      @Override
      public void onError(Throwable t) {
        synchronized (ScriptedStreamServer.this) {
          end();
        }
      }

      @Override
      public void onCompleted() {
        WriteAck ack;
        synchronized (ScriptedStreamServer.this) {
          if (done) {
            return;
          }
          end();
          ack = ack(index);
        }
        send(ack, null, true);
      }
    };
  }
}
