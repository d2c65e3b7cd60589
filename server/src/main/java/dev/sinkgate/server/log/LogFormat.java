package dev.sinkgate.server.log;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * The on-disk format of a file log, version 1. Documented in {@code docs/file-log-format.md};
 * this class is the single place that reads and writes it.
 *
 * <pre>
 * segment  = header frame*
 * header   = "SGLG" u16 version(=1) u16 flags(=0) u64 base_offset          (16 bytes)
 * frame    = u32 body_length  u32 crc32c(body)  body
 * body     = u8 attributes u64 offset i64 timestamp_ms
 *            [u32 producer_id_length producer_id u64 sequence]   (only with attribute bit 1)
 *            u32 key_length key  u32 header_count (u32 len name u32 len value)*
 *            u32 data_length data
 * </pre>
 * All integers are big-endian; strings are UTF-8.
 */
public final class LogFormat {
  private LogFormat() {}

  static final int MAGIC = 0x53474C47; // "SGLG"
  static final short VERSION = 1;
  public static final int SEGMENT_HEADER_BYTES = 16;
  static final int FRAME_HEADER_BYTES = 8;
  /** The smallest body: attributes, offset, timestamp and three empty lengths (key, headers, data). */
  static final int MIN_BODY_BYTES = 1 + 8 + 8 + 4 + 4 + 4;
  static final int MIN_FRAME_BYTES = FRAME_HEADER_BYTES + MIN_BODY_BYTES;
  /** Enough of a frame to see its length, attributes and offset. */
  static final int FRAME_PROBE_BYTES = FRAME_HEADER_BYTES + 1 + 8;
  /** Upper bound on a body, so a corrupt length field cannot make a reader allocate gigabytes. */
  static final int MAX_BODY_BYTES = 256 * 1024 * 1024;

  static ByteBuffer segmentHeader(long baseOffset) {
    ByteBuffer b = ByteBuffer.allocate(SEGMENT_HEADER_BYTES);
    b.putInt(MAGIC).putShort(VERSION).putShort((short) 0).putLong(baseOffset);
    return b.flip();
  }

  /** Returns the segment's base offset, or throws if the header is not a version-1 header. */
  static long readSegmentHeader(ByteBuffer b, String where) throws CorruptLogException {
    if (b.remaining() < SEGMENT_HEADER_BYTES) {
      throw new CorruptLogException(where + ": segment header is " + b.remaining()
          + " bytes (expected: " + SEGMENT_HEADER_BYTES + ")");
    }
    int magic = b.getInt();
    short version = b.getShort();
    b.getShort();
    long base = b.getLong();
    if (magic != MAGIC) {
      throw new CorruptLogException(where + ": not a sinkgate log segment (magic 0x"
          + Integer.toHexString(magic) + ", expected: 0x" + Integer.toHexString(MAGIC) + ")");
    }
    if (version != VERSION) {
      throw new CorruptLogException(where + ": log format version " + version
          + " (this sinkgate reads version " + VERSION + ")");
    }
    return base;
  }

  /**
   * Attribute bit 0: the record is the first of the records written with one write (a
   * group commit). Recovery uses it to tell the group a crash tore from an earlier group.
   */
  static final int ATTR_GROUP_START = 1;
  /**
   * Attribute bit 1: the record carries its producer id and sequence (idempotent writes),
   * right after the timestamp. Records without a producer id leave it clear and are laid
   * out as before the bit existed.
   */
  static final int ATTR_PRODUCER = 2;
  /** The attribute bits this version knows; a frame with any other bit set is corrupt. */
  static final int KNOWN_ATTRIBUTES = ATTR_GROUP_START | ATTR_PRODUCER;

  /** The number of bytes {@link #writeFrame} appends for this record, without a producer id. */
  static int frameSize(String key, Map<String, String> headers, byte[] data) {
    return FRAME_HEADER_BYTES + bodySize(utf8(key), encodedHeaders(headers), data.length, null);
  }

  /** The number of bytes {@link #writeFrame} appends for this record. */
  static int frameSize(String key, Map<String, String> headers, ByteString data, String producerId) {
    return FRAME_HEADER_BYTES + bodySize(utf8(key), encodedHeaders(headers), data.size(), producerBytes(producerId));
  }

  /**
   * Appends one framed record to {@code out}, which must have room for {@link #frameSize};
   * with a non-empty {@code producerId}, the record stores it and {@code sequence}.
   */
  static void writeFrame(ByteBuffer out, long offset, long timestampMillis, boolean groupStart,
      String key, Map<String, String> headers, ByteString data, String producerId, long sequence) {
    byte[] keyBytes = utf8(key);
    byte[][] headerBytes = encodedHeaders(headers);
    byte[] producer = producerBytes(producerId);
    int bodyLength = bodySize(keyBytes, headerBytes, data.size(), producer);
    int frameStart = out.position();
    out.putInt(bodyLength).putInt(0); // crc patched below
    int bodyStart = out.position();
    int attributes = (groupStart ? ATTR_GROUP_START : 0) | (producer != null ? ATTR_PRODUCER : 0);
    out.put((byte) attributes).putLong(offset).putLong(timestampMillis);
    if (producer != null) {
      out.putInt(producer.length).put(producer).putLong(sequence);
    }
    out.putInt(keyBytes.length).put(keyBytes);
    out.putInt(headerBytes.length / 2);
    for (byte[] part : headerBytes) {
      out.putInt(part.length).put(part);
    }
    out.putInt(data.size());
    data.copyTo(out); // the payload's one copy on its way to the file: straight from the request's buffer(s)
    CRC32C crc = new CRC32C();
    crc.update(out.duplicate().position(bodyStart).limit(bodyStart + bodyLength));
    out.putInt(frameStart + 4, (int) crc.getValue());
  }

