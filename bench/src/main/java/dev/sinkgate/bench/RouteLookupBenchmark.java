package dev.sinkgate.bench;

import dev.sinkgate.server.route.Route;
import dev.sinkgate.server.route.Router;
import dev.sinkgate.server.sink.DiscardRecordSink;
import dev.sinkgate.server.sink.RecordRejectedException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * JMH: the routing step every record takes, {@link Router#resolve(String, int, String)},
 * with 1, 10 and 100 routes, for a name that has a route (hit) and one that does not
 * (miss: the {@code NOT_FOUND} path, which builds a {@link RecordRejectedException}
 * naming every route). The baseline is a plain {@link HashMap#get} over the same routes,
 * the least a name-to-route lookup costs; the ratio hit ÷ hashMapGet is what the checks
 * around the lookup (producer id length, sink name rule, record size) add.
 *
 * <p>The names are the same {@code String} instances on every call, so their hash codes
 * are cached on both sides; a request's name, decoded anew from each message, also pays
 * for hashing it once, on both sides alike. Scores are lookups per second.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class RouteLookupBenchmark {
  /** How many routes the gateway serves. */
  @Param({"1", "10", "100"})
  public int routes;

  /** A record's size, under every route's limit. */
  static final int RECORD_BYTES = 100;

  Router router;
  private Map<String, Route> map;
  /** The last route opened: the name a hit looks up. */
  String hitName;
  final String missName = "no-such-route";

  @Setup(Level.Trial)
  public void setUp() {
    List<Route> list = new ArrayList<>();
    for (int i = 0; i < routes; i++) {
      list.add(new Route("route-" + i, new DiscardRecordSink(), Route.DEFAULT_MAX_RECORD_BYTES));
    }
    router = new Router(list);
    map = new HashMap<>(router.routes());
    hitName = list.get(routes - 1).name();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    router.close();
  }

  /** A name with a route: validation and lookup. */
  @Benchmark
  public Route resolveHit() {
    return router.resolve(hitName, RECORD_BYTES, "");
  }

  /** A name without a route: the rejection, with its description naming every route. */
  @Benchmark
  public Object resolveMiss() {
    try {
      return router.resolve(missName, RECORD_BYTES, "");
    } catch (RecordRejectedException e) {
      return e;
    }
  }

  /** Baseline: the lookup alone, for the name with a route. */
  @Benchmark
  public Route hashMapGetHit() {
    return map.get(hitName);
  }

  /** Baseline: the lookup alone, for the name without a route. */
  @Benchmark
  public Route hashMapGetMiss() {
    return map.get(missName);
  }
}
