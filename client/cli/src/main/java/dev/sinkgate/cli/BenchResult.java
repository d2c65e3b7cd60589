package dev.sinkgate.cli;

import io.grpc.Status;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * What a bench run measured.
 *
 * @param ok records accepted
 * @param failed records that failed, by any status
 * @param errors failures by status code
 * @param latencyMicros latency of the accepted records, due time to acknowledgement, in µs
 * @param elapsedNanos from the start to the last worker's end
 */
record BenchResult(Bench.Settings settings, long ok, long failed, Map<Status.Code, Long> errors,
    Histogram latencyMicros, long elapsedNanos) {
  BenchResult {
    Map<Status.Code, Long> byCode = new EnumMap<>(Status.Code.class);
    byCode.putAll(errors);
    errors = Collections.unmodifiableMap(byCode); // iterates in code order
  }

  /** Records attempted: accepted plus failed. */
  long records() {
    return ok + failed;
  }

  double seconds() {
    return elapsedNanos / 1e9;
  }

  /** Accepted records per second. */
  double recordsPerSecond() {
    return Units.rate(ok, seconds());
  }

  /** Accepted megabytes (10^6 bytes) per second. */
  double megabytesPerSecond() {
    return Units.rate(ok * (double) settings.size() / 1e6, seconds());
  }

  /** The latency at {@code percentile} (0 to 100) in milliseconds; 0 if nothing was accepted. */
  double latencyMillis(double percentile) {
    return latencyMicros.getTotalCount() == 0 ? 0 : latencyMicros.getValueAtPercentile(percentile) / 1000.0;
  }

  double maxLatencyMillis() {
    return latencyMicros.getTotalCount() == 0 ? 0 : latencyMicros.getMaxValue() / 1000.0;
  }

  /**
   * 0 if every record was accepted; else the exit code of the status that failed the most
   * records (the first in code order on a tie).
   */
  ExitCode exitCode() {
    Status.Code worst = null;
    long most = 0;
    for (Status.Code c : Status.Code.values()) {
      long n = errors.getOrDefault(c, 0L);
      if (n > most) {
        most = n;
        worst = c;
      }
    }
    return worst == null ? ExitCode.OK : ExitCode.of(worst);
  }
}
