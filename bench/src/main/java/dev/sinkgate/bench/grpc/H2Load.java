package dev.sinkgate.bench.grpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import dev.sinkgate.proto.v1.WriteRequest;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * gRPC load from {@code h2load} (nghttp2's HTTP/2 benchmark client, Debian package
 * {@code nghttp2-client}): an independent C client, so the Java client's own costs are out
 * of the picture. h2load knows nothing of gRPC; it POSTs a body file of length-prefixed
 * messages ({@link #writeBody}) with {@code content-type: application/grpc} and
 * {@code te: trailers}: one message is a unary {@code Write}, N messages one
 * client-streaming {@code WriteStream} call.
 *
 * <p><b>What h2load cannot see.</b> It counts a request as succeeded on a 2xx HTTP
 * status, but a gRPC call's outcome is the {@code grpc-status} in the trailers, which
 * h2load does not read: a call that failed with {@code RESOURCE_EXHAUSTED} is still a
 * "success" here. The harness therefore checks the server's own counters against
 * {@link Result#matchesServerCount}. Its {@code bytesPerSecond} is what h2load
 * <i>received</i> (responses and trailers), not the payload it sent; payload MB/s is
 * {@code succeeded × messages × record bytes ÷ duration}.
 *
 * <p>Stateless: every method is static, and each run is its own h2load process.
 */
public final class H2Load {
  /** The executable, found on the {@code PATH}. */
  static final String COMMAND = "h2load";
  /** How long past warm-up + duration a run may take before it is killed (start-up, slow teardown). */
  private static final Duration GRACE = Duration.ofSeconds(30);
  /** Fixed, so every body of the same shape is byte-for-byte the same across runs. */
  private static final long SEED = 0x5eed_6a7eL;
  /** gRPC's message prefix: the compressed flag and the length. */
  private static final int PREFIX_BYTES = 5;

  private H2Load() {}

  /** What to run: h2load's {@code -c}, {@code -m}, {@code -t}, {@code --warm-up-time}, {@code -D}. */
  public record Spec(String uri, Path body, int clients, int streamsPerClient, int threads,
                     Duration warmup, Duration duration) {
    /**
     * @param uri the method's URL, e.g. {@code http://127.0.0.1:PORT/sinkgate.v1.Sink/Write}
     *     (h2c with prior knowledge: plain HTTP/2, no TLS)
     * @param body a file from {@link #writeBody}, sent whole as each request's body
     * @param clients connections ({@code -c})
     * @param streamsPerClient concurrent calls per connection ({@code -m}); h2load starts the
     *     next call on a connection as soon as one finishes, a closed loop of
     *     {@code clients × streamsPerClient} calls
     * @param threads h2load's threads ({@code -t}), at most {@code clients}
     * @param warmup load that is not counted ({@code --warm-up-time}); zero for none. The
     *     server still sees it, so a run checked against server counters has none
     * @param duration the counted part ({@code -D}), at least a millisecond
     */
    public Spec {
      if (uri == null || !uri.startsWith("http://")) {
        throw new IllegalArgumentException("uri: " + uri + " (expected: http://HOST:PORT/sinkgate.v1.Sink/METHOD)");
      }
      if (body == null) {
        throw new IllegalArgumentException("body: null (expected: a file from H2Load.writeBody)");
      }
      positive("clients", clients);
      positive("streamsPerClient", streamsPerClient);
      positive("threads", threads);
      if (threads > clients) {
        throw new IllegalArgumentException("threads: " + threads + " (expected: at most clients, " + clients + ")");
      }
      if (warmup == null || warmup.isNegative()) {
        throw new IllegalArgumentException("warmup: " + warmup + " (expected: >= 0)");
      }
      if (duration == null || duration.toMillis() < 1) {
        throw new IllegalArgumentException("duration: " + duration + " (expected: >= 1ms)");
      }
    }

    /** The h2load command line for this spec. */
    List<String> command() {
      List<String> c = new ArrayList<>(List.of(COMMAND,
          "-c", Integer.toString(clients), "-m", Integer.toString(streamsPerClient), "-t", Integer.toString(threads),
          "-H", "content-type: application/grpc", "-H", "te: trailers",
          "-d", body.toString()));
      if (!warmup.isZero()) {
        c.addAll(List.of("--warm-up-time", warmup.toMillis() + "ms"));
      }
      c.addAll(List.of("-D", duration.toMillis() + "ms", uri));
      return c;
    }
  }

  /**
   * What h2load reported for the counted part of a run (after warm-up). {@code raw} is its
   * whole output, to keep in the run's JSON.
   *
   * @param requestsStarted calls started in the counted part
   * @param done calls that ended, {@code succeeded + failed}
   * @param succeeded calls with a 2xx HTTP status (not necessarily grpc-status OK; see {@link H2Load})
   * @param failed calls that ended otherwise
   * @param errored calls that ended on a stream or connection error
   * @param timeout calls that timed out (h2load's own timeouts, unset here)
   * @param requestsPerSecond {@code done ÷ duration}, as h2load computes it
   * @param bytesPerSecond bytes h2load received per second (responses, not the payload sent)
   * @param latencyMeanMillis mean time per call, request start to response end
   * @param latencyMaxMillis longest time per call
   */
  public record Result(long requestsStarted, long done, long succeeded, long failed, long errored, long timeout,
                       double requestsPerSecond, double bytesPerSecond, double latencyMeanMillis,
                       double latencyMaxMillis, String raw) {
    /**
     * Whether {@code serverCalls}, the number of calls the server completed during a run
     * <b>without warm-up</b>, agrees with this result: every call h2load saw succeed was
     * completed by the server, and the server completed no call h2load did not start. The
     * two differ by the calls in flight when the duration ended (at most
     * {@code clients × streamsPerClient}): h2load stops without waiting for them, and the
     * server may have completed them. For streaming calls compare calls, or records
     * divided by the messages per body.
     */
    public boolean matchesServerCount(long serverCalls) {
      return serverCalls >= succeeded && serverCalls <= requestsStarted;
    }
  }

  /** {@code http://127.0.0.1:PORT/sinkgate.v1.Sink/METHOD}: a method of a loopback server, for {@link Spec#uri}. */
  public static String uri(int port, String method) {
    return "http://127.0.0.1:" + port + "/sinkgate.v1.Sink/" + method;
  }

  /** Whether {@code h2load} can be run here (it is on the PATH and answers {@code --version}). */
  public static boolean available() {
    try {
      Process p = new ProcessBuilder(COMMAND, "--version").redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return false;
      }
      return p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /**
   * Writes a request body of {@code messages} gRPC length-prefixed {@code WriteRequest}s
   * (a 0 compressed-flag byte, the 4-byte big-endian length, the message) to {@code file},
   * each for route {@code sink} with {@code recordBytes} of deterministic pseudo-random data
   * (different in each message, the same in every body of the same shape). One message is a
   * unary body, more a client-streaming one. Returns {@code file}.
   */
  public static Path writeBody(Path file, String sink, int recordBytes, int messages) throws IOException {
    if (sink == null) {
      throw new IllegalArgumentException("sink: null (expected: a route name, or \"\" for default)");
    }
    if (recordBytes < 0) {
      throw new IllegalArgumentException("recordBytes: " + recordBytes + " (expected: >= 0)");
    }
    positive("messages", messages);
    SplittableRandom random = new SplittableRandom(SEED);
    byte[] data = new byte[recordBytes];
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
      CodedOutputStream coded = CodedOutputStream.newInstance(out);
      for (int i = 0; i < messages; i++) {
        random.nextBytes(data);
        WriteRequest request = WriteRequest.newBuilder().setSink(sink).setData(ByteString.copyFrom(data)).build();
        coded.writeRawBytes(ByteBuffer.allocate(PREFIX_BYTES).put((byte) 0) // not compressed
            .putInt(request.getSerializedSize()).flip()); // ByteBuffer is big-endian, as gRPC's prefix
        request.writeTo(coded);
      }
      coded.flush();
    }
    return file;
  }

  /**
   * Runs h2load as {@code spec} says, waits for it (at most warm-up + duration + 30 s) and
   * parses its report.
   *
   * @throws IOException if h2load cannot start, exits with a non-zero code, runs too long
   *     (it is killed), starts no call (it exits 0 when it cannot connect), or prints a report
   *     this parser does not understand; the message carries its output
   */
  public static Result run(Spec spec) throws IOException, InterruptedException {
    Path output = Files.createTempFile("h2load-", ".out");
    try {
      Process p = new ProcessBuilder(spec.command()).redirectErrorStream(true)
          .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
          .redirectOutput(output.toFile()).start();
      Duration limit = spec.warmup().plus(spec.duration()).plus(GRACE);
      boolean exited;
      try {
        exited = p.waitFor(limit.toNanos(), TimeUnit.NANOSECONDS);
      } finally {
        if (p.isAlive()) {
          p.destroyForcibly().waitFor(10, TimeUnit.SECONDS); // killed too on interrupt: it is ours
        }
      }
      String raw = Files.readString(output, StandardCharsets.UTF_8);
      if (!exited) {
        throw new IOException("h2load ran longer than " + limit + " and was killed: " + spec.command() + "\n" + raw);
      }
      if (p.exitValue() != 0) {
        throw new IOException("h2load exited with code " + p.exitValue() + ": " + spec.command() + "\n" + raw);
      }
      Result result = parse(raw);
      if (result.requestsStarted() == 0 && result.done() == 0) {
        // h2load exits 0 when it cannot connect at all; a run with no call measured nothing.
        throw new IOException("h2load started no call (is a server listening at " + spec.uri() + "?): "
            + spec.command() + "\n" + raw);
      }
      return result;
    } finally {
      Files.deleteIfExists(output);
    }
  }

  private static final Pattern FINISHED = Pattern.compile(
      "^finished in [^,]+, ([0-9.]+) req/s, ([0-9.]+)([KMG]?)B/s$", Pattern.MULTILINE);
  private static final Pattern REQUESTS = Pattern.compile("^requests: (.*)$", Pattern.MULTILINE);
  private static final Pattern REQUEST_TIME = Pattern.compile(
      "^time for request:\\s+(\\S+)\\s+(\\S+)\\s+(\\S+)\\s+", Pattern.MULTILINE);
  private static final Pattern TIME = Pattern.compile("([0-9.]+)(us|ms|s)");

  /** Parses h2load's report (nghttp2 1.52's format); fails with the report if a line is missing. */
  static Result parse(String raw) throws IOException {
    Matcher finished = find(FINISHED, raw);
    Matcher requests = find(REQUESTS, raw);
    Matcher time = find(REQUEST_TIME, raw);
    String counts = requests.group(1);
    return new Result(count(counts, "started", raw), count(counts, "done", raw), count(counts, "succeeded", raw),
        count(counts, "failed", raw), count(counts, "errored", raw), count(counts, "timeout", raw),
        Double.parseDouble(finished.group(1)),
        Double.parseDouble(finished.group(2)) * binaryUnit(finished.group(3)),
        millis(time.group(3), raw), millis(time.group(2), raw), raw);
  }

  private static Matcher find(Pattern pattern, String raw) throws IOException {
    Matcher m = pattern.matcher(raw);
    if (!m.find()) {
      throw new IOException("h2load's report has no line matching '" + pattern + "':\n" + raw);
    }
    return m;
  }

  private static long count(String counts, String name, String raw) throws IOException {
    Matcher m = Pattern.compile("(\\d+) " + name + "\\b").matcher(counts);
    if (!m.find()) {
      throw new IOException("h2load's requests line has no '" + name + "' count: " + counts + "\n" + raw);
    }
    return Long.parseLong(m.group(1));
  }

  /** h2load prints sizes with 1024-based K, M, G (checked against its exact byte counts). */
  private static double binaryUnit(String unit) {
    return switch (unit) {
      case "K" -> 1024.0;
      case "M" -> 1024.0 * 1024;
      case "G" -> 1024.0 * 1024 * 1024;
      default -> 1.0;
    };
  }

  private static double millis(String text, String raw) throws IOException {
    Matcher m = TIME.matcher(text);
    if (!m.matches()) {
      throw new IOException("h2load printed a time '" + text + "' (expected: a number with us, ms or s):\n" + raw);
    }
    double value = Double.parseDouble(m.group(1));
    return switch (m.group(2).toLowerCase(Locale.ROOT)) {
      case "us" -> value / 1000;
      case "ms" -> value;
      default -> value * 1000;
    };
  }

  private static void positive(String name, int value) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + ": " + value + " (expected: > 0)");
    }
  }
}