  /** The result of looking for a frame at some position. */
  enum FrameCheck { COMPLETE, TRUNCATED, CORRUPT }

  /**
   * Checks the frame starting at {@code b}'s position without consuming it: whether it
   * is whole and its CRC matches.
   */
  static FrameCheck checkFrame(ByteBuffer b) {
    if (b.remaining() < FRAME_HEADER_BYTES) {
      return FrameCheck.TRUNCATED;
    }
    int p = b.position();
    int bodyLength = b.getInt(p);
    if (bodyLength < MIN_BODY_BYTES || bodyLength > MAX_BODY_BYTES) {
      return FrameCheck.CORRUPT;
    }
    if (b.remaining() < FRAME_HEADER_BYTES + bodyLength) {
      return FrameCheck.TRUNCATED;
    }
    CRC32C crc = new CRC32C();
    crc.update(b.duplicate().position(p + FRAME_HEADER_BYTES).limit(p + FRAME_HEADER_BYTES + bodyLength));
    return (int) crc.getValue() == b.getInt(p + 4) ? FrameCheck.COMPLETE : FrameCheck.CORRUPT;
  }

  /** Length of the frame at {@code b}'s position; call only after {@link #checkFrame} said COMPLETE. */
  static int frameLength(ByteBuffer b) {
    return FRAME_HEADER_BYTES + b.getInt(b.position());
  }

  /** Decodes the (already checked) frame at {@code b}'s position and advances past it. */
  static LogRecord readFrame(ByteBuffer b, String where) throws CorruptLogException {
    int bodyLength = b.getInt();
    b.getInt(); // crc, checked by checkFrame
    int end = b.position() + bodyLength;
    try {
      int attributes = b.get() & 0xff;
      if ((attributes & ~KNOWN_ATTRIBUTES) != 0) {
        throw new CorruptLogException(where + ": attributes 0x" + Integer.toHexString(attributes)
            + " (this sinkgate knows 0x" + Integer.toHexString(KNOWN_ATTRIBUTES) + ")");
      }
      long offset = b.getLong();
      long timestamp = b.getLong();
      String producerId = "";
      long sequence = 0;
      if ((attributes & ATTR_PRODUCER) != 0) {
        producerId = new String(bytes(b, end), StandardCharsets.UTF_8);
        if (producerId.isEmpty()) {
          throw new CorruptLogException(where + ": attribute bit 1 set but the producer id is empty");
        }
        sequence = b.getLong();
      }
      String key = new String(bytes(b, end), StandardCharsets.UTF_8);
      int headerCount = b.getInt();
      if (headerCount < 0 || headerCount > bodyLength) {
        throw new CorruptLogException(where + ": header count " + headerCount);
      }
      Map<String, String> headers = new LinkedHashMap<>();
      for (int i = 0; i < headerCount; i++) {
        String name = new String(bytes(b, end), StandardCharsets.UTF_8);
        headers.put(name, new String(bytes(b, end), StandardCharsets.UTF_8));
      }
      byte[] data = bytes(b, end);
      if (b.position() != end) {
        throw new CorruptLogException(where + ": record body has " + (end - b.position())
            + " bytes after its data (expected: none)");
      }
      return new LogRecord(offset, timestamp, key, headers, data, producerId, sequence);
    } catch (java.nio.BufferUnderflowException | IllegalArgumentException e) {
      throw new CorruptLogException(where + ": record body does not parse: " + e);
    }
  }

  private static byte[] bytes(ByteBuffer b, int end) throws CorruptLogException {
    int n = b.getInt();
    if (n < 0 || n > end - b.position()) {
      throw new CorruptLogException("field length " + n + " runs past the record body");
    }
    byte[] out = new byte[n];
    b.get(out);
    return out;
  }

  private static int bodySize(byte[] key, byte[][] headers, int dataLength, byte[] producer) {
    int size = 1 + 8 + 8 + 4 + key.length + 4 + 4 + dataLength;
    if (producer != null) {
      size += 4 + producer.length + 8;
    }
    for (byte[] part : headers) {
      size += 4 + part.length;
    }
    return size;
  }

  private static byte[][] encodedHeaders(Map<String, String> headers) {
    byte[][] parts = new byte[headers.size() * 2][];
    int i = 0;
    for (Map.Entry<String, String> e : headers.entrySet()) {
      parts[i++] = utf8(e.getKey());
      parts[i++] = utf8(e.getValue());
    }
    return parts;
  }

  /** The producer id's bytes, or null for none. */
  private static byte[] producerBytes(String producerId) {
    return producerId == null || producerId.isEmpty() ? null : utf8(producerId);
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
