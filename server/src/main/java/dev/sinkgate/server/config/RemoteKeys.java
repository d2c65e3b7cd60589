package dev.sinkgate.server.config;

import dev.sinkgate.client.BindingSpec;
import dev.sinkgate.client.RetryPolicy;
import dev.sinkgate.server.log.FsyncPolicy;
import dev.sinkgate.server.remote.BreakerPolicy;
import dev.sinkgate.server.remote.RemoteRecordSink;
import dev.sinkgate.server.remote.RetryBudget;
import dev.sinkgate.server.route.SinkNames;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;

/**
 * Reads the keys of a {@code remote} route for {@link ConfigLoader}, with its error reporting:
 * {@code targets}, {@code sink}, {@code timeout}, and the nested {@code retry:}, {@code breaker:}
 * and {@code spool:} mappings.
 */
final class RemoteKeys {
  static final List<String> RETRY_KEYS = List.of("max_attempts", "initial_backoff", "max_backoff", "jitter",
      "budget", "budget_burst");
  static final List<String> BREAKER_KEYS = List.of("failure_rate", "window", "consecutive_failures", "open_for",
      "half_open_probes");
  static final List<String> BINDING_KEYS = List.of("data_field", "count_field", "key_field", "headers_field",
      "descriptor_set");
  static final List<String> SPOOL_KEYS = List.of("path", "max_bytes", "fsync", "fsync_interval", "segment_bytes");
  static final long DEFAULT_SPOOL_MAX_BYTES = 1L << 30;
  static final long DEFAULT_SPOOL_SEGMENT_BYTES = 16L << 20;
  private static final Pattern HOST_PORT = Pattern.compile("(\\[[0-9A-Fa-f:.]+\\]|[^:\\[\\]/]+):(\\d{1,5})");
  private static final String TARGET_FORMS = "host:port, a list of host:port, dns:///name:port or unix:/path";

  private final ConfigLoader loader;

  private RemoteKeys(ConfigLoader loader) {
    this.loader = loader;
  }

  static RemoteConfig parse(ConfigLoader loader, String name, Node body, Map<String, NodeTuple> keys, String where)
      throws ConfigException {
    return new RemoteKeys(loader).remote(name, body, keys, where);
  }

  private RemoteConfig remote(String name, Node body, Map<String, NodeTuple> keys, String where)
      throws ConfigException {
    NodeTuple targetsTuple = keys.get("targets");
    if (targetsTuple == null) {
      throw loader.error(body, where, "a remote sink needs 'targets' (expected: " + TARGET_FORMS
          + ", e.g. targets: [\"127.0.0.1:7001\"])");
    }
    List<String> targets = targets(targetsTuple.getValueNode(), where + ".targets");
    String sink = name;
    NodeTuple sinkTuple = keys.get("sink");
    if (sinkTuple != null) {
      sink = loader.scalar(sinkTuple.getValueNode(), where + ".sink");
      if (!SinkNames.isValid(sink)) {
        throw loader.error(sinkTuple.getValueNode(), where + ".sink", "'" + sink
            + "' is not a valid sink name (expected: " + SinkNames.RULE + ")");
      }
    }
    Duration timeout = positiveDuration(keys, "timeout", where, RemoteRecordSink.DEFAULT_TIMEOUT);
    RetryPolicy retry = RetryPolicy.none();
    RetryBudget budget = RetryBudget.DEFAULT;
    NodeTuple retryTuple = keys.get("retry");
    if (retryTuple != null) {
      Map<String, NodeTuple> r = loader.mapping(retryTuple.getValueNode(), where + ".retry", RETRY_KEYS);
      retry = retry(r, where + ".retry", retryTuple.getValueNode());
      budget = budget(r, where + ".retry");
    }
    BreakerPolicy breaker = null;
    NodeTuple breakerTuple = keys.get("breaker");
    if (breakerTuple != null) {
      Map<String, NodeTuple> b = loader.mapping(breakerTuple.getValueNode(), where + ".breaker", BREAKER_KEYS);
      breaker = breaker(b, where + ".breaker");
    }
    SpoolConfig spool = null;
    NodeTuple spoolTuple = keys.get("spool");
    if (spoolTuple != null) {
      Map<String, NodeTuple> s = loader.mapping(spoolTuple.getValueNode(), where + ".spool", SPOOL_KEYS);
      spool = spool(s, where + ".spool", spoolTuple.getValueNode());
    }
    BindingSpec method = method(keys, where);
    if (method != null && sinkTuple != null) {
      throw loader.error(sinkTuple.getKeyNode(), where + ".sink", "'sink' names the route of a sinkgate downstream,"
          + " but this route calls " + method.fullMethodName() + " (expected: 'sink' or 'method', not both)");
    }
    return new RemoteConfig(targets, sink, timeout, retry, budget, breaker, spool, method);
  }

