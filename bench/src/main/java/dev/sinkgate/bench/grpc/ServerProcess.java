package dev.sinkgate.bench.grpc;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A server under test as a child JVM on this harness's class path: the floor or a
 * gateway. Started with the same JVM options for every server, it prints one start-up line
 * on stderr naming its address and metrics endpoint, which is waited for and parsed. CPU
 * and memory are read from {@code /proc} ({@link ProcStats}), so they are the server's
 * alone. {@link #close()} sends SIGTERM (the gateway drains) and waits, then kills.
 */
final class ServerProcess implements MeasuredServer, AutoCloseable {
  private static final Pattern ADDRESS = Pattern.compile(" on (\\d+\\.\\d+\\.\\d+\\.\\d+:\\d+)");
  private static final Pattern METRICS = Pattern.compile("metrics on (http://\\S+/metrics)");
  private static final Duration START = Duration.ofSeconds(90);

  private final String name;
  private final Process process;
  private final Path stderr;
  private final String address;
  private final URI metrics;
  private final ProcStats stats;

  private ServerProcess(String name, Process process, Path stderr, String address, URI metrics) {
    this.name = name;
    this.process = process;
    this.stderr = stderr;
    this.address = address;
    this.metrics = metrics;
    this.stats = new ProcStats(process.pid());
  }

  /**
   * Starts {@code mainClass} with {@code args} in a JVM with {@code jvmOptions}, its output
   * in {@code dir/NAME.out} and {@code dir/NAME.err}, and waits for its start-up line.
   */
  static ServerProcess start(String name, List<String> jvmOptions, String mainClass, List<String> args, Path dir)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(mainClass);
    command.addAll(args);
    Path out = dir.resolve(name + ".out");
    Path err = dir.resolve(name + ".err");
    Process p = new ProcessBuilder(command).directory(dir.toFile())
        .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    long deadline = System.nanoTime() + START.toNanos();
    try {
      while (true) {
        String text = Files.exists(err) ? Files.readString(err) : "";
        Matcher m = METRICS.matcher(text);
        Matcher a = ADDRESS.matcher(text);
        if (m.find() && a.find()) {
          return new ServerProcess(name, p, err, a.group(1), URI.create(m.group(1)));
        }
        if (!p.isAlive()) {
          throw new IOException(name + " exited with " + p.exitValue() + " before serving: " + tail(text));
        }
        if (System.nanoTime() - deadline > 0) {
          throw new IOException(name + " printed no start-up line with its address and metrics within "
              + START.toSeconds() + " s: " + tail(text));
        }
        p.waitFor(20, TimeUnit.MILLISECONDS);
      }
    } catch (IOException | InterruptedException | RuntimeException e) {
      p.destroyForcibly();
      throw e;
    }
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String address() {
    return address;
  }

  int port() {
    return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
  }

  long pid() {
    return process.pid();
  }

  @Override
  public ProcStats stats() {
    return stats;
  }

  String scrape() {
    return Metrics.scrape(metrics);
  }

  @Override
  public long accepted(String route) {
    return Metrics.sum(scrape(), "sinkgate_records_accepted_total", route);
  }

  @Override
  public long fsyncs(String route) {
    return Metrics.sum(scrape(), "sinkgate_fsyncs_total", route);
  }

  boolean alive() {
    return process.isAlive();
  }

  /** SIGTERM, then up to 30 s for a drain, then SIGKILL. Returns the exit code (or -1 if killed). */
  int stop() throws InterruptedException {
    process.destroy();
    if (process.waitFor(30, TimeUnit.SECONDS)) {
      return process.exitValue();
    }
    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    return -1;
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      stop();
    }
  }

  String stderrTail() {
    try {
      return tail(Files.readString(stderr));
    } catch (IOException e) {
      return "(cannot read " + stderr + ": " + e + ")";
    }
  }

  private static String tail(String text) {
    return text.length() <= 2000 ? text : "…" + text.substring(text.length() - 2000);
  }

  @Override
  public String toString() {
    return name + " (pid " + pid() + ", " + address + ")";
  }
}
