package dev.sinkgate.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import dev.sinkgate.server.log.FileLog;

/**
 * The disk's own limit for durable appends, for harnesses outside this package: a raw
 * append + fdatasync loop ({@link RawAppendWorkload}) at a given batch, on a fresh file in
 * {@code dir}, measured over a window.
 */
public final class DiskReference {
  /**
   * @param batch records per fdatasync
   * @param recordsPerSecond records appended and synced per second
   * @param syncsPerSecond fdatasync calls per second
   * @param bytesPerSecond bytes appended per second
   */
  public record Result(int batch, int recordBytes, double recordsPerSecond, double syncsPerSecond,
      double bytesPerSecond) {}

  private DiskReference() {}

  /**
   * Appends {@code batch} records of {@code recordBytes} then forces, in a loop, for
   * {@code warmup} uncounted and {@code duration} counted; the file is deleted afterwards.
   */
  public static Result measure(Path dir, int batch, int recordBytes, Duration warmup, Duration duration)
      throws IOException, InterruptedException {
    Path file = Files.createTempFile(dir, "raw-append-", ".bin");
    Files.delete(file); // RawAppendWorkload creates it new, as ext4 must then commit its size too
    byte[] content = new byte[Math.max(1, Math.min(recordBytes, 1 << 16))];
    new Random(7).nextBytes(content);
    Window w;
    try (RawAppendWorkload raw = RawAppendWorkload.start(file, batch, recordBytes, content)) {
      w = Window.measure(raw, warmup, duration);
    } finally {
      Files.deleteIfExists(file);
    }
    double seconds = w.nanos() / 1e9;
    return new Result(batch, recordBytes, w.records() / seconds, w.syncs() / seconds,
        w.records() * (double) recordBytes / seconds);
  }

  /**
   * The bytes the file log puts on disk for one record with this payload (and no key or
   * headers): appended to a scratch log in {@code scratch} (created, then deleted) and read
   * back from its size.
   */
  public static int frameBytes(Path scratch, byte[] payload) throws IOException {
    try (FileLog log = FileLog.open(scratch, w -> {})) {
      long before = log.sizeBytes();
      log.append(List.of(new FileLog.Entry("", Map.of(), payload)), 0);
      return Math.toIntExact(log.sizeBytes() - before);
    } finally {
      deleteTree(scratch);
    }
  }

  /** Deletes {@code path} and everything under it, if it exists. */
  public static void deleteTree(Path path) throws IOException {
    if (!Files.exists(path)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(path)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