  /**
   * {@code method:} and the keys that map a record onto its messages, or null without
   * {@code method:}. Only the form is checked here; whether the method fits is checked
   * against its descriptors when the route opens.
   */
  private BindingSpec method(Map<String, NodeTuple> keys, String where) throws ConfigException {
    NodeTuple methodTuple = keys.get("method");
    if (methodTuple == null) {
      for (String k : BINDING_KEYS) {
        NodeTuple t = keys.get(k);
        if (t != null) {
          throw loader.error(t.getKeyNode(), where + "." + k, "'" + k + "' maps a record onto a foreign method's"
              + " messages, but this route has no 'method' (expected: method: package.Service/Method with it)");
        }
      }
      return null;
    }
    BindingSpec spec;
    String text = loader.scalar(methodTuple.getValueNode(), where + ".method");
    try {
      spec = BindingSpec.method(text);
    } catch (IllegalArgumentException e) {
      throw loader.error(methodTuple.getValueNode(), where + ".method", "'" + text
          + "' is not a method name (expected: package.Service/Method, e.g. acme.audit.v1.AuditLog/Append)");
    }
    for (String k : BINDING_KEYS) {
      NodeTuple t = keys.get(k);
      if (t == null) {
        continue;
      }
      String v = loader.scalar(t.getValueNode(), where + "." + k);
      try {
        spec = switch (k) {
          case "data_field" -> spec.dataField(v);
          case "count_field" -> spec.countField(v);
          case "key_field" -> spec.keyField(v);
          case "headers_field" -> spec.headersField(v);
          default -> spec.descriptorSet(Path.of(v));
        };
      } catch (IllegalArgumentException e) {
        throw loader.error(t.getValueNode(), where + "." + k, "'" + v + "' is not a field name (expected: a"
            + " protobuf field name such as payload)");
      }
    }
    if (spec.descriptorSet() != null && !java.nio.file.Files.isReadable(spec.descriptorSet())) {
      throw loader.error(keys.get("descriptor_set").getValueNode(), where + ".descriptor_set", "'"
          + spec.descriptorSet() + "' is not a readable file (expected: a FileDescriptorSet, e.g. from"
          + " protoc --include_imports --descriptor_set_out=FILE)");
    }
    return spec;
  }

  private List<String> targets(Node node, String where) throws ConfigException {
    List<Node> items = loader.list(node, where, TARGET_FORMS);
    List<String> out = new ArrayList<>();
    for (Node item : items) {
      String t = loader.scalar(item, where).trim();
      boolean hostPort = isHostPort(t);
      boolean named = t.startsWith("dns:///") && isHostPort(t.substring("dns:///".length()))
          || t.startsWith("unix:") && t.length() > "unix:".length();
      if (!hostPort && !named) {
        throw loader.error(item, where, "'" + t + "' is not a target (expected: " + TARGET_FORMS + ")");
      }
      if (!hostPort && items.size() > 1) {
        throw loader.error(item, where, "'" + t + "' in a list of several targets (expected: host:port"
            + " entries only; a dns:/// or unix: target stands alone)");
      }
      out.add(t);
    }
    return List.copyOf(out);
  }

  private static boolean isHostPort(String t) {
    var m = HOST_PORT.matcher(t);
    return m.matches() && Integer.parseInt(m.group(2)) >= 1 && Integer.parseInt(m.group(2)) <= 65535;
  }

  private RetryPolicy retry(Map<String, NodeTuple> r, String where, Node node) throws ConfigException {
    int attempts = (int) count(r, "max_attempts", where, 5, 1, 100);
    Duration initial = duration(r, "initial_backoff", where, Duration.ofMillis(50));
    Duration max = duration(r, "max_backoff", where, Duration.ofSeconds(2));
    if (max.compareTo(initial) < 0) {
      throw loader.error(node, where, "max_backoff " + max.toMillis() + "ms is below initial_backoff "
          + initial.toMillis() + "ms (expected: initial_backoff <= max_backoff)");
    }
    double jitter = fraction(r, "jitter", where, 0.2, true);
    return RetryPolicy.exponential(attempts, initial, max).withJitter(jitter);
  }

  private RetryBudget budget(Map<String, NodeTuple> r, String where) throws ConfigException {
    double ratio = fraction(r, "budget", where, RetryBudget.DEFAULT.ratio(), true);
    int burst = (int) count(r, "budget_burst", where, RetryBudget.DEFAULT.burst(), 0, 1_000_000);
    return RetryBudget.of(ratio, burst);
  }

