package dev.sinkgate.server.config;

import dev.sinkgate.server.log.FileLog;
import dev.sinkgate.server.log.FsyncPolicy;
import dev.sinkgate.server.route.Route;
import dev.sinkgate.server.route.SinkNames;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Reads and validates the YAML config. Works on SnakeYAML's node tree, not on plain
 * maps, so every error can name the file, line and column of the offending key, say what
 * was found and what was expected, and suggest the nearest known key for a typo.
 *
 * <pre>
 * listen: ["127.0.0.1:50051", "unix:///var/run/sinkgate/sink.sock"]  # or a single string
 * socket_mode: "0660"               # of the Unix socket files; default 0660
 * drain_timeout: 20s
 * metrics: { listen: "127.0.0.1:9464" }  # GET /metrics, Prometheus text; absent: no endpoint
 * health: { listen: "0.0.0.0:8086" }     # grpc.health.v1 only, for kubelet probes; absent: none
 * sinks:
 *   default: { type: file, path: ./data/default }
 *   audit:   { type: file, path: ./data/audit, max_record_bytes: 65536, fsync: always }
 *   metrics: { type: file, path: ./data/metrics, fsync: interval, fsync_interval: 1s,
 *              segment_bytes: 64MiB, retention_bytes: 10GiB, retention_age: 7d }
 *   trash:   { type: discard }
 *   console: { type: stdout }
 *   thumbs:  { type: remote, targets: ["127.0.0.1:7001", "127.0.0.1:7002"], timeout: 2s,
 *              retry: { max_attempts: 5, initial_backoff: 50ms, max_backoff: 2s },
 *              breaker: { failure_rate: 0.5, window: 20, open_for: 5s },
 *              spool: { path: ./data/spool/thumbs, max_bytes: 1GiB, fsync: interval } }
 *   both:    { type: tee, routes: [audit, thumbs], ack: all }
 * </pre>
 * Relative paths are resolved against the gateway's working directory.
 */
public final class ConfigLoader {
  static final List<String> TOP_KEYS = List.of("listen", "socket_mode", "drain_timeout", "metrics", "health", "sinks");
  public static final InetSocketAddress DEFAULT_LISTEN = new InetSocketAddress("127.0.0.1", 50051);
  public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(20);
  static final int DEFAULT_QUEUE_RECORDS = 4096;
  static final long DEFAULT_QUEUE_BYTES = 64L << 20;
  static final Duration DEFAULT_FSYNC_INTERVAL = Duration.ofSeconds(1);
  /** A longer interval is almost surely a unit mistake, and would risk that much data on power loss. */
  static final Duration MAX_FSYNC_INTERVAL = Duration.ofHours(1);
  /** The largest max_record_bytes: well inside the file log's frame limit and a gRPC message. */
  static final long MAX_RECORD_LIMIT = 128L << 20;

  private final String source;
  private final TeeKeys tees = new TeeKeys(this);
  private final FileLogKeys fileLogs = new FileLogKeys(this);

  private ConfigLoader(String source) {
    this.source = source;
  }

