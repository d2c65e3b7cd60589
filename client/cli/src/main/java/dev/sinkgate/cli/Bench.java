package dev.sinkgate.cli;

import com.google.protobuf.ByteString;
import dev.sinkgate.client.SinkClient;
import dev.sinkgate.client.SinkException;
import dev.sinkgate.client.StreamWriter;
import dev.sinkgate.proto.v1.WriteRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.HdrHistogram.Histogram;

/**
 * The load generator behind {@code sinkctl bench}: {@code concurrency} workers send
 * records of {@code size} random bytes on a shared {@link Schedule}, each over unary
 * {@code Write} calls or its own {@code WriteStream}, until the count or duration is
 * reached. Nothing is retried: every failure is counted by its status code. Latency runs
 * from when a record was due to when it was accepted.
 *
 * <p>Always stops by itself: the schedule is bounded, and every call and stream step is
 * bounded by the client's deadline. Uses the client it is given and does not close it.
 * Before the clock starts it connects (an empty stream), so connecting is not measured.
 */
final class Bench {
  enum Mode {
    UNARY,
    STREAM;

    @Override
    public String toString() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /**
   * What to run.
   *
   * @param count records in all, 0 for no limit
   * @param duration how long to send, null for no limit (not null if count is 0)
   * @param window stream mode: records in flight per stream
   */
  record Settings(String sink, Mode mode, double rate, int concurrency, int size, long count, Duration duration,
      int window) {}

  /** The counts so far, for a progress line. */
  record Snapshot(long elapsedNanos, long ok, long failed) {}

  private final Settings settings;
  private final SinkClient client;
  private final LongSupplier nanoTime;

  Bench(Settings settings, SinkClient client, LongSupplier nanoTime) {
    this.settings = settings;
    this.client = client;
    this.nanoTime = nanoTime;
  }

  /**
   * Runs the benchmark; calls {@code progress} from this thread every {@code interval}
   * while it runs.
   */
  BenchResult run(Duration interval, Consumer<Snapshot> progress) throws InterruptedException {
    byte[] payload = new byte[settings.size()];
    new Random(42).nextBytes(payload);
    WriteRequest request = WriteRequest.newBuilder().setSink(settings.sink()).setData(ByteString.copyFrom(payload)).build();
    Tally tally = new Tally();
    connect();
    long start = nanoTime.getAsLong();
    Schedule schedule = new Schedule(start, settings.rate(), settings.count(), settings.duration(), nanoTime);
    CountDownLatch done = new CountDownLatch(settings.concurrency());
    List<Histogram> histograms = new ArrayList<>();
    List<Thread> workers = new ArrayList<>();
    long[] end = new long[settings.concurrency()];
    Throwable[] crashed = new Throwable[settings.concurrency()];
    for (int i = 0; i < settings.concurrency(); i++) {
      Histogram h = new Histogram(3);
      histograms.add(h);
      int n = i;
      Runnable work = settings.mode() == Mode.UNARY
          ? () -> unary(schedule, request, tally, h)
          : new StreamLane(client, settings.window(), schedule, request, tally, h, nanoTime)::run;
      Thread t = new Thread(() -> {
        try {
          work.run();
        } catch (RuntimeException | Error e) {
          crashed[n] = e;
        } finally {
          end[n] = nanoTime.getAsLong();
          done.countDown();
        }
      }, "sinkctl-bench-" + i);
      t.setDaemon(true);
      workers.add(t);
    }
    workers.forEach(Thread::start);
    while (!done.await(interval.toNanos(), TimeUnit.NANOSECONDS)) {
      progress.accept(new Snapshot(nanoTime.getAsLong() - start, tally.ok(), tally.failed()));
    }
    for (Thread t : workers) {
      t.join(); // each has counted down already; join publishes its histogram and end time
    }
    for (Throwable t : crashed) {
      if (t != null) {
        throw new IllegalStateException("a bench worker failed: " + t, t);
      }
    }
    Histogram latency = new Histogram(3);
    histograms.forEach(latency::add);
    long last = start;
    for (long e : end) {
      last = Math.max(last, e);
    }
    return new BenchResult(settings, tally.ok(), tally.failed(), tally.errors(), latency, last - start);
  }

  /**
   * Opens and closes an empty stream before the clock starts, so connecting (and loading
   * gRPC's classes) is not charged to the first records. Writes nothing; a failure here
   * is left for the run itself to count.
   */
  private void connect() {
    try (StreamWriter s = client.openStream(1)) {
      s.flush();
    } catch (SinkException e) {
      // counted when the records fail the same way
    }
  }

  private void unary(Schedule schedule, WriteRequest request, Tally tally, Histogram latency) {
    long due;
    while ((due = schedule.take()) != Schedule.DONE) {
      awaitTime(due, nanoTime);
      try {
        client.write(request);
        tally.accepted(latency, due, nanoTime.getAsLong());
      } catch (SinkException e) {
        tally.failed(e.code(), 1);
      }
    }
  }

  /** Parks until {@code nanoTime} reaches {@code due}: pacing, at most as fine as the OS timer. */
  static void awaitTime(long due, LongSupplier nanoTime) {
    long left;
    while ((left = due - nanoTime.getAsLong()) > 0) {
      LockSupport.parkNanos(left);
    }
  }
}
