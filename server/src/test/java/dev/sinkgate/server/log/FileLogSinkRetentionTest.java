package dev.sinkgate.server.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinkgate.server.sink.Record;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Retention by age runs on the file sink's writer thread once a minute even when no
 * record arrives. A fake ticker stands for the minute; {@link FileLogSink#writerPass()}
 * tells when the writer has seen it.
 */
class FileLogSinkRetentionTest {
  private static final Instant NOW = Instant.ofEpochMilli(1_700_000_000_000L);
  private static final Duration AGE = Duration.ofDays(7);

  @TempDir
  Path tmp;

  private static List<Path> segments(Path dir) throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().matches("\\d{20}\\.log")).sorted().toList();
    }
  }

  @Test
  void retentionAge_idleSink_deletesOldSegmentsWhenTheCheckIsDue_neverTheActiveOne() throws Exception {
    Path dir = tmp.resolve("log");
    FileLog.Options options = FileLog.Options.DEFAULT.withSegmentBytes(4096).withRetention(0, AGE);
    Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
    FileLog log = FileLog.open(dir, options, clock, LogFiles.SYSTEM, w -> {});
    AtomicLong ticker = new AtomicLong(7);
    FileLogSink sink = new FileLogSink("aged", log, FsyncPolicy.ALWAYS, Duration.ofSeconds(1), 4096, 64L << 20,
        clock, ticker::get);
    try {
      byte[] data = new byte[1000];
      for (int i = 0; i < 12; i++) {
        sink.append(new Record("", Map.of(), data, Long.MAX_VALUE)).get(30, TimeUnit.SECONDS);
      }
      List<Path> all = segments(dir);
      assertTrue(all.size() >= 3, "12 records of 1 KB roll 4 KiB segments: " + all);
      // The two oldest were last written 8 days ago, the others just now.
      FileTime old = FileTime.from(NOW.minus(AGE).minus(Duration.ofDays(1)));
      Files.setLastModifiedTime(all.get(0), old);
      Files.setLastModifiedTime(all.get(1), old);
      Path active = all.get(all.size() - 1);
      Files.setLastModifiedTime(active, old); // old, but active: kept

      ticker.addAndGet(FileLogSink.RETENTION_CHECK_NANOS - 1);
      sink.writerPass().get(30, TimeUnit.SECONDS);
      assertEquals(all, segments(dir), "nothing is deleted before the check is due");

      ticker.addAndGet(1);
      sink.writerPass().get(30, TimeUnit.SECONDS);

      assertEquals(all.subList(2, all.size()), segments(dir));
      assertEquals(log.firstOffset(), Long.parseLong(all.get(2).getFileName().toString().substring(0, 20)));
    } finally {
      sink.close();
    }
  }
}
