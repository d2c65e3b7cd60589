package dev.sinkgate.cli.conformance;

import com.google.protobuf.ByteString;
import dev.sinkgate.proto.v1.SinkGrpc;
import dev.sinkgate.proto.v1.WriteRequest;
import dev.sinkgate.proto.v1.WriteResponse;
import io.grpc.Channel;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * What one check may use: the channel to the sink under test (owned by the kit, never closed
 * by a check), the sink name to write to, the size limit, and the check's own deadline. Every
 * call a check makes is bounded by {@link #remaining()}, so a hanging sink fails that check
 * with DEADLINE_EXCEEDED instead of stalling the kit.
 */
public final class CheckContext {
  private final Channel channel;
  private final String sink;
  private final int maxRecordBytes;
  private final Duration prompt;
  private final LongSupplier nanoTime;
  private final long deadlineNanos;

  CheckContext(Channel channel, String sink, int maxRecordBytes, Duration prompt, LongSupplier nanoTime,
      Duration timeout) {
    this.channel = Objects.requireNonNull(channel, "channel");
    this.sink = Objects.requireNonNull(sink, "sink");
    this.maxRecordBytes = maxRecordBytes;
    this.prompt = Objects.requireNonNull(prompt, "prompt");
    this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
    this.deadlineNanos = nanoTime.getAsLong() + timeout.toNanos();
  }

  /** The channel to the sink under test; the kit owns and closes it. */
  public Channel channel() {
    return channel;
  }

  /** The sink name records are written to ({@code ""}: the implementation's default). */
  public String sink() {
    return sink;
  }

  /** The largest record the sink must accept, in bytes. */
  public int maxRecordBytes() {
    return maxRecordBytes;
  }

  /** How soon a sink must answer a call after a cancelled or expired one. */
  public Duration prompt() {
    return prompt;
  }

  /** The kit's monotonic clock, in nanoseconds. */
  public long nanoTime() {
    return nanoTime.getAsLong();
  }

  /** Time left before this check's own timeout; never negative. */
  public Duration remaining() {
    return Duration.ofNanos(Math.max(0, deadlineNanos - nanoTime()));
  }

  /** This check's deadline on {@link #nanoTime()}'s scale. */
  long deadlineNanos() {
    return deadlineNanos;
  }

  /** A blocking stub whose calls end by this check's deadline. */
  public SinkGrpc.SinkBlockingStub blocking() {
    return SinkGrpc.newBlockingStub(channel).withDeadlineAfter(remaining().toNanos(), TimeUnit.NANOSECONDS);
  }

  /** An async stub whose calls end by this check's deadline. */
  public SinkGrpc.SinkStub async() {
    return SinkGrpc.newStub(channel).withDeadlineAfter(remaining().toNanos(), TimeUnit.NANOSECONDS);
  }

  /** A request for {@link #sink()} carrying {@code data}. */
  public WriteRequest.Builder request(byte[] data) {
    return WriteRequest.newBuilder().setSink(sink).setData(ByteString.copyFrom(data));
  }

  /** One Write that must succeed; {@code what} names it in a failure ("Write of 17 bytes"). */
  public WriteResponse write(String what, WriteRequest request) throws CheckFailure {
    try {
      return blocking().write(request);
    } catch (StatusRuntimeException e) {
      throw CheckFailure.callFailed(what, e);
    }
  }

  /**
   * A Write that must be answered OK within {@link #prompt()} (or what is left of the check);
   * {@code why} ends a failure's explanation with what it suggests.
   */
  void promptWrite(String what, String why) throws CheckFailure {
    Duration limit = prompt.compareTo(remaining()) < 0 ? prompt : remaining();
    long start = nanoTime();
    try {
      SinkGrpc.newBlockingStub(channel).withDeadlineAfter(limit.toNanos(), TimeUnit.NANOSECONDS)
          .write(request(payload(16, 6)).build());
    } catch (StatusRuntimeException e) {
      long ms = Duration.ofNanos(nanoTime() - start).toMillis();
      throw new CheckFailure(what + " ended " + CheckFailure.describe(e.getStatus()) + " after " + ms
          + "ms (expected: OK within " + limit.toMillis() + "ms; " + why + ")");
    }
  }

  /**
   * {@code size} bytes that are not text: every byte value occurs, and {@code seed} makes
   * records of one size differ, so a sink that mangles or caches bytes is not helped.
   */
  public static byte[] payload(int size, int seed) {
    byte[] b = new byte[size];
    for (int i = 0; i < size; i++) {
      b[i] = (byte) (i * 31 + seed * 7 + (i >>> 8));
    }
    return b;
  }
}
