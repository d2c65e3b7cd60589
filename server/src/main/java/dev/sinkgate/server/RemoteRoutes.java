package dev.sinkgate.server;

import dev.sinkgate.client.BindingException;
import dev.sinkgate.server.config.RemoteConfig;
import dev.sinkgate.server.config.SinkConfig;
import dev.sinkgate.server.config.SinkType;
import dev.sinkgate.server.remote.CircuitBreaker;
import dev.sinkgate.server.remote.CircuitBreakerSink;
import dev.sinkgate.server.remote.ForeignRecordSink;
import dev.sinkgate.server.remote.RemoteRecordSink;
import dev.sinkgate.server.remote.RetryingSink;
import dev.sinkgate.server.remote.Scheduler;
import dev.sinkgate.server.remote.StreamDownstream;
import dev.sinkgate.server.remote.PipelinedStreamSink;
import dev.sinkgate.server.remote.StreamOrderSink;
import dev.sinkgate.server.remote.StreamRetry;
import dev.sinkgate.server.remote.TeeRecordSink;
import dev.sinkgate.server.route.Route;
import dev.sinkgate.server.sink.RecordSink;
import dev.sinkgate.server.spool.Spool;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/** Builds the pipelines of {@code remote} and {@code tee} routes for {@link Routes}. */
final class RemoteRoutes {
  private RemoteRoutes() {}

  /**
   * {@code pipeline(retry(breaker(remote)))}, or with the spool in front when configured:
   * {@code spool(stream(remote))}. The breaker is left out without {@code breaker:}, and a
   * route without {@code retry:} makes one attempt per record. Without a spool, unary records
   * go through {@code retry(breaker(remote))} and each client stream over a downstream stream
   * of its own ({@link PipelinedStreamSink}) under the same breaker. A spooled route forwards over
   * a {@code WriteStream} with a window of records in flight ({@link StreamDownstream}); there
   * {@code retry:} and {@code breaker:} apply per stream ({@link StreamRetry}): the breaker
   * counts failed streams and makes the forwarder wait while open, the retry policy and budget
   * time the reopening of a failed stream. Each layer owns the one inside it; the retry layer
   * (or the stream downstream) owns the route's scheduler.
   */
  static RecordSink openRemote(SinkConfig c, Consumer<String> warnings) throws IOException {
    RemoteConfig r = c.remote();
    if (r.method() != null) {
      return openForeign(c, warnings);
    }
    if (r.spool() != null) {
      // The spool forwards in order itself, many records in flight on one stream.
      Scheduler scheduler = Scheduler.system("sinkgate-stream-" + c.name());
      StreamDownstream downstream;
      try {
        downstream = StreamDownstream.open(c.name(), r.targets(), r.sink(), r.timeout(), streamRetry(c, scheduler),
            scheduler);
      } catch (RuntimeException e) {
        scheduler.close();
        throw e;
      }
      return Spool.open(c.name(), r.spool(), downstream, Clock.systemUTC(), warnings);
    }
    RecordSink sink = RemoteRecordSink.open(c.name(), r.targets(), r.sink(), r.timeout());
    Scheduler scheduler = null;
    Scheduler streamScheduler = null;
    try {
      scheduler = Scheduler.system("sinkgate-retry-" + c.name());
      streamScheduler = Scheduler.system("sinkgate-stream-" + c.name());
      // One breaker for the route: unary records and client streams reach the same downstream.
      CircuitBreaker breaker = r.breaker() == null ? null : new CircuitBreaker(c.name(), r.breaker(), scheduler);
      if (breaker != null) {
        sink = new CircuitBreakerSink(c.name(), sink, breaker);
      }
      sink = new RetryingSink(sink, r.retry(), r.budget(), scheduler, () -> ThreadLocalRandom.current().nextDouble());
      scheduler = null; // owned by the retrying sink now
      StreamRetry retry = new StreamRetry(r.retry(), r.budget(), breaker, () -> ThreadLocalRandom.current().nextDouble());
      StreamDownstream streams = StreamDownstream.open(c.name(), r.targets(), r.sink(), r.timeout(), retry,
          streamScheduler);
      streamScheduler = null; // owned by the stream downstream now
      // Each client stream goes on a downstream stream of its own, in order, a window in flight.
      return new PipelinedStreamSink(c.name(), sink, streams, retry);
    } catch (RuntimeException e) {
      for (Scheduler s : new Scheduler[] {scheduler, streamScheduler}) {
        if (s != null) {
          s.close();
        }
      }
      sink.close();
      throw e;
    }
  }

