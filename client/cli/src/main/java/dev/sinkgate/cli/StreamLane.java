package dev.sinkgate.cli;

import dev.sinkgate.client.SinkClient;
import dev.sinkgate.client.SinkException;
import dev.sinkgate.client.StreamWriter;
import dev.sinkgate.client.StreamWriter.StreamFailedException;
import dev.sinkgate.proto.v1.WriteRequest;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;
import org.HdrHistogram.Histogram;

/**
 * One stream-mode bench worker: sends its share of the {@link Schedule} over a
 * {@link StreamWriter}, and opens a new stream when one fails (the failed stream's
 * unacknowledged records are counted as failures with its status code).
 *
 * <p>A stream acknowledges cumulatively and {@code StreamWriter} reports that only through
 * {@link StreamWriter#acknowledged()}, so the lane looks at it after every write and,
 * while it waits for a record's due time or for the last acknowledgements, every
 * {@value #POLL_MICROS} µs. A record's latency runs from when it was due (paced runs) or
 * sent (unlimited runs) to the first look that finds it acknowledged.
 */
final class StreamLane {
  static final long POLL_MICROS = 100;
  /** At the end, how long the lane watches for acknowledgements before letting close() wait for the rest. */
  private static final long END_WATCH_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

  private final SinkClient client;
  private final int window;
  private final Schedule schedule;
  private final WriteRequest request;
  private final Tally tally;
  private final Histogram latency;
  private final LongSupplier nanoTime;

  // The current stream and the due times of its records written but not yet seen acknowledged.
  private StreamWriter stream;
  private final ArrayDeque<Long> pending = new ArrayDeque<>();
  private long seenAcked;

  StreamLane(SinkClient client, int window, Schedule schedule, WriteRequest request, Tally tally, Histogram latency,
      LongSupplier nanoTime) {
    this.client = client;
    this.window = window;
    this.schedule = schedule;
    this.request = request;
    this.tally = tally;
    this.latency = latency;
    this.nanoTime = nanoTime;
  }

  void run() {
    long due;
    while ((due = schedule.take()) != Schedule.DONE) {
      if (stream == null) {
        stream = client.openStream(window);
        seenAcked = 0;
      }
      waitObserving(due);
      try {
        stream.write(request);
      } catch (SinkException e) {
        tally.failed(e.code(), 1); // the record in hand was never sent
        abandon(e);
        continue;
      }
      pending.add(schedule.paced() ? due : nanoTime.getAsLong());
      observe();
    }
    if (stream != null) {
      finish();
    }
  }

  /** Waits until {@code due}, counting acknowledgements as they come. */
  private void waitObserving(long due) {
    long left;
    while ((left = due - nanoTime.getAsLong()) > 0) {
      if (!pending.isEmpty()) {
        observe();
      }
      LockSupport.parkNanos(pending.isEmpty() ? left : Math.min(left, POLL_MICROS * 1000));
    }
  }

  /** Watches the last acknowledgements come in, then closes the stream. */
  private void finish() {
    long lastProgress = nanoTime.getAsLong();
    while (!pending.isEmpty() && nanoTime.getAsLong() - lastProgress < END_WATCH_NANOS) {
      if (observe()) {
        lastProgress = nanoTime.getAsLong();
      } else {
        LockSupport.parkNanos(POLL_MICROS * 1000);
      }
    }
    try {
      stream.close();
      settle(stream.acknowledged(), null);
    } catch (StreamFailedException e) {
      settle(e.acknowledged(), e);
    } catch (SinkException e) {
      settle(stream.acknowledged(), e);
    }
    stream = null;
  }

  /** Counts records acknowledged since the last look; true if there were any. */
  private boolean observe() {
    long acked = stream.acknowledged();
    if (acked == seenAcked) {
      return false;
    }
    long now = nanoTime.getAsLong();
    for (; seenAcked < acked && !pending.isEmpty(); seenAcked++) {
      tally.accepted(latency, pending.poll(), now);
    }
    return true;
  }

  /** The stream failed or timed out: close it (which cancels it) and settle its records. */
  private void abandon(SinkException e) {
    long acked = e instanceof StreamFailedException f ? f.acknowledged() : -1;
    if (acked < 0) {
      try {
        stream.close(); // a step timed out: close() waits once more for acknowledgements, then cancels
        acked = stream.acknowledged();
      } catch (StreamFailedException f) {
        acked = f.acknowledged();
      } catch (SinkException again) {
        acked = stream.acknowledged(); // close() cancelled the stream; these were accepted before that
      }
    }
    settle(acked, e);
    stream = null;
  }

  /** The first {@code acked} records of the stream were accepted, the rest failed with {@code failure}'s code. */
  private void settle(long acked, SinkException failure) {
    long now = nanoTime.getAsLong();
    for (; seenAcked < acked && !pending.isEmpty(); seenAcked++) {
      tally.accepted(latency, pending.poll(), now);
    }
    if (!pending.isEmpty()) {
      tally.failed(failure == null ? io.grpc.Status.Code.INTERNAL : failure.code(), pending.size());
      pending.clear();
    }
  }
}
