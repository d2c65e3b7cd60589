package dev.sinkgate.server.log;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The log reuses its write buffer between appends: groups that grow it, small groups after
 * large ones (nothing of a larger earlier group may leak into a smaller later one), and a
 * group too large to keep a buffer for all read back exactly as appended.
 */
class FileLogWriteBufferTest {
  @TempDir Path dir;

  private static FileLog.Entry entry(int size, long seed) {
    byte[] data = new byte[size];
    new Random(seed).nextBytes(data);
    // A slice at an odd offset: the frame copies the payload from wherever the ByteString keeps it.
    byte[] padded = new byte[size + 5];
    System.arraycopy(data, 0, padded, 3, size);
    return new FileLog.Entry("k" + seed, Map.of("size", Integer.toString(size)),
        ByteString.copyFrom(padded).substring(3, 3 + size), "", 0);
  }

  @Test
  void appendsOfGrowingShrinkingAndOversizedGroups_readBackExactly() throws Exception {
    int oversized = FileLog.MAX_REUSED_WRITE_BUFFER / 3 + 1; // three make a group past the reused buffer
    List<List<FileLog.Entry>> groups = List.of(
        List.of(entry(10, 1)),
        List.of(entry(100 << 10, 2), entry(1, 3)),
        List.of(entry(10, 4)),
        List.of(entry(oversized, 5), entry(oversized, 6), entry(oversized, 7)),
        List.of(entry(0, 8), entry(10, 9)));
    List<FileLog.Entry> appended = new ArrayList<>();
    try (FileLog log = FileLog.open(dir, FileLog.Options.DEFAULT, java.time.Clock.systemUTC(), LogFiles.SYSTEM,
        w -> {})) {
      for (List<FileLog.Entry> g : groups) {
        assertEquals(appended.size(), log.append(g, 1_000));
        appended.addAll(g);
      }
    }
    List<LogRecord> stored = LogReader.readAll(dir);
    assertEquals(appended.size(), stored.size());
    for (int i = 0; i < appended.size(); i++) {
      TestRecords.assertRecord(i, 1_000, appended.get(i), stored.get(i));
    }
  }
}
