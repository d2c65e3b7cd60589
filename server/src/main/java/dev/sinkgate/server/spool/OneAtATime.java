package dev.sinkgate.server.spool;

import dev.sinkgate.server.sink.Record;
import dev.sinkgate.server.sink.RecordRejectedException;
import dev.sinkgate.server.sink.RecordSink;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A {@link RecordSink} as an {@link OrderedDownstream} with a window of one record: a stream
 * is a run of appends, acknowledged one by one, that ends at the first refusal (naming its
 * index). Owns the sink.
 */
final class OneAtATime implements OrderedDownstream {
  private final RecordSink sink;
  private final AtomicBoolean closed = new AtomicBoolean();

  OneAtATime(RecordSink sink) {
    this.sink = sink;
  }

  @Override
  public int windowRecords() {
    return 1;
  }

  @Override
  public long windowBytes() {
    return 0; // one record at a time, whatever its size
  }

  @Override
  public Duration ackTimeout() {
    return null; // the sink bounds each append (a remote sink's per-attempt timeout)
  }

  @Override
  public Stream open(Listener listener) {
    return new Stream() {
      private final AtomicBoolean ended = new AtomicBoolean();
      private long sent;
      private long acked;
      private long duplicates;

      @Override
      public void send(Record record) {
        long index = sent++;
        try {
          sink.append(record).whenComplete((a, e) -> {
            if (e == null) {
              synchronized (this) {
                acked++;
                duplicates += a.duplicate() ? 1 : 0;
                if (!ended.get()) {
                  listener.acked(acked, duplicates);
                }
              }
            } else {
              end(index, e);
            }
          });
        } catch (RuntimeException e) { // a sink that throws instead of failing its future
          end(index, e);
        }
      }

      private void end(long index, Throwable e) {
        Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
        RecordRejectedException refused = cause instanceof RecordRejectedException r ? r
            : new RecordRejectedException(RecordRejectedException.Reason.UNAVAILABLE, String.valueOf(cause));
        if (ended.compareAndSet(false, true)) {
          listener.ended(index, refused);
        }
      }

      @Override
      public void cancel(String why) {
        if (ended.compareAndSet(false, true)) {
          listener.ended(-1, new RecordRejectedException(RecordRejectedException.Reason.UNAVAILABLE, why));
        }
      }
    };
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      sink.close();
    }
  }

  @Override
  public String toString() {
    return sink.toString();
  }
}
