package dev.sinkgate.bench;

import dev.sinkgate.server.log.FileLog;
import dev.sinkgate.server.log.FileLogSink;
import dev.sinkgate.server.log.FsyncPolicy;
import dev.sinkgate.server.sink.Record;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * The gateway's file route as the gRPC service drives it, minus gRPC: a
 * {@link FileLogSink} with {@code fsync: always} on a fresh {@link FileLog}, and
 * {@code writers} threads in a closed loop, each appending one record and waiting for its
 * acknowledgement before the next. Every acknowledged record has been fsync'd, so
 * {@link #records()} over {@link #syncs()} is the mean group-commit size.
 */
final class FileLogSinkWorkload extends LoopingWorkload {
  private final FileLog log;
  private final FileLogSink sink;
  private final int writers;
  private final LongAdder acknowledged = new LongAdder();

  private FileLogSinkWorkload(FileLog log, FileLogSink sink, int writers) {
    this.log = log;
    this.sink = sink;
    this.writers = writers;
  }

  /**
   * Opens a log in {@code dir} (which should not hold one yet) and starts the writers.
   *
   * @param payloads the records' bytes; writer {@code i} cycles through them starting at
   *     {@code i}, so writers do not all send the same record at once. Never modified.
   */
  static FileLogSinkWorkload start(Path dir, int writers, List<byte[]> payloads) throws IOException {
    if (writers <= 0) {
      throw new IllegalArgumentException("writers: " + writers + " (expected: > 0)");
    }
    FileLog log = FileLog.open(dir, warning -> System.err.println("bench: " + warning));
    // Queue bounds well above what closed-loop writers can have queued: the benchmark
    // measures group commit, never a QUEUE_FULL rejection.
    FileLogSink sink = new FileLogSink("bench", log, FsyncPolicy.ALWAYS, Math.max(4096, 2 * writers),
        256L << 20, Clock.systemUTC());
    FileLogSinkWorkload workload = new FileLogSinkWorkload(log, sink, writers);
    workload.startThreads("bench-writer", writers, first -> {
      int[] next = {first};
      return () -> {
        sink.append(Record.of(payloads.get(next[0]++ % payloads.size()))).join();
        workload.acknowledged.increment();
      };
    });
    return workload;
  }

  @Override
  public long records() {
    return acknowledged.sum();
  }

  @Override
  public long syncs() {
    return log.syncCount();
  }

  /** Closes the sink, which syncs and closes the log; the writers have finished their last record. */
  @Override
  protected void release() {
    sink.close();
  }

  @Override
  public String toString() {
    return "file sink (fsync always, " + writers + " writers, " + log.directory() + ")";
  }
}
