package dev.sinkgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.sinkgate.client.SinkClient;
import dev.sinkgate.client.SinkException;
import dev.sinkgate.client.StreamWriter;
import dev.sinkgate.proto.v1.WriteRequest;
import dev.sinkgate.server.log.LogReader;
import dev.sinkgate.server.log.LogRecord;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * A remote route with a spool, through a real outage: a steady stream of records goes to
 * an upstream gateway whose route forwards to a downstream gateway (a {@code file} route).
 * The downstream process is killed with SIGKILL in the middle of the stream and restarted
 * {@value #OUTAGE_SECONDS} s later on the same port and directory, while the writer keeps
 * writing. Every record the upstream acknowledged must arrive at the downstream exactly once
 * and in order, and the spool must drain afterwards. The second test also kills the upstream
 * gateway itself ({@code kill -9}) during the outage; the writer resends what was not
 * acknowledged (same producer id and sequence) to the restarted upstream.
 *
 * <p>Exactly once rests on producer ids: the writer's records carry one, so a resend after
 * the upstream's restart is answered as a duplicate by the spool; the forwarder's records
 * carry the spool's own, so what it replays after a crash is answered as a duplicate by the
 * downstream gateway.
 */
class RemoteOutageTest {
  static final int OUTAGE_SECONDS = 30;
  private static final Duration OUTAGE = Duration.ofSeconds(Integer.getInteger("sinkgate.outage.seconds", OUTAGE_SECONDS));
  /** The writer's steady pace: well within what the forwarder drains, so the backlog clears in seconds. */
  private static final int RECORDS_PER_SECOND = 400;
  private static final Duration START = Duration.ofSeconds(60);
  private static final Duration DRAIN = Duration.ofSeconds(120);
  private static final String PRODUCER = "remote-outage-test";

  @TempDir(cleanup = CleanupMode.ON_SUCCESS) Path tmp;

  @Test
  void downstreamKilledAndRestartedLater_everyAcknowledgedRecordArrivesOnceInOrder_andTheSpoolDrains()
      throws Exception {
    run(false);
  }

  @Test
  void upstreamAlsoKilledDuringTheOutage_everyAcknowledgedRecordArrivesOnceInOrder() throws Exception {
    run(true);
  }

  private void run(boolean killUpstreamToo) throws Exception {
    Path downLog = tmp.resolve("down-log");
    Path spool = tmp.resolve("spool");
    Path downConfig = write("down.yaml", "sinks:\n"
        + "  default: { type: file, path: \"" + downLog + "\", fsync: always }\n");
    Path downDir = Files.createDirectories(tmp.resolve("down-run"));
    Path upDir = Files.createDirectories(tmp.resolve("up-run"));
    GatewayProcess down = GatewayProcess.serve(downConfig, downDir, START);
    String downListen = "127.0.0.1:" + down.port();
    Path upConfig = write("up.yaml", "sinks:\n"
        + "  default:\n"
        + "    type: remote\n"
        + "    targets: [\"" + downListen + "\"]\n"
        + "    timeout: 2s\n"
        + "    retry: { max_attempts: 3, initial_backoff: 50ms, max_backoff: 500ms }\n"
        + "    breaker: { failure_rate: 0.5, window: 20, open_for: 1s }\n"
        + "    spool: { path: \"" + spool + "\", max_bytes: 256MiB, fsync: always, segment_bytes: 64KiB }\n");
    GatewayProcess up = GatewayProcess.serve(upConfig, upDir, START);
    Writer writer = new Writer();
    try {
      writer.connect(up.port());
      writer.writeUntil(() -> writer.acknowledged >= 2 * RECORDS_PER_SECOND, START);

      down.kill9(START);
      long outageStart = System.nanoTime();
      long ackedAtKill = writer.acknowledged;
      if (killUpstreamToo) {
        writer.writeFor(OUTAGE.dividedBy(3));
        writer.burst(200); // records in flight at the kill: resent, and answered as duplicates where stored
        up.kill9(START);
        writer.lostConnection();
        up.close();
        up = GatewayProcess.serve(upConfig, upDir, START);
        writer.connect(up.port());
      }
      writer.writeUntil(() -> System.nanoTime() - outageStart >= OUTAGE.toNanos(), OUTAGE.plus(START));
      assertTrue(writer.acknowledged > ackedAtKill + RECORDS_PER_SECOND,
          "the spool kept acknowledging while the downstream was down: " + (writer.acknowledged - ackedAtKill)
              + " records acknowledged during the outage");
      down.close();
      down = GatewayProcess.serveOn(downListen, downConfig, downDir, START);
      writer.writeFor(Duration.ofSeconds(2));
      writer.finish();

      long expected = writer.sequence;
      Poll.until(DRAIN, () -> count(downLog) >= expected,
          () -> "the spool to drain all " + expected + " records to the downstream; it has " + countOrError(downLog));
      List<LogRecord> got = LogReader.readAll(downLog);
      List<String> problems = new ArrayList<>();
      for (int i = 0; i < got.size() && problems.size() < 20; i++) {
        LogRecord r = got.get(i);
        String want = payload(i + 1);
        String have = new String(r.data(), StandardCharsets.UTF_8);
        if (!want.equals(have)) {
          problems.add("downstream offset " + i + ": expected " + label(want) + ", found " + label(have));
        } else if (!r.key().equals(key(i + 1)) || !r.headers().equals(Map.of("n", Long.toString(i + 1)))) {
          problems.add("downstream offset " + i + ": key/headers " + r.key() + " " + r.headers());
        }
      }
      assertEquals(List.of(), problems, "records at the downstream, in order, each once");
      assertEquals(expected, got.size(), "records at the downstream (each acknowledged record exactly once)");
      Poll.until(DRAIN, () -> segments(spool) <= 2,
          () -> "the forwarder to delete the spool's forwarded segments; " + segmentsOrError(spool) + " remain");
      System.out.println("RemoteOutageTest[killUpstream=" + killUpstreamToo + "]: " + expected
          + " records acknowledged, " + (writer.acknowledged - ackedAtKill)
          + " of them during the outage, all at the downstream once and in order; "
          + writer.resent + " resent after the upstream's restart");
    } finally {
      writer.close();
      up.close();
      down.close();
    }
  }

  private Path write(String name, String text) throws IOException {
    return Files.writeString(tmp.resolve(name), text);
  }

  static String payload(long n) {
    return "record-" + n + "-" + "x".repeat((int) (n % 97));
  }

  /** "record-N" of a payload, without its padding. */
  private static String label(String payload) {
    int end = payload.indexOf('-', "record-".length());
    return end < 0 ? payload : payload.substring(0, end);
  }

  static String key(long n) {
    return "k" + (n % 7);
  }

  private static long count(Path log) {
    try {
      return LogReader.read(log, 0, r -> {});
    } catch (IOException e) {
      return -1;
    }
  }

  private static String countOrError(Path log) {
    try {
      return Long.toString(LogReader.read(log, 0, r -> {}));
    } catch (IOException e) {
      return e.toString();
    }
  }

  private static long segments(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().matches("\\d{20}\\.log")).count();
    } catch (IOException e) {
      return Long.MAX_VALUE;
    }
  }

  private static String segmentsOrError(Path dir) {
    long n = segments(dir);
    return n == Long.MAX_VALUE ? "(cannot list " + dir + ")" : Long.toString(n);
  }

  /**
   * Writes records 1, 2, 3, … at a steady pace over a stream, each with the test's producer
   * id and its number as sequence. After a lost connection it resends, on the next
   * connection, every record that was not acknowledged.
   */
  private static final class Writer implements AutoCloseable {
    private SinkClient client;
    private StreamWriter stream;
    private final List<WriteRequest> toResend = new ArrayList<>();
    long sequence;
    long acknowledged;
    long resent;
    /** Records acknowledged on earlier connections. */
    private long ackBase;
    private long paceStart;
    private long pacedRecords;

    void connect(int port) {
      client = SinkClient.builder("127.0.0.1:" + port).deadline(Duration.ofSeconds(30)).build();
      stream = client.openStream(256);
      for (WriteRequest r : toResend) {
        stream.write(r);
        resent++;
      }
      toResend.clear();
      paceStart = System.nanoTime();
      pacedRecords = 0;
    }

    void writeFor(Duration d) {
      long end = System.nanoTime() + d.toNanos();
      writeUntil(() -> System.nanoTime() - end >= 0, d.plus(START));
    }

    void writeUntil(java.util.function.BooleanSupplier done, Duration bound) {
      long limit = System.nanoTime() + bound.toNanos();
      while (!done.getAsBoolean()) {
        if (System.nanoTime() - limit > 0) {
          throw new AssertionError("writer: condition not reached within " + bound + "; " + sequence
              + " records sent, " + acknowledged + " acknowledged");
        }
        stream.write(request(++sequence));
        acknowledged = ackBase + stream.acknowledged();
        pace();
      }
    }

    /** Sends {@code n} records at once, without waiting for the pace or for their acks. */
    void burst(int n) {
      for (int i = 0; i < n; i++) {
        long seq = ++sequence;
        stream.write(request(seq));
      }
    }

    private static WriteRequest request(long n) {
      return WriteRequest.newBuilder()
          .setSink("default")
          .setData(ByteString.copyFromUtf8(payload(n)))
          .setKey(key(n))
          .putHeaders("n", Long.toString(n))
          .setProducerId(PRODUCER)
          .setSequence(n)
          .build();
    }

    /** Waits until the pace allows the next record: a steady stream, not a burst. */
    private void pace() {
      pacedRecords++;
      long due = paceStart + TimeUnit.SECONDS.toNanos(pacedRecords) / RECORDS_PER_SECOND;
      long wait = due - System.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(wait);
      }
    }

    /** The connection died (the upstream was killed): keep what was not acknowledged for the next one. */
    void lostConnection() {
      try {
        stream.close();
        throw new AssertionError("the stream to a killed gateway closed without an error");
      } catch (StreamWriter.StreamFailedException e) {
        toResend.addAll(e.unacknowledged());
        ackBase += e.acknowledged();
        acknowledged = ackBase;
      } catch (SinkException e) {
        throw new AssertionError("the stream failed without handing back its unacknowledged records", e);
      }
      client.close();
      client = null;
    }

    /** Flushes and closes the stream: every record sent is acknowledged. */
    void finish() {
      stream.close();
      acknowledged = ackBase + stream.acknowledged();
      assertEquals(sequence, acknowledged, "records acknowledged after the writer's close");
    }

    @Override
    public void close() {
      if (client != null) {
        client.close();
      }
    }
  }
}
