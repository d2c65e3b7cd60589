package dev.sinkgate.server.spool;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinkgate.server.ChildProcess;
import dev.sinkgate.server.Poll;
import dev.sinkgate.server.config.SpoolConfig;
import dev.sinkgate.server.log.FsyncPolicy;
import dev.sinkgate.server.log.LogFiles;
import dev.sinkgate.server.log.LogReader;
import dev.sinkgate.server.log.LogRecord;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A process spooling in front of a downstream that went down is killed with {@code SIGKILL};
 * reopening the spool forwards every record it had acknowledged, in order, from the
 * committed cursor on, with the same producer id and sequences.
 */
class SpoolKillNineTest {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir
  Path tmp;

  private static long lines(String out, String prefix) {
    return out.lines().filter(l -> l.startsWith(prefix)).count();
  }

  @Test
  void killNine_duringAnOutage_everyAcknowledgedRecordIsForwardedAfterReopening() throws Exception {
    Path spoolDir = tmp.resolve("spool");
    long acked;
    String producer;
    try (ChildProcess child = ChildProcess.start("spool-child",
        ChildProcess.java(SpoolChild.class.getName(), spoolDir.toString()), tmp, tmp)) {
      Poll.until(WAIT, () -> {
        try {
          return lines(child.stdout(), "acked ") >= SpoolChild.ACCEPTED + 300;
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }, () -> "the child acknowledging records; stderr: " + stderrOf(child));
      child.process().destroyForcibly(); // SIGKILL
      assertTrue(child.process().waitFor(20, TimeUnit.SECONDS), "the child died");
      String out = child.stdout();
      acked = lines(out, "acked ");
      producer = out.lines().filter(l -> l.startsWith("producer ")).findFirst().orElseThrow().substring(9);
    }
    long committed = new SpoolState(spoolDir, LogFiles.SYSTEM).cursor();
    // -1: killed before its first commit (every 1000 records or 1 s), so it forwards from 0.
    assertTrue(committed >= -1 && committed <= SpoolChild.ACCEPTED,
        "the child committed at most what its downstream accepted, committed " + committed);
    long cursor = Math.max(committed, 0);

    Downstream down = new Downstream(tmp.resolve("downstream"));
    FakePause pause = new FakePause();
    pause.free();
    SpoolConfig config = new SpoolConfig(spoolDir, 64L << 20, FsyncPolicy.ALWAYS, null, 4096);
    try (SpoolingSink spool = Spool.open("child", config, down, Clock.systemUTC(), w -> {},
        new Forwarder.Settings(1000, Duration.ofHours(1), 100, Backoff.DEFAULT, pause), LogFiles.SYSTEM)) {
      assertEquals(producer, spool.producerId());
      long expected = acked - cursor;
      Poll.until(WAIT, () -> down.seen().size() >= expected, () -> expected + " records forwarded, saw "
          + down.seen().size());
      List<Downstream.Seen> seen = down.seen();
      for (int i = 0; i < expected; i++) {
        long offset = cursor + i;
        assertEquals(new Downstream.Seen(producer, offset + 1, "r" + offset), seen.get(i));
      }
      List<LogRecord> stored = LogReader.readAll(tmp.resolve("downstream"));
      assertEquals("r" + cursor, new String(stored.get(0).data(), UTF_8));
      assertEquals(1, down.maxInFlight());
    }
  }

  private static String stderrOf(ChildProcess child) {
    try {
      return child.stderr();
    } catch (IOException e) {
      return e.toString();
    }
  }
}
