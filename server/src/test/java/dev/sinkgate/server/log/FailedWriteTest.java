package dev.sinkgate.server.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinkgate.server.sink.Record;
import dev.sinkgate.server.sink.RecordRejectedException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A write that fails (not for lack of space) is cut back; if even the cut-back fails, a
 * partial frame may sit in the log, so the log takes no more writes until it is reopened,
 * and the reopen cuts the partial frame as a torn tail.
 */
class FailedWriteTest {
  @TempDir
  Path tmp;

  private final List<String> warnings = new ArrayList<>();

  /** Segment channels whose writes can be made to fail after writing half, and whose truncate can fail. */
  private static final class FailingWrites extends ForwardingLogFiles {
    final AtomicBoolean failWrites = new AtomicBoolean();
    final AtomicBoolean failTruncate = new AtomicBoolean();

    FailingWrites() {
      super(LogFiles.SYSTEM);
    }

    @Override
    protected FileChannel wrap(Path file, FileChannel channel) {
      return new ForwardingFileChannel(channel) {
        @Override
        public int write(ByteBuffer src, long position) throws IOException {
          if (failWrites.get()) {
            ByteBuffer half = src.duplicate();
            half.limit(src.position() + src.remaining() / 2);
            super.write(half, position); // a partial frame reaches the file
            throw new IOException("simulated: Input/output error");
          }
          return super.write(src, position);
        }

        @Override
        public FileChannel truncate(long size) throws IOException {
          if (failTruncate.get()) {
            throw new IOException("simulated: truncate failed");
          }
          return super.truncate(size);
        }
      };
    }
  }

  private static List<FileLog.Entry> one(String data) {
    return List.of(new FileLog.Entry("", Map.of(), data.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
  }

  @Test
  void failedWrite_isCutBack_andTheLogStaysUsable() throws Exception {
    Path dir = tmp.resolve("log");
    FailingWrites files = new FailingWrites();
    try (FileLog log = FileLog.open(dir, FileLog.Options.DEFAULT, Clock.systemUTC(), files, warnings::add)) {
      log.append(one("first"), 0);
      files.failWrites.set(true);
      IOException e = assertThrows(IOException.class, () -> log.append(one("failed"), 0));
      assertFalse(e instanceof LogFullException, "an I/O error is not a full disk");
      files.failWrites.set(false);

      assertFalse(log.broken());
      assertEquals(1, log.append(one("second"), 0), "the failed record took no offset");
    }
    assertEquals(List.of("first", "second"), LogReader.readAll(dir).stream()
        .map(r -> new String(r.data(), java.nio.charset.StandardCharsets.UTF_8)).toList());
    assertEquals(List.of(), warnings, "nothing left to recover");
  }

  @Test
  void failedWriteThatCannotBeCutBack_breaksTheLogAndTheRoute_untilAReopenCutsThePartialFrame() throws Exception {
    Path dir = tmp.resolve("log");
    FailingWrites files = new FailingWrites();
    FileLog log = FileLog.open(dir, FileLog.Options.DEFAULT, Clock.systemUTC(), files, warnings::add);
    FileLogSink sink = new FileLogSink("broken", log, FsyncPolicy.ALWAYS, 100, 1 << 20, Clock.systemUTC());
    AtomicBoolean told = new AtomicBoolean();
    sink.onHealthChange(() -> told.set(true));
    try {
      assertEquals(0, sink.append(Record.of(new byte[] {1, 2, 3})).get(30, TimeUnit.SECONDS).offset());
      files.failWrites.set(true);
      files.failTruncate.set(true);

      ExecutionException failed = assertThrows(ExecutionException.class,
          () -> sink.append(Record.of(new byte[100])).get(30, TimeUnit.SECONDS));
      RecordRejectedException r = assertInstanceOf(RecordRejectedException.class, failed.getCause());
      assertEquals(RecordRejectedException.Reason.UNAVAILABLE, r.reason());
      assertTrue(r.getMessage().contains("could not be cut back"), r.getMessage());
      assertTrue(log.broken());
      assertFalse(sink.healthy());
      assertTrue(told.get(), "the health listener was told");

      files.failWrites.set(false); // even with the disk well again, the route stays down
      ExecutionException later = assertThrows(ExecutionException.class,
          () -> sink.append(Record.of(new byte[] {4})).get(30, TimeUnit.SECONDS));
      assertTrue(later.getCause().getMessage().contains("until the gateway restarts"), later.getCause().getMessage());
    } finally {
      sink.close();
    }

    try (FileLog reopened = FileLog.open(dir, warnings::add)) {
      assertEquals(1, reopened.nextOffset(), "the partial frame is cut, the acknowledged record kept");
    }
    assertEquals(1, warnings.size(), warnings::toString);
    assertTrue(warnings.get(0).contains("bytes of a torn record"), warnings.get(0));
  }
}
