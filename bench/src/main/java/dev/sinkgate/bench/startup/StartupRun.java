package dev.sinkgate.bench.startup;

/**
 * What one cold start measured. Times are milliseconds after the spawn of the JVM; memory
 * is bytes; a figure the gateway did not give is null.
 *
 * @param listeningMillis the health port first accepted a TCP connection
 * @param startLineMillis the stderr line {@code sinkgate: serving routes …} arrived
 * @param servingMillis the health check for {@code ""} first said SERVING
 * @param readyLineMillis the stderr line {@code sinkgate: ready} arrived (null if never printed)
 * @param startCpuSeconds user + system CPU the gateway had used when it said SERVING
 * @param idleRssBytes VmRSS after the idle time
 * @param idleHeapBytes heap in use after a full GC, right after the idle RSS reading
 * @param loadedPeakRssBytes VmHWM over both load phases (reset just before them)
 * @param peakReset whether the kernel let the peak be reset (else it is the process's whole life)
 * @param streamRecordsPerSecond stream c2, 1 KiB records, accepted per second
 * @param unaryRecordsPerSecond unary c8, 1 KiB records, accepted per second
 * @param streamCpuMicrosPerRecord the gateway's CPU (all its threads) per record accepted in the stream phase
 * @param unaryCpuMicrosPerRecord the same in the unary phase
 * @param failed records the loads saw fail
 * @param exitCode the gateway's exit code after SIGTERM (0: a clean drain)
 * @param error why the run did not finish (null when it did); its other figures are then 0
 */
record StartupRun(String set, int run, double listeningMillis, Double startLineMillis, double servingMillis,
    Double readyLineMillis, double startCpuSeconds, long idleRssBytes, long idleHeapBytes, long loadedPeakRssBytes,
    boolean peakReset, double streamRecordsPerSecond, double unaryRecordsPerSecond, double streamCpuMicrosPerRecord,
    double unaryCpuMicrosPerRecord, long failed, int exitCode, String error) {

  static StartupRun failed(String set, int run, String error) {
    return new StartupRun(set, run, 0, null, 0, null, 0, 0, 0, 0, false, 0, 0, 0, 0, 0, -1, error);
  }

  boolean ok() {
    return error == null;
  }
}
