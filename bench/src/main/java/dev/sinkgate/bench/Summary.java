package dev.sinkgate.bench;

import java.util.Arrays;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * The medians for one writer count over the measured pairs.
 *
 * @param ratio the median over pairs of (sink records/s ÷ raw records/s of the same pair);
 *     a paired ratio, so drift of the disk between pairs cancels out. MB/s gives the same
 *     ratio: both sides count the same payload per record.
 */
record Summary(int writers, int pairs, double sinkRecordsPerSecond, double sinkMegabytesPerSecond,
    double recordsPerSync, double sinkSyncsPerSecond, double rawBatch, double rawRecordsPerSecond,
    double rawMegabytesPerSecond, double rawSyncsPerSecond, double sinkCpuMicrosPerRecord,
    double rawCpuMicrosPerRecord, double ratio, double ratioMin, double ratioMax) {

  /** Summarizes the measured sink runs of {@code writers} and the raw runs paired with them. */
  static Summary of(int writers, List<RunResult> runs) {
    List<RunResult> sink = runs.stream()
        .filter(r -> r.measured() && r.writers() == writers && r.side().equals(RunResult.SINK)).toList();
    List<RunResult> raw = runs.stream()
        .filter(r -> r.measured() && r.writers() == writers && r.side().equals(RunResult.RAW)).toList();
    double[] ratios = new double[Math.min(sink.size(), raw.size())];
    for (int i = 0; i < ratios.length; i++) {
      RunResult s = sink.get(i);
      RunResult r = raw.stream().filter(x -> x.pair() == s.pair()).findFirst().orElseThrow();
      ratios[i] = s.recordsPerSecond() / r.recordsPerSecond();
    }
    return new Summary(writers, ratios.length,
        median(sink, RunResult::recordsPerSecond), median(sink, RunResult::megabytesPerSecond),
        median(sink, RunResult::recordsPerSync), median(sink, RunResult::syncsPerSecond),
        median(raw, RunResult::batch), median(raw, RunResult::recordsPerSecond),
        median(raw, RunResult::megabytesPerSecond), median(raw, RunResult::syncsPerSecond),
        median(sink, RunResult::cpuMicrosPerRecord), median(raw, RunResult::cpuMicrosPerRecord),
        median(ratios), Arrays.stream(ratios).min().orElse(Double.NaN),
        Arrays.stream(ratios).max().orElse(Double.NaN));
  }

  static double median(List<RunResult> runs, ToDoubleFunction<RunResult> f) {
    return median(runs.stream().mapToDouble(f).toArray());
  }

  /** The median; NaN for none. */
  static double median(double[] values) {
    if (values.length == 0) {
      return Double.NaN;
    }
    double[] v = values.clone();
    Arrays.sort(v);
    int mid = v.length / 2;
    return v.length % 2 == 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
  }
}
