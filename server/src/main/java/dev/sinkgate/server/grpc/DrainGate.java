package dev.sinkgate.server.grpc;

import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Counts the calls in flight and, once draining, turns new calls away with
 * {@code UNAVAILABLE} (and RetryInfo) so clients go to another replica. Draining then
 * waits, bounded, until the calls in flight have finished.
 */
public final class DrainGate implements ServerInterceptor {
  /** What a client is told to wait before retrying elsewhere. */
  static final Duration RETRY_AFTER = Duration.ofSeconds(1);

  private final Object lock = new Object();
  private int inFlight;
  private volatile boolean draining;

  public boolean draining() {
    return draining;
  }

  /** From now on, new calls are refused. */
  public void startDraining() {
    synchronized (lock) {
      draining = true;
    }
  }

  /** Waits until no call is in flight or the timeout passes; returns true if none is. */
  public boolean awaitIdle(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (lock) {
      while (inFlight > 0) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(lock, left);
      }
      return true;
    }
  }

  public int inFlight() {
    synchronized (lock) {
      return inFlight;
    }
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
      ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    boolean admitted;
    synchronized (lock) {
      admitted = !draining;
      if (admitted) {
        inFlight++;
      }
    }
    if (!admitted) {
      StatusRuntimeException e = Statuses.withRetryInfo(Status.UNAVAILABLE,
          "gateway is draining (shutting down); retry on another replica", RETRY_AFTER);
      call.close(e.getStatus(), e.getTrailers());
      return new ServerCall.Listener<>() {};
    }
    ServerCall.Listener<ReqT> delegate;
    try {
      delegate = next.startCall(call, headers);
    } catch (RuntimeException e) {
      finished();
      throw e;
    }
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(delegate) {
      private boolean done;

      @Override
      public void onComplete() {
        try {
          super.onComplete();
        } finally {
          end();
        }
      }

      @Override
      public void onCancel() {
        try {
          super.onCancel();
        } finally {
          end();
        }
      }

      private void end() {
        if (!done) {
          done = true;
          finished();
        }
      }
    };
  }

  private void finished() {
    synchronized (lock) {
      inFlight--;
      lock.notifyAll();
    }
  }
}
