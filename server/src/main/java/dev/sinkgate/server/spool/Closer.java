package dev.sinkgate.server.spool;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Closes what was added in reverse order of adding; every close runs even if an earlier
 * one failed, and the first failure is rethrown with the later ones suppressed.
 * {@link #release()} hands everything over to a new owner instead (an open that succeeded).
 */
final class Closer implements AutoCloseable {
  private final Deque<AutoCloseable> opened = new ArrayDeque<>();

  <T extends AutoCloseable> T add(T closeable) {
    opened.push(closeable);
    return closeable;
  }

  /** Forgets everything added: its new owner closes it. */
  void release() {
    opened.clear();
  }

  @Override
  public void close() {
    RuntimeException first = null;
    while (!opened.isEmpty()) {
      try {
        opened.pop().close();
      } catch (Exception e) {
        if (first == null) {
          first = e instanceof RuntimeException re ? re : new IllegalStateException("closing failed: " + e, e);
        } else {
          first.addSuppressed(e);
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }
}
