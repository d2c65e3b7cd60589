package dev.sinkgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.sinkgate.client.SinkClient;
import dev.sinkgate.client.SinkException;
import dev.sinkgate.client.StreamWriter;
import dev.sinkgate.proto.v1.Durability;
import dev.sinkgate.server.log.CheckedData;
import dev.sinkgate.server.log.LogReader;
import dev.sinkgate.server.log.LogRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * The file log under {@code kill -9}: a real gateway process takes concurrent
 * WriteStreams into a {@code file} route and is killed with SIGKILL at a random moment,
 * restarted on the same directory, written to again and killed again,
 * {@value #CYCLES_PER_LOG} times per log directory, over as many directories as the cycles
 * need. After every restart (recovery done, before new writers start) the log is read back
 * and checked: every acknowledged record is there, every record read has a valid checksum,
 * offsets are 0..n-1, and each stream's records are there in order, as a prefix of what it
 * sent (a record written but not acknowledged before the kill may or may not be there).
 *
 * <p>A SIGKILL is a process crash, not a power loss: the kernel keeps what the gateway
 * handed to {@code write}, so even {@code fsync: never}, which acknowledges at
 * {@code DURABILITY_WRITTEN}, must not lose an acknowledged record.
 *
 * <p>{@value #CI_CYCLES} cycles per fsync mode by default; {@code -Dsinkgate.soak=true} runs
 * {@value #SOAK_CYCLES}, {@code -Dsinkgate.killnine.cycles=N} any number. The seed of the
 * kill moments and payloads is printed; {@code -Dsinkgate.killnine.seed=S} replays them
 * (thread scheduling, and so the exact kill point in the stream, still varies).
 */
@Execution(ExecutionMode.CONCURRENT) // the two fsync modes side by side: each has its own gateway and directory
@Timeout(value = 20, unit = TimeUnit.MINUTES) // its CI form takes minutes per mode on two shared cores
class KillNineLoopTest {
  static final int CI_CYCLES = 50;
  static final int SOAK_CYCLES = 1000;
  private static final int WRITERS = 3;
  /** Records in flight per stream: enough to keep group commits busy, small enough to keep the log small. */
  private static final int WINDOW = 64;
  private static final int MAX_PAYLOAD = 2048;
  /**
   * The kill lands this long after every stream has its first ack, plus up to
   * {@link #KILL_SPREAD_MS}: by then each stream has hundreds to thousands of records
   * acknowledged and a group commit in flight.
   */
  private static final int KILL_AFTER_MS = 50;
  private static final int KILL_SPREAD_MS = 300;
  /**
   * Kill cycles on one log directory before the next starts afresh: the check after every
   * restart reads the whole log, so this keeps the checks, and a soak's disk use, bounded.
   */
  private static final int CYCLES_PER_LOG = 10;
  // Generous bounds for a small shared machine; none of them is a sleep.
  private static final Duration START = Duration.ofSeconds(60);
  private static final Duration FIRST_ACKS = Duration.ofSeconds(30);
  private static final Duration EXIT = Duration.ofSeconds(30);
  private static final Duration WRITER_END = Duration.ofSeconds(30);
  private static final Duration CALL_DEADLINE = Duration.ofSeconds(10);
  private static final int SIGKILL_EXIT_CODE = 128 + 9;

  /** Kept when a test fails, for inspection (the failure names the log directory). */
  @TempDir(cleanup = CleanupMode.ON_SUCCESS) Path tmp;

  @Test
  void killNineLoop_fsyncAlways_losesNoAcknowledgedRecordAndServesNoCorruptOne() throws Exception {
    runLoop("always", Durability.DURABILITY_SYNCED);
  }

  @Test
  void killNineLoop_fsyncInterval_losesNoAcknowledgedRecordAndServesNoCorruptOne() throws Exception {
    runLoop("interval, fsync_interval: 50ms", Durability.DURABILITY_WRITTEN);
  }

  @Test
  void killNineLoop_fsyncNever_losesNoAcknowledgedRecordAndServesNoCorruptOne() throws Exception {
    runLoop("never", Durability.DURABILITY_WRITTEN);
  }

  private void runLoop(String fsync, Durability expectedDurability) throws Exception {
    int cycles = Integer.getInteger("sinkgate.killnine.cycles",
        Boolean.getBoolean("sinkgate.soak") ? SOAK_CYCLES : CI_CYCLES);
    long seed = Long.getLong("sinkgate.killnine.seed", System.nanoTime());
    String name = "KillNineLoopTest[fsync " + fsync + "]";
    System.out.println(name + ": seed " + seed + " (replay with -Dsinkgate.killnine.seed=" + seed + "), "
        + cycles + " cycles");
    SplittableRandom random = new SplittableRandom(seed);
    Path runDir = Files.createDirectories(tmp.resolve("run"));
    Totals totals = new Totals();
    long started = System.nanoTime();
    for (int first = 0; first < cycles; first += CYCLES_PER_LOG) {
      int last = Math.min(cycles, first + CYCLES_PER_LOG);
      Path logDir = tmp.resolve("log-" + first);
      Path config = tmp.resolve("sinkgate-" + first + ".yaml");
      Files.writeString(config, "listen: [\"127.0.0.1:0\"]\n"
          + "sinks:\n"
          // Small segments, so that kills also land in rolls and recovery meets many segments.
          + "  default: { type: file, path: \"" + logDir + "\", fsync: " + fsync + ", segment_bytes: 64KiB }\n");
      Ledger ledger = new Ledger();
      // One start more than kills: the last start only recovers and checks.
      for (int cycle = first; cycle <= last; cycle++) {
        try (GatewayProcess gateway = GatewayProcess.serve(config, runDir, START)) {
          if (cycle > first) {
            int tornBefore = ledger.tornTails;
            Check check = ledger.verify(logDir);
            if (check.tornTails > tornBefore) {
              totals.tornWarnings += countOccurrences(gateway.stderr(), "bytes of a torn record");
            }
            if (!check.problems.isEmpty()) {
              totals.add(ledger);
              System.out.println(totals.figures(name, cycle, seed, started));
              fail(name + ": after the restart that followed the kill in cycle " + (cycle - 1) + " (seed " + seed
                  + "): acknowledged records lost " + check.lost + ", corrupt records served " + check.corrupt
                  + ", out of order " + check.outOfOrder + ", in " + logDir + "; first problems:\n  "
                  + String.join("\n  ", check.problems.subList(0, Math.min(20, check.problems.size()))));
            }
          }
          if (cycle < last) {
            writeAndKill(gateway, cycle, random, ledger, expectedDurability);
          }
        }
      }
      totals.add(ledger);
      deleteRecursively(logDir); // a soak would otherwise fill the disk
    }
    System.out.println(totals.figures(name, cycles, seed, started));
    assertEquals(totals.tornTails, totals.tornWarnings,
        "torn-tail files vs recovery warnings on the gateway's stderr");
    assertTrue(totals.acknowledged > 0, "nothing was acknowledged in " + cycles + " cycles");
  }

  /**
   * Starts the writers on {@code gateway}, waits for a first ack on every stream, kills
   * the gateway with SIGKILL after a random delay and records what was acknowledged.
   */
  private static void writeAndKill(GatewayProcess gateway, int cycle, SplittableRandom random, Ledger ledger,
      Durability expectedDurability) throws Exception {
    List<Writer> writers = new ArrayList<>();
    CountDownLatch anyEnded = new CountDownLatch(1);
    try {
      for (int w = 0; w < WRITERS; w++) {
        Writer writer = new Writer((long) cycle * WRITERS + w, random.split(), gateway.port(), anyEnded);
        writers.add(writer);
        writer.start();
      }
      Poll.until(FIRST_ACKS, () -> writers.stream().allMatch(w -> w.acknowledged() > 0 || w.ended()),
          () -> "a first ack on every stream in cycle " + cycle + ": " + writers);
      for (Writer w : writers) {
        assertTrue(w.acknowledged() > 0, () -> "cycle " + cycle + ": a stream ended before its first ack: " + w);
      }
      long killAfter = KILL_AFTER_MS + random.nextInt(KILL_SPREAD_MS + 1);
      // The random kill moment is the point of this wait; it ends early if a stream fails on its own.
      anyEnded.await(killAfter, TimeUnit.MILLISECONDS);
      for (Writer w : writers) {
        assertTrue(!w.ended(), () -> "cycle " + cycle + ": a stream ended before the kill: " + w);
      }
      int exitCode = gateway.kill9(EXIT);
      assertEquals(SIGKILL_EXIT_CODE, exitCode, () -> "cycle " + cycle + ": exit code after SIGKILL");
    } finally {
      for (Writer w : writers) {
        w.stopAndJoin();
      }
    }
    for (Writer w : writers) {
      ledger.acknowledged(w.id, w.acknowledged());
      assertEquals(expectedDurability, w.durability(), () -> "cycle " + cycle + ": durability acknowledged to " + w);
    }
  }

  private static void deleteRecursively(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  /** Figures over every log of one run. */
  private static final class Totals {
    long acknowledged;
    long lost;
    long corrupt;
    long outOfOrder;
    long unacknowledgedKept;
    long records;
    int tornTails;
    int tornWarnings;

    void add(Ledger ledger) {
      Check c = ledger.lastCheck;
      acknowledged += ledger.totalAcknowledged();
      lost += c.lost;
      corrupt += c.corrupt;
      outOfOrder += c.outOfOrder;
      unacknowledgedKept += c.unacknowledgedKept;
      records += c.records;
      tornTails += c.tornTails;
    }

    String figures(String name, int cycles, long seed, long startedNanos) {
      return String.format("%s: cycles %d, records acknowledged %d, acknowledged records lost %d,"
              + " corrupt records served %d, torn tails cut %d (out of order %d, unacknowledged records kept %d,"
              + " records read %d, %d s, seed %d)",
          name, cycles, acknowledged, lost, corrupt, tornTails, outOfOrder, unacknowledgedKept, records,
          (System.nanoTime() - startedNanos) / 1_000_000_000, seed);
    }
  }

  private static int countOccurrences(String text, String what) {
    int n = 0;
    for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + what.length())) {
      n++;
    }
    return n;
  }

  /** What the writers were told is stored, and what the log held at the last check. */
  private static final class Ledger {
    /** Writer id → records acknowledged on its stream (its first N records). */
    private final Map<Long, Long> acknowledged = new HashMap<>();
    private Check lastCheck;
    private int tornTails;

    void acknowledged(long writerId, long count) {
      acknowledged.put(writerId, count);
    }

    long totalAcknowledged() {
      return acknowledged.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Reads the whole log and checks it against the acknowledgements so far. */
    Check verify(Path logDir) throws IOException {
      Check check = new Check();
      List<LogRecord> records = LogReader.readAll(logDir);
      check.records = records.size();
      Map<Long, Long> present = new HashMap<>(); // writer id → how many of its first records are in the log
      for (int i = 0; i < records.size(); i++) {
        LogRecord r = records.get(i);
        if (r.offset() != i) {
          check.problem("offset " + r.offset() + " at position " + i + " (expected offsets 0..n-1)");
        }
        CheckedData d = CheckedData.decode(r.data());
        if (d == null || !acknowledged.containsKey(d.writer())) {
          check.corrupt++;
          check.problem("offset " + r.offset() + ": " + r.data().length + " bytes that fail their checksum or name"
              + " an unknown writer (" + d + ")");
          continue;
        }
        long writerId = d.writer();
        long sequence = d.sequence();
        long expected = present.getOrDefault(writerId, 0L);
        if (sequence != expected) {
          check.outOfOrder++;
          check.problem("offset " + r.offset() + ": writer " + writerId + " sequence " + sequence
              + " where its stream's record " + expected + " was due");
          continue;
        }
        present.put(writerId, expected + 1);
      }
      acknowledged.forEach((writerId, acked) -> {
        long there = present.getOrDefault(writerId, 0L);
        if (there < acked) {
          check.lost += acked - there;
          check.problem("writer " + writerId + ": " + acked + " records acknowledged, only its first " + there
              + " in the log");
        } else {
          check.unacknowledgedKept += there - acked;
        }
      });
      try (Stream<Path> files = Files.list(logDir)) {
        check.tornTails = (int) files.filter(p -> p.getFileName().toString().contains(".torn-")).count();
      }
      tornTails = check.tornTails;
      lastCheck = check;
      return check;
    }
  }

  /** The result of one read of the log. */
  private static final class Check {
    long records;
    long lost;
    long corrupt;
    long outOfOrder;
    long unacknowledgedKept;
    int tornTails;
    final List<String> problems = new ArrayList<>();

    void problem(String p) {
      problems.add(p);
    }
  }

  /**
   * One WriteStream on its own connection, in its own thread, writing records 0, 1, 2, …
   * of random length until the stream fails (the kill) or it is stopped.
   */
  private static final class Writer {
    final long id;
    private final SplittableRandom random;
    private final SinkClient client;
    private final StreamWriter stream;
    private final Thread thread;
    private final CountDownLatch ended = new CountDownLatch(1);
    private final CountDownLatch anyEnded;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile boolean stop;
    private volatile long finalAcknowledged = -1;

    /** {@code anyEnded} is shared by the writers of one cycle: it opens when the first of them ends. */
    Writer(long id, SplittableRandom random, int port, CountDownLatch anyEnded) {
      this.id = id;
      this.anyEnded = anyEnded;
      this.random = random;
      this.client = SinkClient.builder("127.0.0.1:" + port).deadline(CALL_DEADLINE).closeTimeout(Duration.ZERO)
          .build();
      this.stream = client.openStream(WINDOW);
      this.thread = new Thread(this::writeUntilFailure, "kill-nine-writer-" + id);
      thread.setDaemon(true);
    }

    void start() {
      thread.start();
    }

    private void writeUntilFailure() {
      try {
        for (long seq = 0; !stop; seq++) {
          byte[] payload = new byte[random.nextInt(MAX_PAYLOAD + 1)];
          random.nextBytes(payload);
          stream.write("default", CheckedData.encode(id, seq, payload));
        }
      } catch (StreamWriter.StreamFailedException e) {
        finalAcknowledged = e.acknowledged();
        failure.set(e);
      } catch (SinkException | IllegalStateException e) {
        failure.set(e);
      } finally {
        ended.countDown();
        anyEnded.countDown();
      }
    }

    /** Records acknowledged so far; after the stream failed, what its failure says. */
    long acknowledged() {
      return Math.max(finalAcknowledged, stream.acknowledged());
    }

    Durability durability() {
      return stream.durability();
    }

    boolean ended() {
      return ended.getCount() == 0;
    }

    /** Stops writing, waits for the thread and closes the stream and the connection. */
    void stopAndJoin() throws InterruptedException {
      stop = true;
      try {
        thread.join(WRITER_END.toMillis());
        if (thread.isAlive()) {
          thread.interrupt();
          thread.join(WRITER_END.toMillis());
          fail("writer " + id + " did not stop within " + WRITER_END + " after the kill");
        }
      } finally {
        try {
          stream.close();
        } catch (SinkException expected) {
          // The stream failed with the kill; its failure was recorded by the writer thread.
        } finally {
          client.close();
        }
      }
    }

    @Override
    public String toString() {
      return "writer " + id + " (" + stream.written() + " written, " + acknowledged() + " acknowledged"
          + (ended() ? ", ended: " + failure.get() : "") + ")";
    }
  }
}
