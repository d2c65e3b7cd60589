package dev.sinkgate.server.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinkgate.proto.v1.Durability;
import dev.sinkgate.server.sink.Accepted;
import dev.sinkgate.server.sink.Record;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Idempotent writes on {@link FileLogSink}: a record whose producer id and sequence were
 * written already is answered as a duplicate with the original's offset and not stored
 * again; the producer table's memory is bounded by expiry and a producer count.
 */
class IdempotentWriteTest {
  private static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");

  @TempDir Path tmp;
  private final List<String> warnings = new ArrayList<>();
  private final MutableClock clock = new MutableClock(T0);
  private FileLogSink sink;

  @AfterEach
  void close() {
    if (sink != null) {
      sink.close();
    }
  }

  private FileLogSink open(Path dir, FileLog.Options options, LogFiles files) throws IOException {
    sink = new FileLogSink("idem", FileLog.open(dir, options, clock, files, warnings::add), FsyncPolicy.ALWAYS,
        1000, 64L << 20, clock);
    return sink;
  }

  static Record record(String producer, long sequence, String data) {
    return new Record("k", Map.of(), data.getBytes(StandardCharsets.UTF_8), Long.MAX_VALUE, null, -1, producer,
        sequence);
  }

  private static Accepted await(CompletableFuture<Accepted> f) throws Exception {
    return f.get(30, TimeUnit.SECONDS);
  }

  private Accepted write(String producer, long sequence) throws Exception {
    return await(sink.append(record(producer, sequence, producer + "-" + sequence)));
  }

  private static List<String> stored(Path dir) throws IOException {
    return LogReader.readAll(dir).stream().map(r -> new String(r.data(), StandardCharsets.UTF_8)).toList();
  }

  @Test
  void retry_isAnsweredAsADuplicateWithTheOriginalOffset_andStoredOnce() throws Exception {
    Path dir = tmp.resolve("log");
    open(dir, FileLog.Options.DEFAULT, LogFiles.SYSTEM);
    assertEquals(0, write("p", 1).offset());
    Accepted original = write("p", 2);
    assertEquals(2, write("p", 3).offset());

    Accepted retry = write("p", 2);
    assertTrue(retry.duplicate(), "sequence 2 again is a duplicate");
    assertFalse(original.duplicate());
    assertEquals(original.offset(), retry.offset(), "the original's offset");
    assertEquals("p-2".length(), retry.written());
    assertEquals(Durability.DURABILITY_SYNCED, retry.durability(), "the original was synced before it was acked");
    Accepted next = write("p", 4);
    assertFalse(next.duplicate());
    assertEquals(3, next.offset(), "the duplicate took no offset");
    Accepted gap = write("p", 10);
    assertFalse(gap.duplicate(), "sequences may skip");
    assertTrue(write("p", 9).duplicate(), "a sequence not above the last one is a duplicate");
    sink.close();

    assertEquals(List.of("p-1", "p-2", "p-3", "p-4", "p-10"), stored(dir));
    LogRecord r = LogReader.readAll(dir).get(1);
    assertEquals("p", r.producerId());
    assertEquals(2, r.sequence(), "the log stores the producer id and sequence");
  }

  @Test
  void recordsWithoutAProducerId_orOfAnotherProducer_areNotDeduped() throws Exception {
    Path dir = tmp.resolve("log");
    open(dir, FileLog.Options.DEFAULT, LogFiles.SYSTEM);
    Record plain = new Record("k", Map.of(), "same".getBytes(StandardCharsets.UTF_8), Long.MAX_VALUE);
    assertFalse(await(sink.append(plain)).duplicate());
    assertFalse(await(sink.append(plain)).duplicate());
    assertFalse(write("a", 1).duplicate());
    assertFalse(write("b", 1).duplicate(), "sequences are per producer");
    sink.close();

    assertEquals(4, LogReader.readAll(dir).size());
    assertEquals("", LogReader.readAll(dir).get(0).producerId(), "a record without a producer id stores none");
  }

