package dev.sinkgate.server;

import java.util.concurrent.CountDownLatch;
import sun.misc.Signal;

/**
 * Turns SIGTERM and SIGINT into a latch the main thread waits on.
 *
 * <p>Why not a shutdown hook: when a hook runs on SIGTERM, the JVM exits with status 143
 * whatever the hook does, and Kubernetes and systemd read that as a failure. Handling the
 * signal lets the gateway drain and then exit 0. {@code sun.misc.Signal} lives in
 * {@code jdk.unsupported}, which stays exported for exactly this use; it is confined to
 * this class.
 */
final class TerminationSignals {
  private TerminationSignals() {}

  /** A latch that counts down on the first SIGTERM or SIGINT. */
  static CountDownLatch install() {
    CountDownLatch latch = new CountDownLatch(1);
    Signal.handle(new Signal("TERM"), s -> latch.countDown());
    Signal.handle(new Signal("INT"), s -> latch.countDown());
    return latch;
  }
}
