package dev.sinkgate.server;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A client interceptor for tests of code that drives calls by hand: it records in
 * {@link #violations} every breach of the ClientCall contract (two methods at once; any but
 * cancel after cancel), delivers each call's callbacks on one thread of its own, as Netty
 * does (the in-process transport runs them inline), and runs {@code hook} inside the
 * {@code atSend}-th message sent over the channel, before it goes out. Shut
 * {@link #callbacks} down after use.
 */
final class CallDiscipline implements ClientInterceptor {
  final List<String> violations = new CopyOnWriteArrayList<>();
  final ExecutorService callbacks = Executors.newSingleThreadExecutor();
  private final AtomicInteger sends = new AtomicInteger();
  private final int atSend;
  private final Runnable hook;

  CallDiscipline(int atSend, Runnable hook) {
    this.atSend = atSend;
    this.hook = hook;
  }

  @Override
  public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(MethodDescriptor<ReqT, RespT> method,
      CallOptions options, Channel next) {
    return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
      private final AtomicInteger inside = new AtomicInteger();
      private volatile boolean cancelled;

      private void enter(String what) {
        if (inside.incrementAndGet() > 1) {
          violations.add(what + " while another method of the call ran");
        }
        if (cancelled && !what.equals("cancel")) {
          violations.add(what + " after cancel");
        }
      }

      @Override
      public void start(Listener<RespT> listener, Metadata headers) {
        enter("start");
        try {
          super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
            @Override
            public void onHeaders(Metadata h) {
              callbacks.execute(() -> super.onHeaders(h));
            }

            @Override
            public void onMessage(RespT message) {
              callbacks.execute(() -> super.onMessage(message));
            }

            @Override
            public void onClose(Status status, Metadata trailers) {
              callbacks.execute(() -> super.onClose(status, trailers));
            }

            @Override
            public void onReady() {
              callbacks.execute(super::onReady);
            }
          }, headers);
        } finally {
          inside.decrementAndGet();
        }
      }

      @Override
      public void sendMessage(ReqT message) {
        enter("sendMessage");
        try {
          if (sends.incrementAndGet() == atSend) {
            hook.run();
          }
          super.sendMessage(message);
        } finally {
          inside.decrementAndGet();
        }
      }

      @Override
      public void halfClose() {
        enter("halfClose");
        try {
          super.halfClose();
        } finally {
          inside.decrementAndGet();
        }
      }

      @Override
      public void cancel(String message, Throwable cause) {
        enter("cancel");
        cancelled = true;
        try {
          super.cancel(message, cause);
        } finally {
          inside.decrementAndGet();
        }
      }
    };
  }
}
