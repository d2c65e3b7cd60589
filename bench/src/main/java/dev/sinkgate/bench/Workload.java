package dev.sinkgate.bench;

import java.io.IOException;

/**
 * Something that runs on its own threads once started and counts what it has completed,
 * so that {@link Window#measure} can read the counters at the start and the end of a
 * measurement window while it runs. The counters only grow and may be read from any
 * thread.
 *
 * <p>{@link #close()} stops the threads, waits for them and releases every file the
 * workload opened; it then rethrows the first failure a thread met, so a run whose
 * workload failed never reports numbers. Closing twice is safe.
 */
interface Workload extends AutoCloseable {
  /** Records completed so far: acknowledged by a sink, or written and forced by a baseline. */
  long records();

  /** fsyncs (or {@code FileChannel.force}) completed so far. */
  long syncs();

  /** Why the workload stopped early, or null while it runs as intended. */
  Throwable failure();

  @Override
  void close() throws IOException;
}
