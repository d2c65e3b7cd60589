package dev.sinkgate.server.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The admin HTTP endpoint: {@code GET /metrics} answers the Prometheus text the given
 * supplier produces; any other path is 404 and any other method on {@code /metrics} 405.
 * Built on the JDK's own {@code com.sun.net.httpserver}, so it adds no dependency, with
 * one handler thread of its own (scrapes are rare and cheap; they never touch the gRPC
 * event loops).
 *
 * <p>It serves plain HTTP with no authentication: bind it to loopback or a private
 * interface. Closing stops the listener, cuts any scrape in progress and ends the thread;
 * it is idempotent.
 */
public final class MetricsServer implements AutoCloseable {
  /** The path served. */
  public static final String PATH = "/metrics";

  private final HttpServer server;
  private final InetSocketAddress address;
  private final ExecutorService executor;
  private final Supplier<String> body;
  private boolean closed;

  private MetricsServer(HttpServer server, ExecutorService executor, Supplier<String> body) {
    this.server = server;
    this.address = server.getAddress();
    this.executor = executor;
    this.body = body;
  }

  /**
   * Binds {@code address} (port 0: any free port) and starts serving {@code body()} on
   * {@code GET /metrics}.
   *
   * @throws IOException if the address cannot be bound; the message names it
   */
  public static MetricsServer start(InetSocketAddress address, Supplier<String> body) throws IOException {
    HttpServer server;
    try {
      server = HttpServer.create(address, 16);
    } catch (IOException e) {
      throw new IOException("cannot serve metrics on " + address.getHostString() + ":" + address.getPort()
          + ": " + e.getMessage(), e);
    }
    // One thread; its queue holds at most one exchange per open connection.
    ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "sinkgate-metrics");
      t.setDaemon(true);
      return t;
    });
    MetricsServer metrics = new MetricsServer(server, executor, body);
    server.setExecutor(executor);
    server.createContext("/", metrics::handle);
    server.start();
    return metrics;
  }

  /** The address bound (port 0 resolved). */
  public InetSocketAddress address() {
    return address;
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getPath();
      if (!PATH.equals(path)) {
        reply(exchange, 404, "text/plain; charset=utf-8",
            "no such path: " + path + " (this endpoint serves GET " + PATH + ")\n");
      } else if (!"GET".equals(exchange.getRequestMethod())) {
        exchange.getResponseHeaders().set("Allow", "GET");
        reply(exchange, 405, "text/plain; charset=utf-8",
            "method " + exchange.getRequestMethod() + " not allowed on " + PATH + " (expected: GET)\n");
      } else {
        String text;
        try {
          text = body.get();
        } catch (RuntimeException e) {
          reply(exchange, 500, "text/plain; charset=utf-8", "reading the metrics failed: " + e + " (a bug)\n");
          return;
        }
        reply(exchange, 200, PrometheusText.CONTENT_TYPE, text);
      }
    }
  }

  private static void reply(HttpExchange exchange, int status, String contentType, String text) throws IOException {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", contentType);
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  /** Stops listening, closes open connections and ends the handler thread. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    server.stop(0);
    executor.shutdownNow();
    try {
      // A handler is interrupted mid-scrape at worst; the thread is a daemon, so a stuck one cannot hold the JVM.
      executor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return "MetricsServer(http://" + address.getHostString() + ":" + address.getPort() + PATH + ")";
  }
}
