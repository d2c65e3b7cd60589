package dev.sinkgate.bench;

import java.util.List;

/**
 * Everything one {@link FileLogBench} run found.
 *
 * @param frameBytes the bytes one record takes in the log (payload plus framing); the raw
 *     baseline appends this many per record
 * @param fsyncsPerSecond the median rate of the raw runs with a batch of 1: the disk's
 *     fsyncs per second for one-record appends
 * @param environment where it ran, as label/value pairs in order
 */
record BenchResult(BenchOptions options, List<String[]> environment, int frameBytes,
    List<RunResult> runs, List<Summary> summaries, double fsyncsPerSecond) {
  BenchResult {
    environment = List.copyOf(environment);
    runs = List.copyOf(runs);
    summaries = List.copyOf(summaries);
  }
}
