package dev.sinkgate.server.spool;

import dev.sinkgate.server.log.LogFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.UUID;
import java.util.zip.CRC32C;

/**
 * The two small files a spool keeps beside its log segments: {@value #PRODUCER_ID_FILE}
 * (the producer id its forwarder writes with, created once) and {@value #CURSOR_FILE} (the
 * offset of the next record to forward). Each is a magic number, a payload and a CRC32C of
 * both, replaced atomically (tmp file, fsync, rename, directory fsync), so a crash leaves the
 * old file or the new one, and damage is detected rather than read as an offset.
 */
final class SpoolState {
  static final String PRODUCER_ID_FILE = "producer-id";
  static final String CURSOR_FILE = "cursor";
  private static final int PRODUCER_ID_MAGIC = 0x53475049; // "SGPI"
  private static final int CURSOR_MAGIC = 0x53474355; // "SGCU"

  private final Path dir;
  private final LogFiles files;

  SpoolState(Path dir, LogFiles files) {
    this.dir = dir;
    this.files = files;
  }

  /** The spool's producer id, created (and persisted) if it has none yet. */
  UUID producerId() throws IOException {
    ByteBuffer payload = read(PRODUCER_ID_FILE, PRODUCER_ID_MAGIC, 16);
    if (payload != null) {
      return new UUID(payload.getLong(), payload.getLong());
    }
    return newProducerId();
  }

  /** Replaces the producer id with a fresh one and returns it. */
  UUID newProducerId() throws IOException {
    UUID id = UUID.randomUUID();
    write(PRODUCER_ID_FILE, PRODUCER_ID_MAGIC,
        ByteBuffer.allocate(16).putLong(id.getMostSignificantBits()).putLong(id.getLeastSignificantBits()));
    return id;
  }

  /** The committed cursor (the next offset to forward), or -1 if none was ever committed. */
  long cursor() throws IOException {
    ByteBuffer payload = read(CURSOR_FILE, CURSOR_MAGIC, 8);
    return payload == null ? -1 : payload.getLong();
  }

  /** Commits {@code next} as the cursor, durably. */
  void commitCursor(long next) throws IOException {
    write(CURSOR_FILE, CURSOR_MAGIC, ByteBuffer.allocate(8).putLong(next));
  }

  private ByteBuffer read(String name, int magic, int payloadBytes) throws IOException {
    Path file = dir.resolve(name);
    if (!Files.exists(file)) {
      return null;
    }
    byte[] bytes = Files.readAllBytes(file);
    ByteBuffer b = ByteBuffer.wrap(bytes);
    if (bytes.length != 4 + payloadBytes + 4 || b.getInt(0) != magic
        || b.getInt(4 + payloadBytes) != crc(bytes, 4 + payloadBytes)) {
      throw new IOException("spool " + dir + ": " + name + " is damaged (" + bytes.length + " bytes, expected "
          + (payloadBytes + 8) + " with a matching CRC32C). Stop the gateway and delete it: "
          + (name.equals(CURSOR_FILE)
              ? "the spool then forwards again from its oldest record, which a deduplicating downstream answers as duplicates"
              : "the spool then forwards as a new producer, so a replay is no longer recognised as a duplicate"));
    }
    return b.position(4).limit(4 + payloadBytes);
  }

  private void write(String name, int magic, ByteBuffer payload) throws IOException {
    payload.flip();
    ByteBuffer out = ByteBuffer.allocate(4 + payload.remaining() + 4);
    out.putInt(magic).put(payload);
    out.putInt(crc(out.array(), out.position()));
    out.flip();
    Path file = dir.resolve(name);
    Path tmp = dir.resolve(name + ".tmp");
    try (FileChannel ch = files.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
        StandardOpenOption.WRITE)) {
      while (out.hasRemaining()) {
        ch.write(out);
      }
      ch.force(true);
    }
    Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    files.syncDirectory(dir);
  }

  private static int crc(byte[] bytes, int length) {
    CRC32C crc = new CRC32C();
    crc.update(bytes, 0, length);
    return (int) crc.getValue();
  }
}
