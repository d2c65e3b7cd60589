package dev.sinkgate.server.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinkgate.proto.v1.Durability;
import dev.sinkgate.server.sink.Accepted;
import dev.sinkgate.server.sink.Record;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code fsync: interval}: the writer syncs at most once per interval while records are
 * unsynced. A fake ticker drives the interval; {@link FileLogSink#writerPass()} tells the
 * test when the writer has looked at the new time, so no test sleeps or depends on timing.
 */
class FileLogSinkIntervalTest {
  private static final Duration INTERVAL = Duration.ofHours(1); // never reached in real time
  private static final Clock CLOCK = Clock.fixed(Instant.ofEpochMilli(1_700_000_000_000L), ZoneOffset.UTC);

  @TempDir
  Path tmp;

  private final AtomicLong fakeNanos = new AtomicLong(42);
  private FileLog log;

  private FileLogSink intervalSink(Duration interval, java.util.function.LongSupplier ticker) throws Exception {
    log = FileLog.open(tmp.resolve("log"), w -> {
      throw new AssertionError("unexpected recovery warning: " + w);
    });
    return new FileLogSink("test", log, FsyncPolicy.INTERVAL, interval, 4096, 64L << 20, CLOCK, ticker);
  }

  private static Record record(String data) {
    return new Record("", Map.of(), data.getBytes(StandardCharsets.UTF_8), Long.MAX_VALUE);
  }

  private static Accepted await(java.util.concurrent.CompletableFuture<Accepted> f) throws Exception {
    return f.get(30, TimeUnit.SECONDS);
  }

  private void advanceAndLetTheWriterSee(FileLogSink sink, Duration d) throws Exception {
    fakeNanos.addAndGet(d.toNanos());
    sink.writerPass().get(30, TimeUnit.SECONDS);
  }

  @Test
  void intervalSink_acknowledgesWrittenBeforeAnySync() throws Exception {
    FileLogSink sink = intervalSink(INTERVAL, fakeNanos::get);
    try {
      Accepted a = await(sink.append(record("one")));
      Accepted b = await(sink.append(record("two")));

      assertEquals(Durability.DURABILITY_WRITTEN, a.durability());
      assertEquals(Durability.DURABILITY_WRITTEN, b.durability());
      assertEquals(1, b.offset());
      sink.writerPass().get(30, TimeUnit.SECONDS);
      assertEquals(0, log.syncCount(), "no sync before the interval has passed");
    } finally {
      sink.close();
    }
  }

  @Test
  void intervalSink_syncsOnceWhenTheIntervalHasPassedSinceTheFirstUnsyncedWrite() throws Exception {
    FileLogSink sink = intervalSink(INTERVAL, fakeNanos::get);
    try {
      await(sink.append(record("one")));
      advanceAndLetTheWriterSee(sink, INTERVAL.minusNanos(1));
      await(sink.append(record("two"))); // must not push the due time back
      assertEquals(0, log.syncCount(), "synced before the interval had passed");

      advanceAndLetTheWriterSee(sink, Duration.ofNanos(1));

      assertEquals(1, log.syncCount(), "one sync covers both records once the interval is due");
    } finally {
      sink.close();
    }
  }

  @Test
  void intervalSink_idle_doesNotSyncAgain() throws Exception {
    FileLogSink sink = intervalSink(INTERVAL, fakeNanos::get);
    try {
      advanceAndLetTheWriterSee(sink, INTERVAL.multipliedBy(3));
      assertEquals(0, log.syncCount(), "synced an empty log");

      await(sink.append(record("one")));
      advanceAndLetTheWriterSee(sink, INTERVAL);
      assertEquals(1, log.syncCount());

      for (int i = 0; i < 5; i++) {
        advanceAndLetTheWriterSee(sink, INTERVAL);
      }

      assertEquals(1, log.syncCount(), "synced again with nothing new written");
    } finally {
      sink.close();
    }
  }

  @Test
  void intervalSink_nextSyncIsDueOneIntervalAfterTheNextWrite() throws Exception {
    FileLogSink sink = intervalSink(INTERVAL, fakeNanos::get);
    try {
      await(sink.append(record("one")));
      advanceAndLetTheWriterSee(sink, INTERVAL);
      assertEquals(1, log.syncCount());

      advanceAndLetTheWriterSee(sink, INTERVAL.multipliedBy(10)); // idle time earns no early sync
      await(sink.append(record("two")));
      advanceAndLetTheWriterSee(sink, INTERVAL.minusNanos(1));
      assertEquals(1, log.syncCount(), "synced the second write before its interval had passed");

      advanceAndLetTheWriterSee(sink, Duration.ofNanos(1));

      assertEquals(2, log.syncCount());
    } finally {
      sink.close();
    }
  }

  @Test
  void intervalSink_close_syncsWhatTheIntervalHadNotYet() throws Exception {
    FileLogSink sink = intervalSink(INTERVAL, fakeNanos::get);
    await(sink.append(record("one")));
    assertEquals(0, log.syncCount());

    sink.close();

    assertEquals(1, log.syncCount(), "close left written records unsynced");
    assertEquals(1, LogReader.readAll(tmp.resolve("log")).size());
  }

  @Test
  void intervalSink_realTicker_syncsWithoutAnyFurtherWrite() throws Exception {
    // The writer must wake by itself when the sync is due, not only when a record arrives.
    FileLogSink sink = intervalSink(Duration.ofMillis(20), System::nanoTime);
    try {
      await(sink.append(record("one")));

      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (log.syncCount() == 0) {
        assertTrue(System.nanoTime() - deadline < 0, "no sync within 10 s of a 20 ms interval");
        Thread.onSpinWait();
      }
      assertEquals(1, log.syncCount());
    } finally {
      sink.close();
    }
  }

  @Test
  void fileLogSink_nonPositiveInterval_isRefusedSayingWhatWasExpected() throws Exception {
    FileLog opened = FileLog.open(tmp.resolve("log"), w -> {});
    try {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new FileLogSink(
          "test", opened, FsyncPolicy.INTERVAL, Duration.ZERO, 1, 1, CLOCK));
      assertTrue(e.getMessage().contains("syncInterval: PT0S (expected: > 0)"), e.getMessage());
    } finally {
      opened.close();
    }
  }
}
