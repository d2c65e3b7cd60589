package dev.sinkgate.server;

import dev.sinkgate.client.DataSink;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A test {@link DataSink} that blocks every write until {@link #release()} and remembers
 * what it stored, so tests can hold a route busy and see exactly what reached it.
 */
final class BlockingDataSink implements DataSink {
  final CountDownLatch entered = new CountDownLatch(1);
  private final CountDownLatch released = new CountDownLatch(1);
  private final List<String> stored = Collections.synchronizedList(new ArrayList<>());

  @Override
  public int write(byte[] data) {
    entered.countDown();
    try {
      if (!released.await(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException("test sink was never released");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
    stored.add(new String(data, StandardCharsets.UTF_8));
    return data.length;
  }

  void release() {
    released.countDown();
  }

  void awaitEntered() throws InterruptedException {
    if (!entered.await(10, TimeUnit.SECONDS)) {
      throw new AssertionError("no write reached the blocking sink within 10 s");
    }
  }

  List<String> stored() {
    synchronized (stored) {
      return List.copyOf(stored);
    }
  }
}
