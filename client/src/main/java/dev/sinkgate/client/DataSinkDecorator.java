package dev.sinkgate.client;

import java.util.Objects;

/**
 * A function from a {@link DataSink} to a {@link DataSink} that wraps it: retry, metrics,
 * a circuit breaker, a spool. Because decorators and sinks share one shape, a pipeline is
 * function application: {@code metrics(retry(breaker(spool(remote))))} is
 * <pre>{@code
 * DataSink pipeline = remote.decorate(spool).decorate(breaker).decorate(retry).decorate(metrics);
 * // or, building the decorator first:
 * DataSink pipeline = spool.andThen(breaker).andThen(retry).andThen(metrics).apply(remote);
 * }</pre>
 * The decorator applied last is the outermost one: it sees each write first and each
 * close first.
 *
 * <p>A decorator is usually a constructor reference to a {@link ForwardingDataSink}
 * subclass ({@code CountingSink::new}), which passes {@code close()} on to the delegate
 * exactly once. A decorator written as a bare lambda, {@code d -> data -> d.write(data)},
 * returns a sink whose {@code close()} is the default no-op, so the delegate would never
 * be closed; extend {@code ForwardingDataSink} instead.
 *
 * <p>A decorator should be stateless or make a fresh sink on each {@link #apply}, so that
 * one decorator can be applied to many sinks.
 */
@FunctionalInterface
public interface DataSinkDecorator {

  /**
   * Wraps {@code delegate}.
   *
   * @return a sink that forwards to {@code delegate} and, when closed, closes it; never null
   */
  DataSink apply(DataSink delegate);

  /**
   * Returns the decorator that applies this one and then {@code outer} around the
   * result, like {@link java.util.function.Function#andThen}: {@code a.andThen(b)} turns
   * {@code sink} into {@code b(a(sink))}, the same as
   * {@code sink.decorate(a).decorate(b)}.
   */
  default DataSinkDecorator andThen(DataSinkDecorator outer) {
    Objects.requireNonNull(outer, "outer");
    return delegate -> delegate.decorate(this).decorate(outer);
  }

  /** The decorator that returns the sink it is given: the start of a pipeline with no steps. */
  static DataSinkDecorator identity() {
    return delegate -> delegate;
  }
}
