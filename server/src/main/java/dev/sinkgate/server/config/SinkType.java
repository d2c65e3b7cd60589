package dev.sinkgate.server.config;

import java.util.List;

/** The built-in sink types and the keys each accepts besides the common ones. */
public enum SinkType {
  /** An append-only log of framed records in a directory. */
  FILE("file", List.of("path", "fsync", "fsync_interval", "segment_bytes",
      "retention_bytes", "retention_age", "producer_expiry", "max_producers")),
  /** Accepts and drops every record. */
  DISCARD("discard", List.of()),
  /** Writes each record's data and a newline to the gateway's standard output. */
  STDOUT("stdout", List.of()),
  /** Forwards each record to another server implementing {@code sinkgate.v1.Sink}. */
  REMOTE("remote", List.of("targets", "sink", "timeout", "retry", "breaker", "spool", "method", "data_field",
      "count_field", "key_field", "headers_field", "descriptor_set")),
  /** Fans each record out to several other routes. */
  TEE("tee", List.of("routes", "ack"));

  /** Keys every sink type accepts. */
  static final List<String> COMMON_KEYS = List.of("type", "max_record_bytes", "queue", "queue_bytes");

  private final String configName;
  private final List<String> ownKeys;

  SinkType(String configName, List<String> ownKeys) {
    this.configName = configName;
    this.ownKeys = ownKeys;
  }

  public String configName() {
    return configName;
  }

  /** Every key a sink of this type accepts. */
  List<String> keys() {
    List<String> all = new java.util.ArrayList<>(COMMON_KEYS);
    all.addAll(ownKeys);
    return all;
  }

  static SinkType byConfigName(String name) {
    for (SinkType t : values()) {
      if (t.configName.equals(name)) {
        return t;
      }
    }
    return null;
  }

  static List<String> configNames() {
    return java.util.Arrays.stream(values()).map(SinkType::configName).toList();
  }
}