  /**
   * Records queued while the writer is busy form the next group; a copy in that group is
   * caught against the record before it, whose offset is known only once the group is written.
   */
  @Test
  void copiesQueuedInTheSameGroup_areCheckedAgainstEachOther() throws Exception {
    Path dir = tmp.resolve("log");
    HeldWrite files = new HeldWrite();
    open(dir, FileLog.Options.DEFAULT, files);
    files.arm();
    CompletableFuture<Accepted> blocker = sink.append(record("other", 1, "blocker"));
    assertTrue(files.entered.await(30, TimeUnit.SECONDS), "the writer reached the write");
    List<CompletableFuture<Accepted>> group = List.of(
        sink.append(record("p", 1, "p-1")),
        sink.append(record("p", 1, "p-1 again")),
        sink.append(record("p", 2, "p-2")),
        sink.append(record("p", 1, "p-1 once more")));
    files.release.countDown();

    assertEquals(0, await(blocker).offset());
    List<Accepted> answers = new ArrayList<>();
    for (CompletableFuture<Accepted> f : group) {
      answers.add(await(f));
    }
    assertEquals(List.of(1L, 1L, 2L, 1L), answers.stream().map(Accepted::offset).toList());
    assertEquals(List.of(false, true, false, true), answers.stream().map(Accepted::duplicate).toList());
    sink.close();
    assertEquals(List.of("blocker", "p-1", "p-2"), stored(dir));
  }

  @Test
  void duplicateOlderThanTheWindow_isStillADuplicate_withOffsetZero() throws Exception {
    Path dir = tmp.resolve("log");
    open(dir, FileLog.Options.DEFAULT, LogFiles.SYSTEM);
    assertFalse(write("x", 1).duplicate()); // offset 0: another producer first, so offset 0 is not p's
    int n = ProducerState.WINDOW + 6;
    for (int s = 1; s <= n; s++) {
      write("p", s); // p's sequence s at offset s
    }
    Accepted inWindow = write("p", n - ProducerState.WINDOW + 1);
    assertTrue(inWindow.duplicate());
    assertEquals(n - ProducerState.WINDOW + 1, inWindow.offset(), "the oldest sequence the window holds");
    Accepted old = write("p", 3);
    assertTrue(old.duplicate(), "older than the window, still not above the last sequence");
    assertEquals(0, old.offset(), "unknown offset");
    sink.close();
    assertEquals(n + 1, LogReader.readAll(dir).size());
  }

  @Test
  void idleProducer_isForgottenAfterTheExpiry_onAMutableClock() throws Exception {
    Path dir = tmp.resolve("log");
    open(dir, FileLog.Options.DEFAULT.withProducers(Duration.ofHours(1), 100), LogFiles.SYSTEM);
    write("p", 1);
    clock.advance(Duration.ofHours(1));
    assertTrue(write("p", 1).duplicate(), "idle exactly the expiry: still known");
    clock.advance(Duration.ofMillis(1));
    Accepted again = write("p", 1);
    assertFalse(again.duplicate(), "idle longer than the expiry: forgotten, so the retry is stored again");
    assertEquals(1, again.offset());
    assertTrue(write("p", 1).duplicate(), "and known again from then on");
    sink.close();
    assertEquals(List.of("p-1", "p-1"), stored(dir));
  }

  @Test
  void beyondMaxProducers_theLongestIdleIsForgotten() throws Exception {
    Path dir = tmp.resolve("log");
    open(dir, FileLog.Options.DEFAULT.withProducers(Duration.ofHours(24), 2), LogFiles.SYSTEM);
    write("a", 1);
    clock.advance(Duration.ofSeconds(1));
    write("b", 1);
    clock.advance(Duration.ofSeconds(1));
    write("a", 2); // now b is the longest idle
    clock.advance(Duration.ofSeconds(1));
    write("c", 1); // a third producer: b goes
    assertTrue(write("a", 2).duplicate());
    assertTrue(write("c", 1).duplicate());
    assertFalse(write("b", 1).duplicate(), "b was evicted, so its retry is stored again");
    sink.close();
    assertEquals(List.of("a-1", "b-1", "a-2", "c-1", "b-1"), stored(dir));
  }

  @Test
  void options_refuseAZeroExpiryOrProducerLimit() {
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> FileLog.Options.DEFAULT.withProducers(Duration.ZERO, 10));
    assertEquals("producerExpiry: PT0S (expected: > 0)", e.getMessage());
    e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> FileLog.Options.DEFAULT.withProducers(Duration.ofHours(1), 0));
    assertEquals("maxProducers: 0 (expected: >= 1)", e.getMessage());
  }
}
