package dev.sinkgate.bench;

/**
 * One measured (or warm-up) run of one side.
 *
 * @param phase {@code "warmup"} or {@code "measured"}; only measured runs enter the medians
 * @param pair which sink/raw pair of the run, from 1 (0 in the warm-up)
 * @param writers the sink's concurrent writers; for a raw run, those of the sink run it pairs with
 *     (0 for an extra fsync probe)
 * @param side {@code "sink"} or {@code "raw"}
 * @param batch records per force for a raw run; 0 for a sink run (its group size is measured)
 * @param payloadBytes the payload of one record, which MB/s counts
 * @param window what the run completed in its counted window
 */
record RunResult(String phase, int pair, int writers, String side, int batch, int payloadBytes, Window window) {
  static final String SINK = "sink";
  static final String RAW = "raw";

  boolean measured() {
    return phase.equals("measured");
  }

  double recordsPerSecond() {
    return window.recordsPerSecond();
  }

  /** Payload megabytes (10^6 bytes) per second. */
  double megabytesPerSecond() {
    return window.recordsPerSecond() * payloadBytes / 1e6;
  }

  double syncsPerSecond() {
    return window.syncsPerSecond();
  }

  /** CPU microseconds the JVM spent per record (all threads, GC included). */
  double cpuMicrosPerRecord() {
    return window.cpuMicrosPerRecord();
  }

  /** Mean records per fsync: the sink's group size, or the raw batch. */
  double recordsPerSync() {
    return window.recordsPerSync();
  }
}
