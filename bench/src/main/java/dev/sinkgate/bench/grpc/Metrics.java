package dev.sinkgate.bench.grpc;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Reads a server's {@code /metrics} (Prometheus text) — the gateway's and the floor's —
 * for the server-side counters each run is checked against.
 */
final class Metrics {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private Metrics() {}

  static String scrape(URI uri) {
    try {
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        throw new IllegalStateException("GET " + uri + ": HTTP " + r.statusCode());
      }
      return r.body();
    } catch (IOException e) {
      throw new IllegalStateException("GET " + uri + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted reading " + uri, e);
    }
  }

  /**
   * The sum of every sample of {@code metric} whose labels include {@code route="ROUTE"}
   * (all routes if {@code route} is null); 0 if there is none.
   */
  static long sum(String text, String metric, String route) {
    long total = 0;
    String label = route == null ? null : "route=\"" + route + "\"";
    for (String line : text.split("\n")) {
      if (line.startsWith("#") || !line.startsWith(metric)) {
        continue;
      }
      int brace = line.indexOf('{');
      int space = line.lastIndexOf(' ');
      String name = line.substring(0, brace >= 0 && brace < space ? brace : space);
      if (!name.equals(metric)) {
        continue;
      }
      String labels = brace < 0 ? "" : line.substring(brace, line.lastIndexOf('}') + 1);
      if (label != null && !labels.contains("{" + label) && !labels.contains("," + label)) {
        continue;
      }
      total += (long) Double.parseDouble(line.substring(space + 1).trim());
    }
    return total;
  }
}
