package dev.sinkgate.server.config;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

/**
 * The whole gateway configuration, validated.
 *
 * @param source where it came from (a file path, or "embedded default")
 * @param listen the addresses to serve on
 * @param drainTimeout how long SIGTERM waits for in-flight writes
 * @param sinks the routes, in file order
 * @param metricsListen where to serve {@code GET /metrics} over HTTP, or null for no endpoint
 */
public record GatewayConfig(String source, List<InetSocketAddress> listen, Duration drainTimeout,
    List<SinkConfig> sinks, InetSocketAddress metricsListen) {

  public GatewayConfig withListen(List<InetSocketAddress> addresses) {
    return new GatewayConfig(source, List.copyOf(addresses), drainTimeout, sinks, metricsListen);
  }

  public GatewayConfig withDrainTimeout(Duration timeout) {
    return new GatewayConfig(source, listen, timeout, sinks, metricsListen);
  }

  public GatewayConfig withMetricsListen(InetSocketAddress address) {
    return new GatewayConfig(source, listen, drainTimeout, sinks, address);
  }
}
