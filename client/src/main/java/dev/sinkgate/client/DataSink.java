package dev.sinkgate.client;

import java.util.Objects;

/**
 * The Java shape of the sinkgate contract: write these bytes, tell me how many you
 * accepted.
 *
 * <p>{@code DataSink} is structural. Anything with a {@code write(byte[]) -> int} shape
 * is a sink without inheriting anything: a lambda, a method reference to a class that
 * never heard of sinkgate ({@code DataSink sink = bucket::write;}), or one of the
 * adapters in {@link DataSinks}. The gateway mounts any object of this shape as a
 * route, and its own built-in sinks are {@code DataSink}s too.
 *
 * <h2>The contract</h2>
 * <ul>
 *   <li><b>The returned {@code int}</b> is the number of bytes of {@code data} the sink
 *       accepted. A sink that accepts a record accepts all of it and returns
 *       {@code data.length}; returning less means the sink broke the contract, and the
 *       gateway reports that as a bug ({@code INTERNAL}), never as a partial success.
 *       An empty array is a valid record and returns 0.</li>
 *   <li><b>Ownership.</b> The caller owns {@code data}. A sink must not keep a reference
 *       to the array after {@code write} returns (copy it if it needs it later), and the
 *       caller must not change the array while {@code write} runs.</li>
 *   <li><b>Blocking.</b> {@code write} may block (fsync, a network call). Callers that
 *       must not block, like the gateway's event loops, run it on an executor of their
 *       own.</li>
 *   <li><b>Thread safety.</b> Implementations need not be thread-safe: the gateway calls
 *       a mounted {@code DataSink} from one thread at a time, in record order. A sink
 *       that is thread-safe says so in its own documentation.</li>
 *   <li><b>Failure.</b> A {@code write} that throws accepted nothing. An
 *       {@link java.io.UncheckedIOException} means the destination failed and a retry
 *       may succeed; a {@link SinkException} (from a sink that is itself a sinkgate
 *       client) says by {@link SinkException#retryable()} whether a retry can succeed; any
 *       other runtime exception is treated as a bug in the sink and is not retried.</li>
 *   <li><b>Closing.</b> {@link #close()} releases what the sink holds; closing twice is
 *       safe, and writing after close throws {@link IllegalStateException}. The
 *       default {@code close} does nothing, so a lambda needs no cleanup.</li>
 * </ul>
 *
 * <p>What a {@code DataSink} is <em>not</em>: it carries no record key or headers
 * (sinks that store those, like the gateway's file log, take them through a richer
 * interface of their own), and it is not a stream: each call is one whole record.
 *
 * <p>To test against this type, write records and assert on what the destination
 * holds; a lambda that appends to a list is a complete test double.
 *
 * @see DataSinks#bind(Object) binding any object with a compatible write method
 * @see ForwardingDataSink the base of decorators
 * @see DataSinkDecorator composing decorators
 */
@FunctionalInterface
public interface DataSink extends AutoCloseable {

  /**
   * Writes one record.
   *
   * @param data the record; not retained after this method returns
   * @return the number of bytes accepted: {@code data.length} on success
   * @throws java.io.UncheckedIOException if the destination failed (retryable)
   * @throws IllegalStateException if the sink is closed
   */
  int write(byte[] data);

  /** Releases what this sink holds. Idempotent. The default does nothing. */
  @Override
  default void close() {}

  /**
   * Returns {@code decorator.apply(this)}: this sink wrapped by {@code decorator}, so that
   * a pipeline reads inside-out, {@code sink.decorate(inner).decorate(outer)}. The
   * returned sink owns this one, as {@link DataSinkDecorator#apply} requires: closing it
   * closes this sink.
   *
   * @throws NullPointerException if {@code decorator} is null or returns null
   */
  default DataSink decorate(DataSinkDecorator decorator) {
    Objects.requireNonNull(decorator, "decorator");
    DataSink decorated = decorator.apply(this);
    if (decorated == null) {
      throw new NullPointerException(
          decorator + " returned null for " + this + " (expected: a DataSink)");
    }
    return decorated;
  }
}
