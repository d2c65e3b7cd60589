package dev.sinkgate.bench.grpc;

import java.util.Map;

/**
 * One measured run: a load against a target, what the generator saw and what the servers
 * counted and spent.
 *
 * @param pair the round (1, 2, …); 0 for a warm-up, which is not reported
 * @param generator {@code sinkctl} or {@code h2load}
 * @param target floor, discard, file_always, file_interval, remote, python, node
 * @param load e.g. {@code unary c64}, {@code stream c2}
 * @param size record payload bytes
 * @param ok records the generator saw accepted
 * @param failed records the generator saw refused (by status code in {@code errors})
 * @param p50Millis latency percentiles; NaN where the generator does not report them
 * @param cpuSeconds user + system CPU of every server the records went through
 * @param peakRssBytes the highest peak RSS among those servers during the run
 * @param counted records each server on the way counted as accepted, in hop order
 * @param countersMatch true if every server counted exactly {@code ok}
 * @param fsyncs fdatasync calls of the route during the run (file routes), else 0
 */
record GrpcRun(int pair, String generator, String target, String load, int size, double seconds, long ok, long failed,
    Map<String, Long> errors, double recordsPerSecond, double megabytesPerSecond, double p50Millis, double p99Millis,
    double p999Millis, double cpuSeconds, long peakRssBytes, long[] counted, boolean countersMatch, long fsyncs,
    double loadAverage) {

  /** CPU seconds the servers spent per million records accepted. */
  double cpuSecondsPerMillion() {
    return ok == 0 ? Double.NaN : cpuSeconds / ok * 1e6;
  }

  /** Records per fsync (the group-commit size), NaN without fsyncs. */
  double recordsPerSync() {
    return fsyncs == 0 ? Double.NaN : (double) ok / fsyncs;
  }

  /** The key of this run's case: everything but the round. */
  String key() {
    return generator + "|" + target + "|" + load + "|" + size;
  }
}