  /** Reads and validates {@code file}. */
  public static GatewayConfig load(Path file) throws ConfigException {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new ConfigException(file + ": no such config file");
    } catch (IOException e) {
      throw new ConfigException(file + ": cannot read the config file: " + e.getMessage());
    }
    return parse(file.toString(), text);
  }

  /** The configuration used when no file is given: one {@code default} route to a file log under ./data. */
  public static GatewayConfig embeddedDefault() {
    try (InputStream in = ConfigLoader.class.getResourceAsStream("default-config.yaml")) {
      return parse("embedded default config", new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException | ConfigException e) {
      throw new IllegalStateException("the embedded default config is broken (a bug)", e);
    }
  }

  /** Validates {@code text}; {@code source} names it in error messages. */
  public static GatewayConfig parse(String source, String text) throws ConfigException {
    return new ConfigLoader(source).parse(text);
  }

  private GatewayConfig parse(String text) throws ConfigException {
    Node root;
    try {
      LoaderOptions options = new LoaderOptions();
      options.setAllowDuplicateKeys(false);
      root = new Yaml(options).compose(new StringReader(text));
    } catch (MarkedYAMLException e) {
      Mark m = e.getProblemMark();
      throw new ConfigException(source + ":" + (m.getLine() + 1) + ":" + (m.getColumn() + 1)
          + ": not valid YAML: " + e.getProblem());
    } catch (RuntimeException e) {
      throw new ConfigException(source + ": not valid YAML: " + e.getMessage());
    }
    if (root == null) {
      throw new ConfigException(source + ": the config is empty (expected: a mapping with 'sinks:')");
    }
    Map<String, NodeTuple> top = mapping(root, "the top level", TOP_KEYS);

    List<SocketAddress> listen = List.of(DEFAULT_LISTEN);
    if (top.containsKey("listen")) {
      listen = listen(top.get("listen").getValueNode());
    }
    Set<PosixFilePermission> socketMode = ConfigValues.DEFAULT_SOCKET_MODE;
    if (top.containsKey("socket_mode")) {
      socketMode = convert(top.get("socket_mode").getValueNode(), "socket_mode", ConfigValues::socketMode);
    }
    Duration drain = DEFAULT_DRAIN_TIMEOUT;
    if (top.containsKey("drain_timeout")) {
      Node n = top.get("drain_timeout").getValueNode();
      drain = convert(n, "drain_timeout", ConfigValues::duration);
    }
    InetSocketAddress metricsListen = null;
    if (top.containsKey("metrics")) {
      metricsListen = endpointListen(top.get("metrics").getValueNode(), "metrics",
          "the HTTP endpoint's host:port, e.g. metrics: { listen: \"127.0.0.1:9464\" }; no 'metrics' key means no endpoint");
    }
    InetSocketAddress healthListen = null;
    if (top.containsKey("health")) {
      healthListen = endpointListen(top.get("health").getValueNode(), "health",
          "the health listener's host:port, e.g. health: { listen: \"0.0.0.0:8086\" }; no 'health' key means"
          + " health is served only on the gRPC listeners");
    }
    NodeTuple sinksTuple = top.get("sinks");
    if (sinksTuple == null) {
      throw error(root, "the top level", "missing key 'sinks' (expected: a mapping of route names"
          + " to sinks, e.g. sinks: { default: { type: file, path: ./data/default } })");
    }
    Map<String, NodeTuple> sinkNodes = mapping(sinksTuple.getValueNode(), "sinks", null);
    if (sinkNodes.isEmpty()) {
      throw error(sinksTuple.getValueNode(), "sinks", "no sinks (expected: at least one route)");
    }
    List<SinkConfig> sinks = new ArrayList<>();
    for (Map.Entry<String, NodeTuple> e : sinkNodes.entrySet()) {
      sinks.add(sink(e.getKey(), e.getValue()));
    }
    tees.check(sinks);
    return new GatewayConfig(source, listen, socketMode, drain, sinks, metricsListen, healthListen);
  }

  /** {@code metrics: { listen: HOST:PORT }} or {@code health: { listen: HOST:PORT }}: where that endpoint listens. */
  private InetSocketAddress endpointListen(Node node, String key, String expected) throws ConfigException {
    Map<String, NodeTuple> keys = mapping(node, key, List.of("listen"));
    NodeTuple t = keys.get("listen");
    if (t == null) {
      throw error(node, key, "missing key 'listen' (expected: " + expected + ")");
    }
    return convert(t.getValueNode(), key + ".listen", ConfigValues::listenAddress);
  }

  private List<SocketAddress> listen(Node node) throws ConfigException {
    List<SocketAddress> out = new ArrayList<>();
    for (Node item : list(node, "listen", "one or more host:port or unix:///path.sock")) {
      out.add(convert(item, "listen", ConfigValues::serveAddress));
    }
    return List.copyOf(out);
  }

  private SinkConfig sink(String name, NodeTuple tuple) throws ConfigException {
    String where = "sinks." + name;
    if (!SinkNames.isValid(name)) {
      throw error(tuple.getKeyNode(), where, "'" + name + "' is not a valid route name (expected: "
          + SinkNames.RULE + ")");
    }
    Node body = tuple.getValueNode();
    Map<String, NodeTuple> keys = mapping(body, where, null);
    NodeTuple typeTuple = keys.get("type");
    if (typeTuple == null) {
      throw error(body, where, "missing key 'type' (expected one of: "
          + String.join(", ", SinkType.configNames()) + ")");
    }
    String typeName = scalar(typeTuple.getValueNode(), where + ".type");
    SinkType type = SinkType.byConfigName(typeName);
    if (type == null) {
      throw error(typeTuple.getValueNode(), where + ".type", "'" + typeName + "' is not a sink type"
          + suggestion(typeName, SinkType.configNames()) + " (expected one of: "
          + String.join(", ", SinkType.configNames()) + ")");
    }
    checkKeys(keys, where, type.keys(), "a " + typeName + " sink");

    long maxRecord = sizeKey(keys, "max_record_bytes", where, Route.DEFAULT_MAX_RECORD_BYTES);
    if (maxRecord > MAX_RECORD_LIMIT) {
      throw error(keys.get("max_record_bytes").getValueNode(), where + ".max_record_bytes",
          maxRecord + " bytes is too large (expected: at most 128MiB; larger objects belong in"
              + " object storage, with a reference in the record)");
    }
    long queue = sizeKey(keys, "queue", where, DEFAULT_QUEUE_RECORDS);
    if (queue < 1 || queue > 1_000_000) {
      throw error(keys.get("queue").getValueNode(), where + ".queue",
          queue + " (expected: a record count from 1 to 1000000)");
    }
    long queueBytes = sizeKey(keys, "queue_bytes", where, Math.max(DEFAULT_QUEUE_BYTES, maxRecord));
    if (queueBytes < maxRecord) {
      throw error(keys.get("queue_bytes").getValueNode(), where + ".queue_bytes", queueBytes
          + " bytes is less than max_record_bytes " + maxRecord + " (expected: >= max_record_bytes)");
    }

    Path path = null;
    FsyncPolicy fsync = null;
    Duration fsyncInterval = null;
    if (type == SinkType.FILE) {
      NodeTuple pathTuple = keys.get("path");
      if (pathTuple == null) {
        throw error(body, where, "a file sink needs 'path', the directory of its log"
            + " (e.g. path: ./data/" + name + ")");
      }
      String p = scalar(pathTuple.getValueNode(), where + ".path");
      if (p.isBlank()) {
        throw error(pathTuple.getValueNode(), where + ".path", "empty (expected: a directory path)");
      }
      path = Path.of(p);
      fsync = fileLogs.fsync(keys, where, FsyncPolicy.ALWAYS);
      fsyncInterval = fileLogs.fsyncInterval(keys, where, fsync);
    }
    FileLog.Options log = type == SinkType.FILE ? fileLogs.logOptions(keys, where) : null;
    RemoteConfig remote = type == SinkType.REMOTE ? RemoteKeys.parse(this, name, body, keys, where) : null;
    TeeConfig tee = type == SinkType.TEE ? tees.parse(body, keys, where) : null;
    return new SinkConfig(name, type, path, (int) maxRecord, fsync, fsyncInterval, (int) queue, queueBytes, log,
        remote, tee);
  }

  /** The file-log keys' reader, which spools share with file routes. */
  FileLogKeys fileLogs() {
    return fileLogs;
  }

  /** A scalar or a list of scalars, as a list of nodes; never empty ({@code expected} says what belongs there). */
  List<Node> list(Node node, String where, String expected) throws ConfigException {
    List<Node> items = node instanceof SequenceNode seq ? seq.getValue() : List.of(node);
    if (items.isEmpty()) {
      throw error(node, where, "an empty list (expected: " + expected + ")");
    }
    return items;
  }

  /** The duration under {@code key}, or {@code dflt} without one; 0 is refused, saying {@code expected}. */
  Duration positiveDuration(Map<String, NodeTuple> keys, String key, String where, Duration dflt,
      String expected) throws ConfigException {
    NodeTuple t = keys.get(key);
    if (t == null) {
      return dflt;
    }
    Duration d = convert(t.getValueNode(), where + "." + key, ConfigValues::duration);
    if (d.isZero()) {
      throw error(t.getValueNode(), where + "." + key, "0 (expected: " + expected + ")");
    }
    return d;
  }

  long sizeKey(Map<String, NodeTuple> keys, String key, String where, long dflt)
      throws ConfigException {
    NodeTuple t = keys.get(key);
    if (t == null) {
      return dflt;
    }
    return convert(t.getValueNode(), where + "." + key, ConfigValues::size);
  }

  /** The keys of a mapping node, checked against {@code allowed} (null: any key). */
  Map<String, NodeTuple> mapping(Node node, String where, List<String> allowed)
      throws ConfigException {
    if (!(node instanceof MappingNode map)) {
      throw error(node, where, "expected a mapping (key: value), found " + describe(node));
    }
    Map<String, NodeTuple> out = new LinkedHashMap<>();
    for (NodeTuple t : map.getValue()) {
      String key = scalar(t.getKeyNode(), where);
      if (out.put(key, t) != null) {
        throw error(t.getKeyNode(), where, "key '" + key + "' appears twice");
      }
    }
    if (allowed != null) {
      checkKeys(out, where, allowed, where);
    }
    return out;
  }

  private void checkKeys(Map<String, NodeTuple> keys, String where, List<String> allowed, String what)
      throws ConfigException {
    for (Map.Entry<String, NodeTuple> e : keys.entrySet()) {
      if (!allowed.contains(e.getKey())) {
        throw error(e.getValue().getKeyNode(), where, "unknown key '" + e.getKey() + "'"
            + suggestion(e.getKey(), allowed) + " (keys for " + what + ": " + String.join(", ", allowed) + ")");
      }
    }
  }

  String scalar(Node node, String where) throws ConfigException {
    if (!(node instanceof ScalarNode s)) {
      throw error(node, where, "expected a single value, found " + describe(node));
    }
    return s.getValue();
  }

  interface Parser<T> {
    T parse(String text);
  }

  <T> T convert(Node node, String where, Parser<T> parser) throws ConfigException {
    String text = scalar(node, where);
    try {
      return parser.parse(text);
    } catch (IllegalArgumentException e) {
      throw error(node, where, e.getMessage());
    }
  }

  ConfigException error(Node node, String where, String what) {
    Mark m = node.getStartMark();
    return new ConfigException(source + ":" + (m.getLine() + 1) + ":" + (m.getColumn() + 1)
        + ": " + where + ": " + what);
  }

  private static String describe(Node node) {
    if (node instanceof MappingNode) {
      return "a mapping";
    }
    if (node instanceof SequenceNode) {
      return "a list";
    }
    return "'" + ((ScalarNode) node).getValue() + "'";
  }

  /** "; did you mean 'x'?" for the nearest candidate within two edits, else "". */
  static String suggestion(String given, List<String> candidates) {
    String best = null;
    int bestDistance = 3;
    Set<String> seen = new HashSet<>();
    for (String c : candidates) {
      if (!seen.add(c)) {
        continue;
      }
      int d = editDistance(given.toLowerCase(Locale.ROOT), c);
      if (d < bestDistance) {
        best = c;
        bestDistance = d;
      }
    }
    return best == null ? "" : " (did you mean '" + best + "'?)";
  }

  private static int editDistance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
