package dev.sinkgate.cli;

import io.grpc.Status;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;

/**
 * A benchmark's running counts, shared by its workers: records accepted, and failures by
 * status code. Latencies go to each worker's own {@link Histogram} (merged once the
 * workers are done), so recording one takes no lock. Thread-safe.
 */
final class Tally {
  private final LongAdder ok = new LongAdder();
  private final LongAdder failed = new LongAdder();
  private final ConcurrentMap<Status.Code, LongAdder> errors = new ConcurrentHashMap<>();

  /** One record accepted at {@code nowNanos}; it was due at {@code dueNanos}. */
  void accepted(Histogram latencyMicros, long dueNanos, long nowNanos) {
    latencyMicros.recordValue(Math.max(0, (nowNanos - dueNanos) / 1000));
    ok.increment();
  }

  /** {@code n} records failed with {@code code}. */
  void failed(Status.Code code, long n) {
    if (n <= 0) {
      return;
    }
    errors.computeIfAbsent(code, c -> new LongAdder()).add(n);
    failed.add(n);
  }

  long ok() {
    return ok.sum();
  }

  long failed() {
    return failed.sum();
  }

  /** Failures by status code, in the codes' numeric order. */
  Map<Status.Code, Long> errors() {
    Map<Status.Code, Long> out = new EnumMap<>(Status.Code.class);
    errors.forEach((code, n) -> out.put(code, n.sum()));
    return out;
  }
}
