package dev.sinkgate.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.time.Duration;

/**
 * What a {@link Workload} completed between two readings of its counters.
 *
 * @param records records completed in the window
 * @param syncs fsyncs completed in the window
 * @param nanos the window's length, measured between the two readings
 * @param cpuNanos CPU time the whole JVM used in the window (every thread, GC included);
 *     -1 where the JVM cannot tell
 * @param loadAverage the system's one-minute load average at the end of the window
 *     (other processes included: a sign of a noisy neighbour); -1 where unknown
 */
record Window(long records, long syncs, long nanos, long cpuNanos, double loadAverage) {
  private static final OperatingSystemMXBean OS = ManagementFactory.getOperatingSystemMXBean();

  /**
   * Lets {@code workload} run for {@code warmup} uncounted, then for {@code duration}
   * counted, and returns what it completed in the counted part. The workload keeps
   * running: the caller closes it.
   *
   * @throws IllegalStateException if the workload failed
   */
  static Window measure(Workload workload, Duration warmup, Duration duration) throws InterruptedException {
    pause(warmup, workload);
    long records = workload.records();
    long syncs = workload.syncs();
    long cpu = processCpuNanos();
    long start = System.nanoTime();
    pause(duration, workload);
    long end = System.nanoTime();
    long cpuEnd = processCpuNanos();
    return new Window(workload.records() - records, workload.syncs() - syncs, end - start,
        cpu < 0 || cpuEnd < 0 ? -1 : cpuEnd - cpu, OS.getSystemLoadAverage());
  }

  /** Sleeps for {@code d}, waking every 100 ms to stop at once if the workload failed. */
  private static void pause(Duration d, Workload workload) throws InterruptedException {
    long deadline = System.nanoTime() + d.toNanos();
    for (long left = d.toNanos(); left > 0; left = deadline - System.nanoTime()) {
      checkRunning(workload);
      Thread.sleep(Math.max(1, Math.min(100, left / 1_000_000)));
    }
    checkRunning(workload);
  }

  private static void checkRunning(Workload workload) {
    Throwable failure = workload.failure();
    if (failure != null) {
      throw new IllegalStateException("the workload failed: " + failure, failure);
    }
  }

  private static long processCpuNanos() {
    return OS instanceof com.sun.management.OperatingSystemMXBean os ? os.getProcessCpuTime() : -1;
  }

  double seconds() {
    return nanos / 1e9;
  }

  double recordsPerSecond() {
    return records / seconds();
  }

  double syncsPerSecond() {
    return syncs / seconds();
  }

  /** CPU microseconds the JVM spent per record completed; NaN if unknown. */
  double cpuMicrosPerRecord() {
    return cpuNanos < 0 || records == 0 ? Double.NaN : cpuNanos / 1e3 / records;
  }

  /** Records per fsync; 0 if there was no fsync. */
  double recordsPerSync() {
    return syncs == 0 ? 0 : (double) records / syncs;
  }
}