  /**
   * A route to a foreign method ({@code method:}): {@code retry(breaker(foreign))}, behind
   * {@code order(...)} so that a stream's records go one after another (the method is unary),
   * or behind the spool, whose forwarder sends one record at a time. A method that does not
   * fit its descriptors fails the start.
   */
  private static RecordSink openForeign(SinkConfig c, Consumer<String> warnings) throws IOException {
    RemoteConfig r = c.remote();
    RecordSink sink;
    try {
      sink = ForeignRecordSink.open(c.name(), r.targets(), r.method(), r.timeout(), warnings);
    } catch (BindingException e) {
      throw new IOException("route '" + c.name() + "': " + e.getMessage(), e);
    }
    Scheduler scheduler = null;
    try {
      scheduler = Scheduler.system("sinkgate-retry-" + c.name());
      if (r.breaker() != null) {
        sink = new CircuitBreakerSink(c.name(), sink, new CircuitBreaker(c.name(), r.breaker(), scheduler));
      }
      sink = new RetryingSink(sink, r.retry(), r.budget(), scheduler, () -> ThreadLocalRandom.current().nextDouble());
      scheduler = null; // owned by the retrying sink now
      return r.spool() != null
          ? Spool.open(c.name(), r.spool(), sink, Clock.systemUTC(), warnings)
          : new StreamOrderSink(c.name(), sink);
    } catch (IOException | RuntimeException e) {
      if (scheduler != null) {
        scheduler.close();
      }
      sink.close();
      throw e;
    }
  }

  /** The route's {@code retry:}, budget and {@code breaker:} for its downstream streams. */
  private static StreamRetry streamRetry(SinkConfig c, Scheduler clock) {
    RemoteConfig r = c.remote();
    CircuitBreaker breaker = r.breaker() == null ? null : new CircuitBreaker(c.name(), r.breaker(), clock);
    return new StreamRetry(r.retry(), r.budget(), breaker, () -> ThreadLocalRandom.current().nextDouble());
  }

  /**
   * Opens the tee routes of {@code sinks} over the routes in {@code opened}, each after the
   * routes it names (config validation ruled out unknown names and cycles). A tee's size
   * limit is the smallest of its own and those of the routes it feeds.
   */
  static List<Route> openTees(List<SinkConfig> sinks, List<Route> opened) {
    Map<String, Route> byName = new LinkedHashMap<>();
    for (Route r : opened) {
      byName.put(r.name(), r);
    }
    List<SinkConfig> pending = new ArrayList<>();
    for (SinkConfig c : sinks) {
      if (c.type() == SinkType.TEE) {
        pending.add(c);
      }
    }
    List<Route> tees = new ArrayList<>();
    while (!pending.isEmpty()) {
      SinkConfig ready = pending.stream()
          .filter(c -> byName.keySet().containsAll(c.tee().routes()))
          .findFirst()
          .orElseThrow(() -> new IllegalArgumentException("tee routes " + pending.stream().map(SinkConfig::name).toList()
              + " name routes that never open (a config the loader should have refused)"));
      pending.remove(ready);
      Map<String, RecordSink> targets = new LinkedHashMap<>();
      int limit = ready.maxRecordBytes();
      for (String name : ready.tee().routes()) {
        Route target = byName.get(name);
        targets.put(name, target.sink());
        limit = Math.min(limit, target.maxRecordBytes());
      }
      Route tee = new Route(ready.name(), new TeeRecordSink(ready.name(), targets, ready.tee().ack()), limit);
      byName.put(tee.name(), tee);
      tees.add(tee);
    }
    return tees;
  }
}
