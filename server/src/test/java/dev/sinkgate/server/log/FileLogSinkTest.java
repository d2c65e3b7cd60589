package dev.sinkgate.server.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinkgate.proto.v1.Durability;
import dev.sinkgate.server.sink.Accepted;
import dev.sinkgate.server.sink.Record;
import dev.sinkgate.server.sink.RecordRejectedException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link FileLogSink}: the writer thread in front of a {@link FileLog}. */
class FileLogSinkTest {
  private static final long T1 = 1_700_000_123_456L;

  @TempDir
  Path tmp;

  private final List<String> warnings = new ArrayList<>();

  private static Map<String, String> headers(String... nameValue) {
    return FileLogTest.headers(nameValue);
  }

  private static final Clock CLOCK = Clock.fixed(Instant.ofEpochMilli(T1), ZoneOffset.UTC);

  private FileLogSink sink(Path dir, FsyncPolicy fsync) throws IOException {
    return new FileLogSink("test", FileLog.open(dir, warnings::add), fsync, 100_000, 64L << 20, CLOCK);
  }

  private static Record record(String key, Map<String, String> headers, String data) {
    return new Record(key, headers, data.getBytes(StandardCharsets.UTF_8), Long.MAX_VALUE);
  }

  private static Accepted await(CompletableFuture<Accepted> f) throws Exception {
    return f.get(30, TimeUnit.SECONDS);
  }

  @Test
  void fileLogSink_fsyncAlways_acknowledgesSynced() throws Exception {
    Path dir = tmp.resolve("log");
    FileLogSink sink = sink(dir, FsyncPolicy.ALWAYS);
    try {
      Accepted a = await(sink.append(record("k", headers("h", "v"), "synced")));
      Accepted b = await(sink.append(record("k", headers(), "synced too")));

      assertEquals(Durability.DURABILITY_SYNCED, a.durability());
      assertEquals(Durability.DURABILITY_SYNCED, b.durability());
      assertEquals(0, a.offset());
      assertEquals(1, b.offset());
      assertEquals("synced".length(), a.written());
    } finally {
      sink.close();
    }
    List<LogRecord> records = LogReader.readAll(dir);
    assertEquals(2, records.size());
    assertEquals(T1, records.get(0).timestampMillis(), "the sink stamps records with its clock");
    assertEquals(Map.of("h", "v"), records.get(0).headers());
  }

  @Test
  void fileLogSink_fsyncNever_acknowledgesWritten() throws Exception {
    FileLogSink sink = sink(tmp.resolve("log"), FsyncPolicy.NEVER);
    try {
      Accepted a = await(sink.append(record("", Map.of(), "written")));

      assertEquals(Durability.DURABILITY_WRITTEN, a.durability());
      assertEquals(0, a.offset());
    } finally {
      sink.close();
    }
  }

  @Test
  void fileLogSink_eightConcurrentWriters_getEveryOffsetOnceInPerThreadOrder() throws Exception {
    Path dir = tmp.resolve("log");
    int threads = 8;
    int perThread = 150;
    int total = threads * perThread;
    FileLogSink sink = sink(dir, FsyncPolicy.ALWAYS);
    List<List<CompletableFuture<Accepted>>> results = new ArrayList<>();
    List<Thread> writers = new ArrayList<>();
    CountDownLatch start = new CountDownLatch(1);
    try {
      for (int t = 0; t < threads; t++) {
        List<CompletableFuture<Accepted>> mine = new ArrayList<>();
        results.add(mine);
        int id = t;
        Thread w = new Thread(() -> {
          try {
            start.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
          }
          for (int i = 0; i < perThread; i++) {
            mine.add(sink.append(record("writer-" + id, headers("seq", Integer.toString(i)),
                "writer " + id + " record " + i)));
          }
        }, "test-writer-" + t);
        writers.add(w);
        w.start();
      }
      start.countDown();
      for (Thread w : writers) {
        w.join(TimeUnit.SECONDS.toMillis(30));
        assertFalse(w.isAlive(), "writer " + w.getName() + " did not finish");
      }

      // offset -> what was appended there, as told by the acknowledgements
      String[] expectedAt = new String[total];
      for (int t = 0; t < threads; t++) {
        List<CompletableFuture<Accepted>> mine = results.get(t);
        assertEquals(perThread, mine.size());
        long previous = -1;
        for (int i = 0; i < perThread; i++) {
          long offset = await(mine.get(i)).offset();
          assertTrue(offset >= 0 && offset < total, "offset " + offset + " out of range");
          assertTrue(offset > previous, "writer " + t + ": record " + i + " got offset " + offset
              + " after " + previous + " (records from one thread must keep their order)");
          previous = offset;
          assertNull(expectedAt[(int) offset], "offset " + offset + " given twice");
          expectedAt[(int) offset] = "writer " + t + " record " + i;
        }
      }
      // Every slot was filled exactly once: total distinct offsets in [0, total).
      assertTrue(Stream.of(expectedAt).allMatch(s -> s != null));

      sink.close();
      List<LogRecord> records = LogReader.readAll(dir);
      assertEquals(total, records.size());
      for (int o = 0; o < total; o++) {
        LogRecord r = records.get(o);
        assertEquals(o, r.offset());
        assertEquals(expectedAt[o], new String(r.data(), StandardCharsets.UTF_8), "data at offset " + o);
        String[] words = expectedAt[o].split(" ");
        assertEquals("writer-" + words[1], r.key());
        assertEquals(Map.of("seq", words[3]), r.headers());
      }
    } finally {
      start.countDown();
      sink.close();
    }
  }

