package dev.sinkgate.server.config;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * The whole gateway configuration, validated.
 *
 * @param source where it came from (a file path, or "embedded default")
 * @param listen where to serve gRPC: {@link InetSocketAddress}es and
 *     {@link java.net.UnixDomainSocketAddress}es
 * @param socketMode the permissions of every Unix socket file the gateway creates
 * @param drainTimeout how long SIGTERM waits for in-flight writes
 * @param sinks the routes, in file order
 * @param metricsListen where to serve {@code GET /metrics} over HTTP, or null for no endpoint
 * @param healthListen where to serve only {@code grpc.health.v1.Health} (for kubelet's gRPC
 *     probes), or null for no such listener
 */
public record GatewayConfig(String source, List<SocketAddress> listen, Set<PosixFilePermission> socketMode,
    Duration drainTimeout, List<SinkConfig> sinks, InetSocketAddress metricsListen, InetSocketAddress healthListen) {

  public GatewayConfig {
    listen = List.copyOf(listen);
    socketMode = Set.copyOf(socketMode);
    sinks = List.copyOf(sinks);
  }

  public GatewayConfig withListen(List<SocketAddress> addresses) {
    return new GatewayConfig(source, addresses, socketMode, drainTimeout, sinks, metricsListen, healthListen);
  }

  public GatewayConfig withSocketMode(Set<PosixFilePermission> mode) {
    return new GatewayConfig(source, listen, mode, drainTimeout, sinks, metricsListen, healthListen);
  }

  public GatewayConfig withDrainTimeout(Duration timeout) {
    return new GatewayConfig(source, listen, socketMode, timeout, sinks, metricsListen, healthListen);
  }

  public GatewayConfig withMetricsListen(InetSocketAddress address) {
    return new GatewayConfig(source, listen, socketMode, drainTimeout, sinks, address, healthListen);
  }

  public GatewayConfig withHealthListen(InetSocketAddress address) {
    return new GatewayConfig(source, listen, socketMode, drainTimeout, sinks, metricsListen, address);
  }
}