  private BreakerPolicy breaker(Map<String, NodeTuple> b, String where) throws ConfigException {
    BreakerPolicy d = BreakerPolicy.DEFAULT;
    double rate = fraction(b, "failure_rate", where, d.failureRate(), false);
    int window = (int) count(b, "window", where, d.window(), 1, 10_000);
    int consecutive = (int) count(b, "consecutive_failures", where, d.consecutiveFailures(), 0, 10_000);
    Duration openFor = positiveDuration(b, "open_for", where, d.openFor());
    int probes = (int) count(b, "half_open_probes", where, d.halfOpenProbes(), 1, 1000);
    return new BreakerPolicy(rate, window, consecutive, openFor, probes);
  }

  private SpoolConfig spool(Map<String, NodeTuple> s, String where, Node node) throws ConfigException {
    NodeTuple pathTuple = s.get("path");
    if (pathTuple == null) {
      throw loader.error(node, where, "a spool needs 'path', the directory of its log (e.g. path: ./data/spool/NAME)");
    }
    String p = loader.scalar(pathTuple.getValueNode(), where + ".path");
    if (p.isBlank()) {
      throw loader.error(pathTuple.getValueNode(), where + ".path", "empty (expected: a directory path)");
    }
    long maxBytes = loader.sizeKey(s, "max_bytes", where, DEFAULT_SPOOL_MAX_BYTES);
    long segment = loader.sizeKey(s, "segment_bytes", where, DEFAULT_SPOOL_SEGMENT_BYTES);
    if (segment < dev.sinkgate.server.log.FileLog.Options.MIN_SEGMENT_BYTES || segment > 1L << 30) {
      throw loader.error(s.get("segment_bytes").getValueNode(), where + ".segment_bytes", segment
          + " bytes (expected: from 4KiB to 1GiB)");
    }
    if (maxBytes < 2 * segment) {
      throw loader.error(s.containsKey("max_bytes") ? s.get("max_bytes").getValueNode() : node, where + ".max_bytes",
          maxBytes + " bytes is less than two segments of " + segment + " bytes (expected: >= 2 x segment_bytes)");
    }
    FsyncPolicy fsync = loader.fileLogs().fsync(s, where, FsyncPolicy.INTERVAL);
    Duration interval = loader.fileLogs().fsyncInterval(s, where, fsync);
    return new SpoolConfig(Path.of(p), maxBytes, fsync, interval, segment);
  }

  private Duration duration(Map<String, NodeTuple> keys, String key, String where, Duration dflt)
      throws ConfigException {
    NodeTuple t = keys.get(key);
    return t == null ? dflt : loader.convert(t.getValueNode(), where + "." + key, ConfigValues::duration);
  }

  private Duration positiveDuration(Map<String, NodeTuple> keys, String key, String where, Duration dflt)
      throws ConfigException {
    Duration d = duration(keys, key, where, dflt);
    if (d.isZero()) {
      throw loader.error(keys.get(key).getValueNode(), where + "." + key, "0 (expected: a positive duration like 2s)");
    }
    return d;
  }

  private long count(Map<String, NodeTuple> keys, String key, String where, long dflt, long min, long max)
      throws ConfigException {
    NodeTuple t = keys.get(key);
    if (t == null) {
      return dflt;
    }
    String text = loader.scalar(t.getValueNode(), where + "." + key);
    long n;
    try {
      n = Long.parseLong(text.trim());
    } catch (NumberFormatException e) {
      n = Long.MIN_VALUE;
    }
    if (n < min || n > max) {
      throw loader.error(t.getValueNode(), where + "." + key, "'" + text + "' (expected: a whole number from "
          + min + " to " + max + ")");
    }
    return n;
  }

  private double fraction(Map<String, NodeTuple> keys, String key, String where, double dflt, boolean zeroAllowed)
      throws ConfigException {
    NodeTuple t = keys.get(key);
    if (t == null) {
      return dflt;
    }
    String text = loader.scalar(t.getValueNode(), where + "." + key);
    double d;
    try {
      d = Double.parseDouble(text.trim());
    } catch (NumberFormatException e) {
      d = Double.NaN;
    }
    if (!(d <= 1 && (zeroAllowed ? d >= 0 : d > 0))) {
      throw loader.error(t.getValueNode(), where + "." + key, "'" + text + "' (expected: a fraction "
          + (zeroAllowed ? "from 0" : "above 0") + " to 1, like 0.5)");
    }
    return d;
  }
}
