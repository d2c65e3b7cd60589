package dev.sinkgate.server;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinkgate.server.config.SpoolConfig;
import dev.sinkgate.server.log.FsyncPolicy;
import dev.sinkgate.server.log.LogReader;
import dev.sinkgate.server.log.LogRecord;
import dev.sinkgate.server.remote.Scheduler;
import dev.sinkgate.server.remote.StreamDownstream;
import dev.sinkgate.server.remote.StreamRetry;
import dev.sinkgate.server.route.Route;
import dev.sinkgate.server.sink.Record;
import dev.sinkgate.server.spool.Spool;
import dev.sinkgate.server.spool.SpoolingSink;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A spool forwarding over a loopback {@code WriteStream} to a second, real gateway whose file
 * route syncs before it acknowledges and refuses records over 1 KiB: the refused record is
 * dead-lettered and the rest arrive once, in order; replaying the spool after losing the
 * cursor stores nothing twice.
 */
class SpoolStreamGatewayTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final int RECORDS = 300;
  private static final int OVERSIZE = 150;

  @TempDir
  Path tmp;

  private final List<String> warnings = new CopyOnWriteArrayList<>();

  private SpoolingSink open(TestGateway down) throws IOException {
    SpoolConfig config = new SpoolConfig(tmp.resolve("spool"), 64L << 20, FsyncPolicy.ALWAYS, null, 16 << 10);
    return Spool.open("up", config, StreamDownstream.open("up", List.of("127.0.0.1:" + down.port()), "default",
        Duration.ofSeconds(5), StreamRetry.none(), Scheduler.system("test-stream")), Clock.systemUTC(), warnings::add);
  }

  private List<LogRecord> stored() {
    try {
      return LogReader.readAll(tmp.resolve("down-log"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  void refusedRecord_isDeadLettered_restArriveOnceInOrder_andAReplayStoresNothingTwice() throws Exception {
    Route file = TestGateway.fileRoute("default", tmp.resolve("down-log"), warnings);
    try (TestGateway down = new TestGateway(List.of(new Route("default", file.sink(), 1024)))) {
      String producer;
      try (SpoolingSink spool = open(down)) {
        producer = spool.producerId();
        for (int i = 0; i < RECORDS; i++) {
          byte[] data = i == OVERSIZE ? new byte[2000] : ("record " + i).getBytes(UTF_8);
          spool.append(new Record("k" + i, Map.of(), data, Long.MAX_VALUE)).join();
        }
        Poll.until(WAIT, () -> spool.committedCursor() == RECORDS,
            () -> "the spool drained to " + RECORDS + ", cursor " + spool.committedCursor() + "; warnings " + warnings);
        assertEquals(1, spool.deadLettered(), () -> "the oversize record dead-lettered; warnings " + warnings);
        List<LogRecord> dead = LogReader.readAll(spool.deadLetterPath());
        assertEquals(1, dead.size());
        assertEquals(2000, dead.get(0).data().length);
        assertTrue(dead.get(0).headers().get("sinkgate-dead-letter-status").contains("INVALID"),
            () -> dead.get(0).headers().toString());
      }
      List<Long> expected = new ArrayList<>(LongStream.rangeClosed(1, RECORDS).boxed().toList());
      expected.remove(Long.valueOf(OVERSIZE + 1));
      List<LogRecord> stored = stored();
      assertEquals(expected, stored.stream().map(LogRecord::sequence).toList(), "each record once, in order");
      assertTrue(stored.stream().allMatch(r -> r.producerId().equals(producer)), "with the spool's producer id");
      assertEquals("record 151", new String(stored.get(OVERSIZE).data(), UTF_8));

      // Losing the cursor replays what the spool still holds: answered as duplicates, stored once.
      Files.delete(tmp.resolve("spool").resolve("cursor"));
      try (SpoolingSink spool = open(down)) {
        Poll.until(WAIT, () -> spool.committedCursor() == RECORDS,
            () -> "the replay done, cursor " + spool.committedCursor() + "; warnings " + warnings);
        assertTrue(spool.forwarded() >= 1, "the active segment was replayed: " + spool.forwarded());
        assertEquals(1, LogReader.readAll(spool.deadLetterPath()).size(), "the dead letter not stored twice");
      }
      assertEquals(expected, stored().stream().map(LogRecord::sequence).toList(), "nothing stored twice");
    }
  }
}
