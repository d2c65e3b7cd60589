package dev.sinkgate.bench.grpc;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.sinkgate.cli.Sinkctl;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The project's Java load generator, {@code sinkctl bench}, run in this JVM (so it stays
 * warm from one run to the next) against a server in another process. Unary loads are a
 * closed loop of {@code concurrency} callers, or an open loop at {@code rate} records/s
 * whose latency counts from when each record was due; stream loads keep
 * {@code concurrency} WriteStreams busy with sinkctl's default window.
 */
public final class SinkctlLoad {
  /** One load: unary or stream, how many callers or streams, and a rate (0 = closed loop). */
  public record Load(String mode, int concurrency, double rate) {
    public static Load unary(int concurrency) {
      return new Load("unary", concurrency, 0);
    }

    public static Load stream(int streams) {
      return new Load("stream", streams, 0);
    }

    Load atRate(double recordsPerSecond) {
      return new Load(mode, concurrency, recordsPerSecond);
    }

    /** e.g. {@code unary c64}, {@code stream c2}, {@code unary c64 @ 12000/s}. */
    public String label() {
      return mode + " c" + concurrency + (rate > 0 ? String.format(Locale.ROOT, " @ %.0f/s", rate) : "");
    }
  }

  /** What sinkctl reported for one run. */
  public record Result(long ok, long failed, Map<String, Long> errors, double seconds, double recordsPerSecond,
      double megabytesPerSecond, double p50Millis, double p99Millis, double p999Millis, double maxMillis) {}

  private SinkctlLoad() {}

  public static Result run(String address, String sink, Load load, int size, Duration duration) {
    List<String> args = new ArrayList<>(List.of("bench", "--target", address, "--sink", sink,
        "--mode", load.mode(), "--concurrency", Integer.toString(load.concurrency()),
        "--size", Integer.toString(size), "--duration", duration.toMillis() + "ms",
        "--output", "json", "--no-progress", "--deadline", "30s"));
    if (load.rate() > 0) {
      args.add("--rate");
      args.add(String.format(Locale.ROOT, "%.1f", load.rate()));
    }
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Sinkctl.run(args.toArray(String[]::new), new PrintWriter(out), new PrintWriter(err));
    String text = out.toString().trim();
    if (text.isEmpty()) {
      throw new IllegalStateException("sinkctl " + String.join(" ", args) + " exited " + code
          + " without a result: " + err.toString().trim());
    }
    JsonObject j = JsonParser.parseString(text).getAsJsonObject();
    Map<String, Long> errors = new LinkedHashMap<>();
    j.getAsJsonObject("errors").entrySet().forEach(e -> errors.put(e.getKey(), e.getValue().getAsLong()));
    JsonObject latency = j.getAsJsonObject("latency_ms");
    return new Result(j.get("ok").getAsLong(), j.get("failed").getAsLong(), errors, j.get("seconds").getAsDouble(),
        j.get("records_per_second").getAsDouble(), j.get("mb_per_second").getAsDouble(),
        latency.get("p50").getAsDouble(), latency.get("p99").getAsDouble(), latency.get("p99_9").getAsDouble(),
        latency.get("max").getAsDouble());
  }
}
