package dev.sinkgate.server.metrics;

import io.grpc.Status;
import java.util.Map;

/**
 * Writes a {@link SinkMetrics.Snapshot} in the Prometheus text exposition format, version
 * 0.0.4: for each metric a {@code # HELP} and a {@code # TYPE} line, then one
 * {@code name{label="value"} value} line per series. The names are a contract (the
 * benchmark harness and dashboards read them); add metrics, do not rename them.
 *
 * <p>A refusal series ({@code code} label) appears once its code was first answered, as
 * is usual for labelled error counters: an absent series reads as 0. Every other route
 * series is present, at 0, from the start.
 */
public final class PrometheusText {
  /** The value of the Content-Type header for this format. */
  public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  public static final String ACCEPTED = "sinkgate_records_accepted_total";
  public static final String BYTES = "sinkgate_bytes_accepted_total";
  public static final String REFUSED = "sinkgate_records_refused_total";
  public static final String DUPLICATE = "sinkgate_records_duplicate_total";
  public static final String FSYNCS = "sinkgate_fsyncs_total";
  public static final String UNROUTED = "sinkgate_records_unrouted_total";
  public static final String CALLS_IN_FLIGHT = "sinkgate_calls_in_flight";
  public static final String STREAMS_OPEN = "sinkgate_streams_open";

  private PrometheusText() {}

  public static String format(SinkMetrics.Snapshot s) {
    StringBuilder b = new StringBuilder(1024);
    header(b, ACCEPTED, "counter", "Records acknowledged, per route (duplicates included).");
    s.routes().forEach((route, c) -> series(b, ACCEPTED, "route", route, c.accepted()));
    header(b, BYTES, "counter", "Payload bytes of the records acknowledged, per route.");
    s.routes().forEach((route, c) -> series(b, BYTES, "route", route, c.bytes()));
    header(b, DUPLICATE, "counter",
        "Records acknowledged as duplicates of records already stored (same producer_id and sequence), per route.");
    s.routes().forEach((route, c) -> series(b, DUPLICATE, "route", route, c.duplicates()));
    header(b, REFUSED, "counter",
        "Records refused, per route and gRPC status code; a code appears once it was first answered.");
    s.routes().forEach((route, c) -> refusals(b, REFUSED, "route=\"" + escape(route) + "\",", c.refused()));
    header(b, FSYNCS, "counter", "fdatasync calls of the route's file log (file routes; 0 for others), per route:"
        + " records accepted / fsyncs is its group-commit size.");
    s.routes().forEach((route, c) -> series(b, FSYNCS, "route", route, c.fsyncs()));
    header(b, UNROUTED, "counter",
        "Records refused before a route was found (unknown or invalid sink name), per gRPC status code.");
    refusals(b, UNROUTED, "", s.unrouted());
    header(b, CALLS_IN_FLIGHT, "gauge", "Sink calls (unary and streams) admitted and not yet finished.");
    b.append(CALLS_IN_FLIGHT).append(' ').append(s.callsInFlight()).append('\n');
    header(b, STREAMS_OPEN, "gauge", "WriteStream calls open now.");
    b.append(STREAMS_OPEN).append(' ').append(s.streamsOpen()).append('\n');
    return b.toString();
  }

  private static void header(StringBuilder b, String name, String type, String help) {
    b.append("# HELP ").append(name).append(' ').append(help.replace("\\", "\\\\").replace("\n", "\\n")).append('\n');
    b.append("# TYPE ").append(name).append(' ').append(type).append('\n');
  }

  private static void series(StringBuilder b, String name, String label, String value, long n) {
    b.append(name).append('{').append(label).append("=\"").append(escape(value)).append("\"} ").append(n).append('\n');
  }

  /** One series per code; {@code labels} are the labels before {@code code}, each followed by a comma. */
  private static void refusals(StringBuilder b, String name, String labels, Map<Status.Code, Long> byCode) {
    byCode.forEach((code, n) ->
        b.append(name).append('{').append(labels).append("code=\"").append(code.name()).append("\"} ")
            .append(n).append('\n'));
  }

  /** A label value as the format requires: backslash, double quote and line feed escaped. */
  static String escape(String value) {
    return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }
}
