package dev.sinkgate.bench.grpc;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The physical reference for MB/s over gRPC: how fast this machine moves bytes through a
 * TCP connection on 127.0.0.1 with nothing on top. One thread writes chunks to a blocking
 * {@link SocketChannel} ({@code TCP_NODELAY}, direct buffers) for the duration, then
 * half-closes; another reads until the end of the stream. The rate is bytes received over
 * the time from the first write to the reader's end of stream.
 *
 * <p>Like the gateway under load, the two threads share the machine's cores with
 * everything else running, so it is measured in the same run as the figures it is compared
 * with. Stateless: each call opens, and closes, its own sockets and threads.
 */
public final class LoopbackBandwidth {
  /** How long past the duration the threads may take (a stalled socket) before the measurement fails. */
  private static final Duration GRACE = Duration.ofSeconds(30);
  private static final int READ_BUFFER_BYTES = 1 << 20;

  private LoopbackBandwidth() {}

  /** Bytes per second through a loopback TCP connection, writing {@code chunkBytes} at a time for {@code duration}. */
  public static double measure(Duration duration, int chunkBytes) throws IOException, InterruptedException {
    return transfer(duration, chunkBytes).bytesPerSecond();
  }

  /** What one measurement moved: bytes the writer sent, bytes the reader received, in {@code nanos}. */
  record Transfer(long sent, long received, long nanos) {
    double bytesPerSecond() {
      return received * 1e9 / nanos;
    }
  }

  static Transfer transfer(Duration duration, int chunkBytes) throws IOException, InterruptedException {
    if (duration == null || duration.isZero() || duration.isNegative()) {
      throw new IllegalArgumentException("duration: " + duration + " (expected: > 0)");
    }
    if (chunkBytes <= 0) {
      throw new IllegalArgumentException("chunkBytes: " + chunkBytes + " (expected: > 0)");
    }
    try (ServerSocketChannel server = ServerSocketChannel.open()
            .bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
         SocketChannel out = SocketChannel.open(server.getLocalAddress());
         SocketChannel in = server.accept()) {
      out.setOption(StandardSocketOptions.TCP_NODELAY, true);
      in.setOption(StandardSocketOptions.TCP_NODELAY, true);
      AtomicReference<Exception> firstFailure = new AtomicReference<>();
      long start = System.nanoTime();
      long deadline = start + duration.toNanos();
      FutureTask<Long> reader = start("loopback-reader", firstFailure, () -> read(in), in, out);
      FutureTask<Long> writer = start("loopback-writer", firstFailure, () -> write(out, chunkBytes, deadline), in, out);
      long limit = deadline + GRACE.toNanos();
      long sent = await(writer, limit, firstFailure);
      long received = await(reader, limit, firstFailure);
      return new Transfer(sent, received, System.nanoTime() - start);
    } // closing the channels ends a thread still blocked in them (when a wait above timed out)
  }

  private static long write(SocketChannel out, int chunkBytes, long deadline) throws IOException {
    ByteBuffer chunk = ByteBuffer.allocateDirect(chunkBytes);
    long sent = 0;
    while (System.nanoTime() - deadline < 0) {
      chunk.clear();
      while (chunk.hasRemaining()) {
        out.write(chunk);
      }
      sent += chunkBytes;
    }
    out.shutdownOutput(); // the reader's end of stream
    return sent;
  }

  private static long read(SocketChannel in) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocateDirect(READ_BUFFER_BYTES);
    long received = 0;
    for (int n; (n = in.read(buffer)) >= 0; buffer.clear()) {
      received += n;
    }
    return received;
  }

  /**
   * Runs {@code work} on a new thread. If it fails, it records the failure (unless the
   * other side failed first) and closes both channels, so the other side cannot block on a
   * peer that is gone.
   */
  private static FutureTask<Long> start(String name, AtomicReference<Exception> firstFailure, Callable<Long> work,
                                        SocketChannel... channels) {
    FutureTask<Long> task = new FutureTask<>(() -> {
      try {
        return work.call();
      } catch (Exception e) {
        firstFailure.compareAndSet(null, e);
        for (SocketChannel c : channels) {
          c.close();
        }
        throw e;
      }
    });
    Thread thread = new Thread(task, name);
    thread.setDaemon(true); // never keeps a harness JVM alive; the channels' close ends it anyway
    thread.start();
    return task;
  }

  private static long await(FutureTask<Long> task, long deadlineNanos, AtomicReference<Exception> firstFailure)
      throws IOException, InterruptedException {
    try {
      return task.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (ExecutionException e) {
      throw new IOException("the loopback transfer failed", firstFailure.get());
    } catch (TimeoutException e) {
      throw new IOException("the loopback transfer did not finish within " + GRACE + " after its duration", e);
    }
  }
}
