package dev.sinkgate.server.config;

import dev.sinkgate.server.remote.TeeRecordSink;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;

/**
 * Reads the keys of {@code tee} routes for {@link ConfigLoader} and, once every route is read,
 * checks that each tee names other routes defined in the same file and that no tee reaches
 * itself.
 */
final class TeeKeys {
  private final ConfigLoader loader;
  /** The {@code routes:} node of each tee read so far, by "sinks.NAME", for error positions. */
  private final Map<String, Node> teeRoutes = new LinkedHashMap<>();

  TeeKeys(ConfigLoader loader) {
    this.loader = loader;
  }

  /** {@code routes: [a, b]} and {@code ack: all|any}; that the routes exist is checked once all are read. */
  TeeConfig parse(Node body, Map<String, NodeTuple> keys, String where) throws ConfigException {
    NodeTuple routesTuple = keys.get("routes");
    if (routesTuple == null) {
      throw loader.error(body, where,
          "a tee needs 'routes', the routes each record goes to (e.g. routes: [audit, thumbs])");
    }
    List<String> routes = new ArrayList<>();
    for (Node item : loader.list(routesTuple.getValueNode(), where + ".routes", "one or more route names")) {
      String r = loader.scalar(item, where + ".routes");
      if (routes.contains(r)) {
        throw loader.error(item, where + ".routes", "'" + r + "' is named twice (expected: each route once)");
      }
      routes.add(r);
    }
    teeRoutes.put(where, routesTuple.getValueNode());
    TeeRecordSink.Ack ack = TeeRecordSink.Ack.ALL;
    NodeTuple ackTuple = keys.get("ack");
    if (ackTuple != null) {
      String a = loader.scalar(ackTuple.getValueNode(), where + ".ack");
      if (!a.equals("all") && !a.equals("any")) {
        throw loader.error(ackTuple.getValueNode(), where + ".ack", "'" + a + "'"
            + ConfigLoader.suggestion(a, List.of("all", "any"))
            + " (expected: all, to answer once every route accepted, or any, once one did)");
      }
      ack = TeeRecordSink.Ack.valueOf(a.toUpperCase(Locale.ROOT));
    }
    return new TeeConfig(List.copyOf(routes), ack);
  }

  /** Every tee names routes defined here, not itself, and no chain of tees comes back to where it started. */
  void check(List<SinkConfig> sinks) throws ConfigException {
    Map<String, SinkConfig> byName = new LinkedHashMap<>();
    for (SinkConfig c : sinks) {
      byName.put(c.name(), c);
    }
    for (SinkConfig c : sinks) {
      if (c.tee() == null) {
        continue;
      }
      String where = "sinks." + c.name() + ".routes";
      Node node = teeRoutes.get("sinks." + c.name());
      for (String r : c.tee().routes()) {
        if (r.equals(c.name())) {
          throw loader.error(node, where, "'" + r + "' is this tee itself (expected: other routes)");
        }
        if (!byName.containsKey(r)) {
          throw loader.error(node, where, "no route named '" + r + "'"
              + ConfigLoader.suggestion(r, List.copyOf(byName.keySet()))
              + " (routes defined: " + String.join(", ", byName.keySet()) + ")");
        }
      }
      List<String> cycle = cycleFrom(c.name(), byName, new ArrayList<>());
      if (cycle != null) {
        throw loader.error(node, where, "the tees form a cycle: " + String.join(" -> ", cycle)
            + " (expected: a tee never reaches itself through other tees)");
      }
    }
  }

  private static List<String> cycleFrom(String name, Map<String, SinkConfig> byName, List<String> path) {
    if (path.contains(name)) {
      List<String> cycle = new ArrayList<>(path.subList(path.indexOf(name), path.size()));
      cycle.add(name);
      return cycle;
    }
    SinkConfig c = byName.get(name);
    if (c == null || c.tee() == null) {
      return null;
    }
    path.add(name);
    for (String r : c.tee().routes()) {
      List<String> cycle = cycleFrom(r, byName, path);
      if (cycle != null) {
        return cycle;
      }
    }
    path.remove(path.size() - 1);
    return null;
  }
}
