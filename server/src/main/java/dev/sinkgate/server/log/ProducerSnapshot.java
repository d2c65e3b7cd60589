package dev.sinkgate.server.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * A file log's {@link ProducerState} saved at an offset, so that opening the log replays
 * only the records after it instead of the whole log (like Kafka's producer-state
 * snapshots). Written when a segment rolls (named by the new segment's base offset) and at
 * a clean close (named by the next offset). Documented in docs/file-log-format.md:
 *
 * <pre>
 * snapshot = "SGPS" u16 version(=1) u64 offset u32 producer_count producer* u32 crc32c(everything before)
 * producer = u32 id_length id i64 last_write_ms u8 pair_count (u64 sequence u64 offset)*   -- oldest pair first
 * </pre>
 */
final class ProducerSnapshot {
  private ProducerSnapshot() {}

  static final String SUFFIX = ".producers";
  /** A snapshot file name: the offset it was taken at, in 20 digits. */
  static final String NAME = "\\d{20}\\" + SUFFIX;
  private static final int MAGIC = 0x53475053; // "SGPS"
  private static final short VERSION = 1;

  static Path file(Path dir, long offset) {
    return dir.resolve(String.format("%020d%s", offset, SUFFIX));
  }

  static long offsetOf(Path snapshot) {
    return Long.parseLong(snapshot.getFileName().toString().substring(0, 20));
  }

  /**
   * Writes {@code state}, which covers every record below {@code offset}, atomically and
   * durably: to a {@code .tmp} file, fsync'd, renamed into place, directory fsync'd.
   */
  static Path write(LogFiles files, Path dir, long offset, ProducerState state) throws IOException {
    int size = 4 + 2 + 8 + 4 + 4;
    for (Map.Entry<String, ProducerState.Producer> e : state.producers().entrySet()) {
      size += 4 + utf8(e.getKey()).length + 8 + 1 + 16 * e.getValue().size;
    }
    ByteBuffer b = ByteBuffer.allocate(size);
    b.putInt(MAGIC).putShort(VERSION).putLong(offset).putInt(state.size());
    for (Map.Entry<String, ProducerState.Producer> e : state.producers().entrySet()) {
      ProducerState.Producer p = e.getValue();
      byte[] id = utf8(e.getKey());
      b.putInt(id.length).put(id).putLong(p.lastWriteMillis).put((byte) p.size);
      for (int i = p.size; i >= 1; i--) {
        int at = Math.floorMod(p.next - i, ProducerState.WINDOW);
        b.putLong(p.sequences[at]).putLong(p.offsets[at]);
      }
    }
    CRC32C crc = new CRC32C();
    crc.update(b.array(), 0, b.position());
    b.putInt((int) crc.getValue()).flip();
    Path target = file(dir, offset);
    Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
    try {
      try (FileChannel ch = files.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
          StandardOpenOption.WRITE)) {
        while (b.hasRemaining()) {
          ch.write(b);
        }
        ch.force(true);
      }
      files.deleteIfExists(target); // a close at an offset already snapshotted at a roll: same content
      files.moveAtomically(tmp, target);
    } catch (IOException e) {
      files.deleteIfExists(tmp);
      throw e;
    }
    files.syncDirectory(dir);
    return target;
  }

  /**
   * Reads the snapshot {@code file} into {@code state} (which must be empty).
   *
   * @throws CorruptLogException if it is damaged (wrong CRC, magic, version or layout);
   *     {@code state} may then hold part of it: clear it
   */
  static void read(LogFiles files, Path file, ProducerState state) throws IOException {
    ByteBuffer b;
    try (FileChannel ch = files.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      if (size < 4 + 2 + 8 + 4 + 4 || size > Integer.MAX_VALUE) {
        throw new CorruptLogException(file + ": " + size + " bytes is no producer snapshot");
      }
      b = ByteBuffer.allocate((int) size);
      while (b.hasRemaining() && ch.read(b) >= 0) {
        // reading
      }
      b.flip();
    }
    int end = b.limit() - 4;
    CRC32C crc = new CRC32C();
    crc.update(b.array(), 0, end);
    if ((int) crc.getValue() != b.getInt(end)) {
      throw new CorruptLogException(file + ": the producer snapshot fails its CRC check");
    }
    try {
      if (b.getInt() != MAGIC || b.getShort() != VERSION || b.getLong() != offsetOf(file)) {
        throw new CorruptLogException(file + ": not a version-" + VERSION + " producer snapshot of offset "
            + offsetOf(file));
      }
      int count = b.getInt();
      b.limit(end);
      for (int i = 0; i < count; i++) {
        int idLength = b.getInt();
        if (idLength < 0 || idLength > b.remaining()) {
          throw new CorruptLogException(file + ": producer id length " + idLength);
        }
        byte[] id = new byte[idLength];
        b.get(id);
        ProducerState.Producer p = new ProducerState.Producer();
        long lastWrite = b.getLong();
        int pairs = b.get() & 0xff;
        if (pairs == 0 || pairs > ProducerState.WINDOW) {
          throw new CorruptLogException(file + ": " + pairs + " sequences for a producer (expected: 1 to "
              + ProducerState.WINDOW + ")");
        }
        for (int j = 0; j < pairs; j++) {
          p.add(b.getLong(), b.getLong(), lastWrite);
        }
        state.restore(new String(id, StandardCharsets.UTF_8), p);
      }
      if (b.hasRemaining()) {
        throw new CorruptLogException(file + ": " + b.remaining() + " bytes after the last producer");
      }
    } catch (java.nio.BufferUnderflowException e) {
      throw new CorruptLogException(file + ": the producer snapshot ends early");
    }
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
