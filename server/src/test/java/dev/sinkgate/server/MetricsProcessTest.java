package dev.sinkgate.server;

import static dev.sinkgate.server.MainRun.assertContains;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.sinkgate.proto.v1.SinkGrpc;
import dev.sinkgate.proto.v1.WriteRequest;
import dev.sinkgate.server.metrics.PrometheusScrape;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sinkgate serve --metrics-listen} as a real process: the start-up line names the
 * bound metrics port (so a harness can start it on port 0), the flag overrides the
 * config's {@code metrics.listen}, and SIGTERM closes the endpoint with the gateway.
 */
class MetricsProcessTest {
  private static final Pattern METRICS_URL = Pattern.compile(
      "sinkgate: serving routes .* on 127\\.0\\.0\\.1:\\d+ \\(transport \\w+\\), metrics on http://127\\.0\\.0\\.1:(\\d+)/metrics\n");

  @TempDir Path tmp;

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private HttpResponse<String> get(URI uri) throws Exception {
    return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void serve_metricsListenPortZero_printsTheBoundPort_servesCounts_andClosesOnSigterm() throws Exception {
    try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      // The config names a port in use: only the flag's override lets the gateway start.
      Path config = Files.writeString(tmp.resolve("sinkgate.yaml"), "metrics: { listen: \"127.0.0.1:"
          + busy.getLocalPort() + "\" }\nsinks:\n  trash: { type: discard }\n");
      try (GatewayProcess gw = GatewayProcess.serve(config, tmp, Duration.ofSeconds(60),
          "--metrics-listen", "127.0.0.1:0")) {
        Matcher m = METRICS_URL.matcher(gw.stderr());
        assertTrue(m.find(), () -> "a start-up line naming the metrics URL in:\n" + stderrOf(gw));
        URI metrics = URI.create("http://127.0.0.1:" + m.group(1) + "/metrics");
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", gw.port()).usePlaintext().build();
        try {
          SinkGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS).write(WriteRequest.newBuilder()
              .setSink("trash").setData(ByteString.copyFromUtf8("four")).build());
        } finally {
          channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }

        PrometheusScrape scrape = PrometheusScrape.parse(get(metrics).body());
        gw.sigterm();
        int exit = gw.awaitExit(Duration.ofSeconds(30));

        assertEquals(1, scrape.value("sinkgate_records_accepted_total{route=\"trash\"}"));
        assertEquals(4, scrape.value("sinkgate_bytes_accepted_total{route=\"trash\"}"));
        assertEquals(0, exit, () -> stderrOf(gw));
        assertThrows(ConnectException.class, () -> get(metrics), "the endpoint is gone with the gateway");
      }
    }
  }

  @Test
  void serve_badMetricsListen_isAUsageError() {
    MainRun r = MainRun.of("serve", "--metrics-listen", "9464");

    assertEquals(Main.USAGE, r.exitCode());
    assertContains("--metrics-listen: '9464' is not a listen address (expected: host:port", r.err());
  }

  private static String stderrOf(GatewayProcess gw) {
    try {
      return gw.stderr();
    } catch (java.io.IOException e) {
      return "(stderr unreadable: " + e + ")";
    }
  }
}
