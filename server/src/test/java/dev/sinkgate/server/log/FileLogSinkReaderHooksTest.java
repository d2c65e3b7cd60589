package dev.sinkgate.server.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinkgate.server.sink.Record;
import dev.sinkgate.server.sink.RecordRejectedException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a reader of a live log (the spool's forwarder) relies on: the written and synced
 * ends, a sync on request, trimming on the writer thread, and a capacity bound that refuses
 * like a full disk.
 */
class FileLogSinkReaderHooksTest {
  @TempDir
  Path tmp;

  private static Record record(int bytes) {
    return new Record("", Map.of(), new byte[bytes], Long.MAX_VALUE);
  }

  @Test
  void intervalLog_writtenEndGrowsAtOnce_syncedEndOnlyWhenAskedToSync() throws Exception {
    FileLog log = FileLog.open(tmp, FileLog.Options.DEFAULT, Clock.systemUTC(), LogFiles.SYSTEM, w -> {});
    AtomicInteger signals = new AtomicInteger();
    try (FileLogSink sink = new FileLogSink("t", log, FsyncPolicy.INTERVAL, Duration.ofHours(1), 100, 1 << 20,
        Clock.systemUTC())) {
      sink.onWritten(signals::incrementAndGet);
      sink.append(record(10)).join();
      sink.append(record(10)).join();
      assertEquals(2, sink.writtenEnd());
      assertEquals(0, sink.syncedEnd(), "an hour's interval has not synced yet");
      assertEquals(2, signals.get(), "one signal per group written");
      long syncs = log.syncCount();
      assertEquals(2, sink.syncWritten().join());
      assertEquals(2, sink.syncedEnd());
      assertEquals(syncs + 1, log.syncCount());
      assertEquals(2, sink.syncWritten().join());
      assertEquals(syncs + 1, log.syncCount(), "nothing new to sync: no second fsync");
    }
  }

  @Test
  void duplicatesAddNothingToTheEnds_aResendMixingDuplicatesAndNewRecordsMovesThemByTheNewOnesOnly() throws Exception {
    FileLog log = FileLog.open(tmp, FileLog.Options.DEFAULT, Clock.systemUTC(), LogFiles.SYSTEM, w -> {});
    try (FileLogSink sink = new FileLogSink("t", log, FsyncPolicy.ALWAYS, 100, 1 << 20, Clock.systemUTC())) {
      for (int seq = 1; seq <= 5; seq++) {
        sink.append(produced(seq)).join();
      }
      assertEquals(5, sink.writtenEnd());
      // A resend of 3..5 (duplicates) with 6..7 (new): the ends move to 7, the log's end.
      java.util.List<java.util.concurrent.CompletableFuture<dev.sinkgate.server.sink.Accepted>> answers =
          new java.util.ArrayList<>();
      for (int seq = 3; seq <= 7; seq++) {
        answers.add(sink.append(produced(seq)));
      }
      answers.forEach(java.util.concurrent.CompletableFuture::join);
      assertTrue(answers.get(0).join().duplicate(), "sequence 3 is a duplicate");
      assertEquals(7, sink.writtenEnd(), "written end after the resend");
      assertEquals(7, sink.syncedEnd(), "synced end after the resend");
      // Duplicates only: the ends stay where the log ends.
      sink.append(produced(7)).join();
      assertEquals(7, sink.writtenEnd(), "written end after a group of duplicates only");
      assertEquals(7, sink.syncedEnd(), "synced end after a group of duplicates only");
      assertEquals(7, LogReader.readAll(tmp).size());
    }
  }

  private static Record produced(long sequence) {
    return new Record("", Map.of(), new byte[] {(byte) sequence}, Long.MAX_VALUE, null, -1, "resender", sequence);
  }

  @Test
  void trimBefore_deletesWholeSegmentsOnTheWriterThread() throws Exception {
    FileLog log = FileLog.open(tmp, FileLog.Options.DEFAULT.withSegmentBytes(4096), Clock.systemUTC(),
        LogFiles.SYSTEM, w -> {});
    FileLogSink sink = new FileLogSink("t", log, FsyncPolicy.ALWAYS, 100, 1 << 20, Clock.systemUTC());
    for (int i = 0; i < 12; i++) {
      sink.append(record(1000)).join(); // three a segment
    }
    assertEquals(4, LogReader.segments(tmp).size(), "test bug: three records a segment");
    assertEquals(2, sink.trimBefore(7).join(), "segments 0-2, 3-5, 6-8, 9-11: only the first two lie below 7");
    assertEquals(6, LogReader.readAll(tmp).get(0).offset());
    sink.close();
    sink.close();
    RecordRejectedException closed = assertInstanceOf(RecordRejectedException.class,
        assertThrows(CompletionException.class, () -> sink.trimBefore(12).join()).getCause());
    assertEquals(RecordRejectedException.Reason.UNAVAILABLE, closed.reason());
  }

  @Test
  void capacity_refusesTheGroupThatWouldPassIt_withStorageFull_andTakesSmallerOnes() throws Exception {
    FileLog log = FileLog.open(tmp, FileLog.Options.DEFAULT.withSegmentBytes(4096).withCapacity(8192),
        Clock.systemUTC(), LogFiles.SYSTEM, w -> {});
    try (FileLogSink sink = new FileLogSink("t", log, FsyncPolicy.ALWAYS, 100, 1 << 20, Clock.systemUTC())) {
      for (int i = 0; i < 6; i++) {
        sink.append(record(1000)).join();
      }
      RecordRejectedException full = assertInstanceOf(RecordRejectedException.class,
          assertThrows(CompletionException.class, () -> sink.append(record(3000)).join()).getCause());
      assertEquals(RecordRejectedException.Reason.STORAGE_FULL, full.reason());
      assertTrue(full.getMessage().contains("would pass the capacity of 8192 bytes"), full.getMessage());
      assertEquals(6, sink.writtenEnd(), "the refused record moved no end");
      sink.append(record(100)).join();
      assertEquals(7, sink.writtenEnd());
    }
    assertEquals(7, LogReader.readAll(tmp).size());
  }
}
