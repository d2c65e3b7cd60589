package dev.sinkgate.server.spool;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;

/** A {@link Backoff.Pause} on fake time: notes each wait and holds the forwarder there until the test lets it go. */
final class FakePause implements Backoff.Pause {
  private final List<Duration> pauses = new ArrayList<>();
  private final Semaphore permits = new Semaphore(0);
  private volatile boolean free;

  @Override
  public void pause(Duration duration) throws InterruptedException {
    synchronized (pauses) {
      pauses.add(duration);
    }
    if (!free) {
      permits.acquire();
    }
  }

  /** Lets the waiting (or next) pause end. */
  void release() {
    permits.release();
  }

  /** Ends every pause from now on at once. */
  void free() {
    free = true;
    permits.release();
  }

  List<Duration> pauses() {
    synchronized (pauses) {
      return List.copyOf(pauses);
    }
  }

  int count() {
    synchronized (pauses) {
      return pauses.size();
    }
  }
}