  @Test
  void fileLogSink_close_isIdempotentAndFlushesEverythingAcceptedBeforeIt() throws Exception {
    Path dir = tmp.resolve("log");
    int n = 500;
    FileLogSink sink = sink(dir, FsyncPolicy.NEVER);
    List<CompletableFuture<Accepted>> accepted = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      accepted.add(sink.append(record("", Map.of(), "record " + i)));
    }

    sink.close();
    sink.close();

    for (int i = 0; i < n; i++) {
      CompletableFuture<Accepted> f = accepted.get(i);
      assertTrue(f.isDone(), "record " + i + " still pending after close returned");
      assertEquals(i, f.get().offset());
    }
    assertFalse(sink.healthy());
    ExecutionException refused = assertThrows(ExecutionException.class,
        () -> sink.append(record("", Map.of(), "too late")).get(30, TimeUnit.SECONDS));
    assertTrue(refused.getCause() instanceof RecordRejectedException);
    assertEquals(RecordRejectedException.Reason.UNAVAILABLE,
        ((RecordRejectedException) refused.getCause()).reason());

    List<LogRecord> records = LogReader.readAll(dir);
    assertEquals(n, records.size());
    for (int i = 0; i < n; i++) {
      assertEquals("record " + i, new String(records.get(i).data(), StandardCharsets.UTF_8));
    }
    try (FileLog reopened = FileLog.open(dir, warnings::add)) {
      assertEquals(n, reopened.nextOffset());
    }
    assertEquals(List.of(), warnings, "close left a clean log");
  }

  /**
   * With many records queued behind a group, the writer hands the group's
   * acknowledgements to its acks thread and goes on to the next write (with few it
   * acknowledges them itself, as every single-writer test shows). Every record is
   * acknowledged once, with its offset.
   */
  @Test
  void manyRecordsQueuedBehindAGroup_areAcknowledgedOffTheWriterThread() throws Exception {
    Path dir = tmp.resolve("log");
    HeldWrite holdFirstWrite = new HeldWrite();
    FileLog log = FileLog.open(dir, FileLog.Options.DEFAULT, CLOCK, holdFirstWrite, warnings::add);
    FileLogSink sink = new FileLogSink("handoff", log, FsyncPolicy.ALWAYS, 1000, 64L << 20, CLOCK);
    List<String> ackThreads = java.util.Collections.synchronizedList(new ArrayList<>());
    List<CompletableFuture<Accepted>> acks = new ArrayList<>();
    try {
      holdFirstWrite.arm();
      acks.add(sink.append(Record.of(new byte[] {0})));
      assertTrue(holdFirstWrite.entered.await(30, TimeUnit.SECONDS), "the writer reached its first write");
      for (int i = 1; i <= 40; i++) {
        acks.add(sink.append(Record.of(new byte[] {(byte) i}))); // queued behind the held group
      }
      CountDownLatch allAcknowledged = new CountDownLatch(acks.size());
      for (CompletableFuture<Accepted> f : acks) {
        f.whenComplete((a, t) -> {
          ackThreads.add(Thread.currentThread().getName());
          allAcknowledged.countDown();
        });
      }
      holdFirstWrite.release.countDown();
      // Wait on the latch, not on the futures: a thread waiting in get() may run their
      // callbacks itself, which would hide the thread that completed them.
      assertTrue(allAcknowledged.await(30, TimeUnit.SECONDS), "every record acknowledged");
      for (int i = 0; i < acks.size(); i++) {
        Accepted a = acks.get(i).get(30, TimeUnit.SECONDS);
        assertEquals(i, a.offset());
        assertEquals(Durability.DURABILITY_SYNCED, a.durability());
      }
    } finally {
      holdFirstWrite.release.countDown();
      sink.close();
    }
    assertEquals(41, ackThreads.size(), "every record acknowledged exactly once");
    assertEquals("sinkgate-filelog-handoff-acks", ackThreads.get(0),
        "the held group, with 40 records queued behind it, is acknowledged off the writer thread");
    assertEquals(41, LogReader.readAll(dir).size());
  }
}
