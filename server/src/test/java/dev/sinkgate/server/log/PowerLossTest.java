package dev.sinkgate.server.log;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.sinkgate.proto.v1.Durability;
import dev.sinkgate.server.sink.Accepted;
import dev.sinkgate.server.sink.Record;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The file log under power loss. A {@link FileLogSink} over {@link FaultyFiles} takes
 * records from concurrent writers until the power is cut in place of a random file
 * operation (a write, an fsync, a step of a segment roll, of retention or of the recovery
 * itself); then the log is reopened on what a real disk could have kept, torn tails
 * included, and checked. {@value #CYCLES_PER_LOG} cycles continue one log before the next
 * starts afresh; each cycle picks {@code fsync} ALWAYS or INTERVAL, and every other log
 * deletes old segments by retention.
 *
 * <p>After every reopen: the log reads back with no corrupt record and offsets without a
 * gap; every record is one a writer sent (its checksum holds, its key names its writer)
 * and each writer's records are there in order without a gap; a record acknowledged at an
 * offset is the one there; every record acknowledged as {@code DURABILITY_SYNCED} is there
 * unless retention deleted it; every record read at the previous reopen is still there,
 * byte for byte; retention kept at least what it must; and recovery read only the last
 * segment. ({@link RecoveryPowerLossTest} cuts the power at every step of a recovery.)
 *
 * <p>{@value #CI_CYCLES} cycles by default; {@code -Dsinkgate.soak=true} runs
 * {@value #SOAK_CYCLES}, {@code -Dsinkgate.powerloss.cycles=N} any number. The seed is
 * printed; {@code -Dsinkgate.powerloss.seed=S} replays the crash points, payloads and torn
 * tails (thread scheduling, and so the grouping of records, still varies).
 */
class PowerLossTest {
  static final int CI_CYCLES = 200;
  static final int SOAK_CYCLES = 2000;
  private static final int CYCLES_PER_LOG = 20;
  private static final int WRITERS = 3;
  /** Records in flight per writer. A group commit holds at most WRITERS × WINDOW records. */
  private static final int WINDOW = 4;
  private static final int MAX_PAYLOAD = 80;
  private static final long SEGMENT_BYTES = FileLog.Options.MIN_SEGMENT_BYTES;
  private static final FileLog.Options SMALL_SEGMENTS = FileLog.Options.DEFAULT.withSegmentBytes(SEGMENT_BYTES);
  private static final long RETENTION_BYTES = 8 * SEGMENT_BYTES;
  /** The power is cut in place of one of the first this many file operations of a cycle. */
  private static final int MAX_OPERATIONS = 200;
  private static final Duration CRASH_WAIT = Duration.ofSeconds(30);
  private static final Duration CLOSE_WAIT = Duration.ofSeconds(30);
  private static final Clock CLOCK = Clock.fixed(Instant.ofEpochMilli(1_700_000_000_000L), ZoneOffset.UTC);

  /** Kept when a test fails, for inspection (the failure names the log directory). */
  @TempDir(cleanup = CleanupMode.ON_SUCCESS)
  Path tmp;

  @Test
  void powerLoss_atRandomFileOperations_keepsEverySyncedRecordAndServesOnlyWhatWasWritten() throws Exception {
    // The retention check below relies on no segment outgrowing SEGMENT_BYTES, so no group may.
    int largestGroup = WRITERS * WINDOW * LogFormat.frameSize(key(Long.MAX_VALUE), Map.of(),
        new byte[CheckedData.HEADER_BYTES + MAX_PAYLOAD]);
    assertTrue(largestGroup < SEGMENT_BYTES - LogFormat.SEGMENT_HEADER_BYTES, "groups of " + largestGroup + " bytes");

    int cycles = Integer.getInteger("sinkgate.powerloss.cycles",
        Boolean.getBoolean("sinkgate.soak") ? SOAK_CYCLES : CI_CYCLES);
    long seed = Long.getLong("sinkgate.powerloss.seed", System.nanoTime());
    String replay = "seed " + seed + " (replay with -Dsinkgate.powerloss.seed=" + seed + ")";
    System.out.println("PowerLossTest: " + replay + ", " + cycles + " cycles");
    SplittableRandom random = new SplittableRandom(seed);
    Totals totals = new Totals();
    long started = System.nanoTime();
    try {
      for (int first = 0; first < cycles; first += CYCLES_PER_LOG) {
        FileLog.Options options = (first / CYCLES_PER_LOG) % 2 == 0 ? SMALL_SEGMENTS
            : SMALL_SEGMENTS.withRetention(RETENTION_BYTES, null);
        runLog(tmp.resolve("log-" + first), options, first, Math.min(cycles, first + CYCLES_PER_LOG), random, totals);
      }
    } catch (Exception | AssertionError e) {
      throw new AssertionError("PowerLossTest, " + replay + ": " + e.getMessage() + "\n" + totals, e);
    }
    System.out.println("PowerLossTest: " + totals + ", " + (System.nanoTime() - started) / 1_000_000 + " ms, "
        + replay);
    if (cycles >= CI_CYCLES) {
      // The run proves something only if it synced, lost unsynced records and cut torn tails.
      assertTrue(totals.synced > 0, "no record was acknowledged as synced: " + totals);
      assertTrue(totals.writtenLost > 0, "no crash lost an unsynced acknowledged record: " + totals);
      assertTrue(totals.tornTails > 0, "no recovery cut a torn tail: " + totals);
      assertTrue(totals.retentionDeleted > 0, "retention never deleted a segment: " + totals);
    }
  }

  /** Crash cycles {@code first} to {@code last - 1} on one log, and the reopen after each. */
  private static void runLog(Path dir, FileLog.Options options, int first, int last, SplittableRandom random,
      Totals totals) throws Exception {
    History history = new History(options);
    int cycle = first;
    while (true) {
      FaultyFiles files = new FaultyFiles(random.split());
      if (cycle < last) {
        files.crashAfter(random.nextInt(MAX_OPERATIONS));
      }
      long lastSegmentBytes = lastSegmentBytes(dir);
      List<String> warnings = new ArrayList<>();
      FileLog log;
      try {
        log = FileLog.open(dir, options, CLOCK, files, warnings::add);
      } catch (IOException e) {
        if (!files.whenCrashed().isDone()) {
          throw e;
        }
        totals.crashesInRecovery++;
        cycle++;
        continue;
      }
      totals.tornTails += (int) warnings.stream().filter(w -> w.contains("bytes of a torn record")).count();
      try {
        history.check(log, files.bytesRead(), lastSegmentBytes, totals);
      } catch (IOException | RuntimeException | AssertionError e) {
        AssertionError failure = new AssertionError("cycle " + cycle + ", " + dir + ": " + e.getMessage(), e);
        try {
          log.close();
        } catch (IOException | RuntimeException closing) {
          failure.addSuppressed(closing); // the armed power loss may strike the close
        }
        throw failure;
      }
      if (cycle == last) {
        log.close();
        return;
      }
      writeUntilPowerLoss(log, files, cycle, random, history);
      cycle++;
    }
  }

  /** The size of the segment a recovery of {@code dir} reads (a new log's is its header). */
  private static long lastSegmentBytes(Path dir) throws IOException {
    try {
      List<Path> segments = LogReader.segments(dir);
      return Files.size(segments.get(segments.size() - 1));
    } catch (NoSuchFileException e) {
      return LogFormat.SEGMENT_HEADER_BYTES;
    }
  }

  /** Starts the writers, waits for the crash, closes the sink and records what the writers were told. */
  private static void writeUntilPowerLoss(FileLog log, FaultyFiles files, int cycle, SplittableRandom random,
      History history) throws Exception {
    FsyncPolicy fsync = random.nextBoolean() ? FsyncPolicy.ALWAYS : FsyncPolicy.INTERVAL;
    if (fsync == FsyncPolicy.ALWAYS && random.nextBoolean()) {
      // Only the group being written is unsynced, so holes in it must be cut as its torn
      // tail, never refused as corruption. (With interval, holes may span several groups,
      // and recovery then refuses: see docs/file-log-format.md.)
      files.persistPagesOutOfOrder();
    }
    FileLogSink sink = new FileLogSink("power", log, fsync, Duration.ofMillis(1 + random.nextInt(5)), 1024,
        1L << 20, CLOCK);
    List<Writer> writers = new ArrayList<>();
    try {
      for (int w = 0; w < WRITERS; w++) {
        Writer writer = new Writer((long) cycle * WRITERS + w, sink, random.split());
        writers.add(writer);
        writer.start();
      }
      files.whenCrashed().get(CRASH_WAIT.toSeconds(), TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      fail("cycle " + cycle + ": no power loss within " + CRASH_WAIT + "; writers " + writers);
    } finally {
      for (Writer w : writers) {
        w.stop();
      }
      closeWithin(sink, CLOSE_WAIT);
      for (Writer w : writers) {
        w.awaitEveryAnswer(cycle);
      }
    }
    history.wrote(writers, fsync == FsyncPolicy.ALWAYS ? Durability.DURABILITY_SYNCED : Durability.DURABILITY_WRITTEN);
  }

  /** Closes a sink whose files lost power: it may fail, but it must answer every record and return. */
  private static void closeWithin(FileLogSink sink, Duration timeout) throws Exception {
    CompletableFuture<Void> closed = CompletableFuture.runAsync(() -> {
      try {
        sink.close();
      } catch (UncheckedIOException expected) {
        // The final sync fails after the power loss.
      }
    });
    try {
      closed.get(timeout.toSeconds(), TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      fail("closing the sink after the power loss did not return within " + timeout);
    }
  }

  static String key(long writer) {
    return "writer-" + writer;
  }

  /** One thread appending its records 0, 1, 2, … with up to {@link #WINDOW} unanswered, until one fails or it is stopped. */
  private static final class Writer {
    final long id;
    final Map<Long, Accepted> acks = new ConcurrentHashMap<>();
    private final FileLogSink sink;
    private final SplittableRandom random;
    private final Semaphore window = new Semaphore(WINDOW);
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final Thread thread;
    private volatile boolean stop;
    private volatile long sent;

    Writer(long id, FileLogSink sink, SplittableRandom random) {
      this.id = id;
      this.sink = sink;
      this.random = random;
      this.thread = new Thread(this::run, "power-loss-writer-" + id);
      thread.setDaemon(true);
    }

    void start() {
      thread.start();
    }

    private void run() {
      try {
        for (long seq = 0; !stop && failure.get() == null; seq++) {
          window.acquire();
          byte[] payload = new byte[random.nextInt(MAX_PAYLOAD + 1)];
          random.nextBytes(payload);
          long s = seq;
          sent = seq + 1;
          sink.append(new Record(key(id), Map.of(), CheckedData.encode(id, seq, payload), Long.MAX_VALUE))
              .whenComplete((accepted, e) -> {
                if (e == null) {
                  acks.put(s, accepted);
                } else {
                  failure.compareAndSet(null, e);
                }
                window.release();
              });
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    void stop() {
      stop = true;
    }

    /** Waits for the thread to end and every record it sent to be answered. */
    void awaitEveryAnswer(int cycle) throws InterruptedException {
      thread.join(CLOSE_WAIT.toMillis());
      assertTrue(!thread.isAlive(), () -> "cycle " + cycle + ": writer " + id + " did not stop");
      assertTrue(window.tryAcquire(WINDOW, CLOSE_WAIT.toSeconds(), TimeUnit.SECONDS),
          () -> "cycle " + cycle + ": writer " + id + " has records unanswered after the sink closed");
    }

    long sent() {
      return sent;
    }

    @Override
    public String toString() {
      return "writer " + id + " (sent " + sent + ", acknowledged " + acks.size() + ", failed with " + failure.get() + ")";
    }
  }

  /**
   * What one log must hold: the records read at the last reopen, and what the writers of
   * the cycle since were told.
   */
  private static final class History {
    private final FileLog.Options options;
    private List<LogRecord> known = List.of();
    private long knownEnd;
    private final Map<Long, Writer> writers = new HashMap<>();
    private Durability durability;

    History(FileLog.Options options) {
      this.options = options;
    }

    void wrote(List<Writer> cycleWriters, Durability acknowledgedAs) {
      cycleWriters.forEach(w -> writers.put(w.id, w));
      durability = acknowledgedAs;
    }

    /** Reads the reopened {@code log} back and checks it; fails naming every problem found. */
    void check(FileLog log, long bytesRead, long lastSegmentBytes, Totals totals) throws IOException {
      List<String> problems = new ArrayList<>();
      List<LogRecord> records = LogReader.readAll(log.directory()); // throws on a corrupt record
      long firstOffset = log.firstOffset();
      for (int i = 0; i < records.size(); i++) {
        if (records.get(i).offset() != firstOffset + i) {
          problems.add("offset " + records.get(i).offset() + " where " + (firstOffset + i) + " was due");
          break;
        }
      }
      if (log.nextOffset() != firstOffset + records.size()) {
        problems.add("the log says offsets " + firstOffset + " to " + log.nextOffset() + " but holds "
            + records.size() + " records");
      }
      if (bytesRead > 4 * lastSegmentBytes) {
        problems.add("recovery read " + bytesRead + " bytes, the last segment has " + lastSegmentBytes);
      }
      checkRetention(log, firstOffset, problems);
      if (firstOffset > 0) {
        totals.retentionDeleted++;
      }
      if (!known.isEmpty() && firstOffset < known.get(0).offset()) {
        problems.add("the log starts at offset " + firstOffset + ", before " + known.get(0).offset()
            + " where it started at the last reopen: deleted segments came back");
      }
      for (LogRecord k : known) {
        LogRecord r = at(records, firstOffset, k.offset());
        if (k.offset() >= firstOffset && (r == null || !Arrays.equals(r.data(), k.data()))) {
          problems.add("offset " + k.offset() + " held " + CheckedData.decode(k.data()) + " at the last reopen, now "
              + (r == null ? "nothing" : CheckedData.decode(r.data())));
        }
      }
      checkNewRecords(records, firstOffset, problems);
      checkAcknowledgements(records, firstOffset, log.nextOffset(), problems, totals);
      if (!problems.isEmpty()) {
        fail(problems.size() + " problems in the log after the power loss, first ones:\n  "
            + String.join("\n  ", problems.subList(0, Math.min(20, problems.size()))));
      }
      totals.records += records.size();
      known = records;
      knownEnd = log.nextOffset();
      writers.clear();
    }

    /**
     * Retention deletes whole segments, oldest first, while the log is over its limit;
     * each segment is at most {@link #SEGMENT_BYTES}, and everything it keeps was synced
     * (closed segments are synced before the next is created), so whatever it deleted, a
     * crash leaves more than the limit less one segment.
     */
    private void checkRetention(FileLog log, long firstOffset, List<String> problems) {
      if (options.retentionBytes() == 0 && firstOffset != 0) {
        problems.add("the log starts at offset " + firstOffset + " without retention");
      } else if (firstOffset > 0 && log.sizeBytes() <= options.retentionBytes() - SEGMENT_BYTES) {
        problems.add("retention left " + log.sizeBytes() + " bytes (limit " + options.retentionBytes()
            + ", segments of " + SEGMENT_BYTES + ")");
      }
    }

    /** Records past what the last reopen read: the last cycle's, each writer's in order without a gap. */
    private void checkNewRecords(List<LogRecord> records, long firstOffset, List<String> problems) {
      // Retention may have deleted the first records of the last cycle, never any later one.
      boolean headDeleted = firstOffset > knownEnd;
      Map<Long, Long> nextSequence = new HashMap<>();
      for (LogRecord r : records) {
        CheckedData d = CheckedData.decode(r.data());
        if (d == null || !r.key().equals(key(d.writer()))) {
          problems.add("offset " + r.offset() + ": " + r.data().length + " bytes under key '" + r.key()
              + "' that fail their checksum or name another writer");
          continue;
        }
        if (r.offset() < knownEnd) {
          continue; // checked against what the last reopen read
        }
        Writer w = writers.get(d.writer());
        Long due = nextSequence.get(d.writer());
        if (w == null || d.sequence() >= w.sent()) {
          problems.add("offset " + r.offset() + ": " + d + " was never sent in the last cycle");
        } else if (due == null ? !headDeleted && d.sequence() != 0 : d.sequence() != due) {
          problems.add("offset " + r.offset() + ": " + d + " where sequence " + (due == null ? 0 : due) + " was due");
        }
        nextSequence.put(d.writer(), d.sequence() + 1);
      }
    }

    /** Acknowledged offsets hold what was acknowledged there, and a synced record is never lost. */
    private void checkAcknowledgements(List<LogRecord> records, long firstOffset, long nextOffset,
        List<String> problems, Totals totals) {
      for (Writer w : writers.values()) {
        for (Map.Entry<Long, Accepted> ack : w.acks.entrySet()) {
          CheckedData sent = new CheckedData(w.id, ack.getKey());
          Accepted a = ack.getValue();
          if (a.durability() != durability) {
            problems.add(sent + " acknowledged as " + a.durability() + " (expected: " + durability + ")");
          }
          totals.count(a.durability());
          LogRecord r = at(records, firstOffset, a.offset());
          if (r != null && !sent.equals(CheckedData.decode(r.data()))) {
            problems.add(sent + " was acknowledged at offset " + a.offset() + ", which holds "
                + CheckedData.decode(r.data()));
          } else if (a.offset() >= nextOffset) {
            if (a.durability() == Durability.DURABILITY_SYNCED) {
              problems.add(sent + " was acknowledged as synced at offset " + a.offset() + " and is lost; the log ends at "
                  + nextOffset);
            } else {
              totals.writtenLost++;
            }
          }
        }
      }
    }

    private static LogRecord at(List<LogRecord> records, long firstOffset, long offset) {
      long i = offset - firstOffset;
      return i >= 0 && i < records.size() ? records.get((int) i) : null;
    }
  }

  /** Figures over a whole run. */
  private static final class Totals {
    long synced;
    long written;
    long writtenLost;
    long records;
    int tornTails;
    int crashesInRecovery;
    int retentionDeleted;

    void count(Durability d) {
      if (d == Durability.DURABILITY_SYNCED) {
        synced++;
      } else {
        written++;
      }
    }

    @Override
    public String toString() {
      return "acknowledged synced " + synced + ", acknowledged written " + written + " (lost in a crash "
          + writtenLost + "), records read back " + records + ", torn tails cut " + tornTails
          + ", crashes during recovery " + crashesInRecovery + ", reopens after retention " + retentionDeleted;
    }
  }
}
