package dev.sinkgate.server.log;

import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a file log remembers of each producer for idempotent writes: the last sequence it
 * wrote and, for the last {@link #WINDOW} records, which offset each sequence got, so a
 * retried record is answered with its original offset. Like Kafka's producer state.
 *
 * <p>Memory is bounded: a producer idle longer than the expiry is forgotten (its retries
 * are then stored again), and at most {@code maxProducers} are kept, the longest idle
 * evicted first. Producers are kept in the order they last wrote, so both are O(1) per
 * write. Not thread-safe: the log's writer thread owns it.
 */
final class ProducerState {
  /** How many (sequence, offset) pairs are kept per producer. */
  static final int WINDOW = 64;
  /** {@link #duplicateOffset}: the sequence is above the last one written, so the record is new. */
  static final long NEW = -1;
  /** {@link #duplicateOffset}: a duplicate older than the window, whose offset is not known. */
  static final long UNKNOWN_OFFSET = -2;

  /** One producer: its last {@link #WINDOW} sequences and their offsets, in a ring. */
  static final class Producer {
    final long[] sequences = new long[WINDOW];
    final long[] offsets = new long[WINDOW];
    /** Pairs held (up to {@link #WINDOW}); the newest is at {@code (next - 1) mod WINDOW}. */
    int size;
    int next;
    long lastSequence;
    long lastWriteMillis;

    void add(long sequence, long offset, long millis) {
      sequences[next] = sequence;
      offsets[next] = offset;
      next = (next + 1) % WINDOW;
      size = Math.min(size + 1, WINDOW);
      lastSequence = sequence;
      lastWriteMillis = millis;
    }

    /** The offset written for {@code sequence}, or {@link #UNKNOWN_OFFSET} if it is outside the window. */
    long offsetOf(long sequence) {
      for (int i = 1; i <= size; i++) {
        int at = Math.floorMod(next - i, WINDOW);
        if (sequences[at] == sequence) {
          return offsets[at];
        }
      }
      return UNKNOWN_OFFSET;
    }
  }

  private final long expiryMillis;
  private final int maxProducers;
  /** Least recently written first. */
  private final LinkedHashMap<String, Producer> producers = new LinkedHashMap<>();

  ProducerState(Duration expiry, int maxProducers) {
    this.expiryMillis = expiry.toMillis();
    this.maxProducers = maxProducers;
  }

  /**
   * Whether a record of {@code producerId} with {@code sequence} was written already:
   * {@link #NEW} if not (an unknown producer, or a sequence above its last), else the
   * original's offset, or {@link #UNKNOWN_OFFSET} if it is older than the window.
   * Sequences compare unsigned, as the {@code uint64} they are on the wire.
   */
  long duplicateOffset(String producerId, long sequence) {
    Producer p = producers.get(producerId);
    if (p == null || Long.compareUnsigned(sequence, p.lastSequence) > 0) {
      return NEW;
    }
    return p.offsetOf(sequence);
  }

  /** Remembers that {@code producerId}'s record {@code sequence} was written at {@code offset}. */
  void written(String producerId, long sequence, long offset, long millis) {
    Producer p = producers.remove(producerId);
    if (p == null) {
      p = new Producer();
    }
    p.add(sequence, offset, millis);
    producers.put(producerId, p);
    Iterator<Producer> eldest = producers.values().iterator();
    while (producers.size() > maxProducers) {
      eldest.next();
      eldest.remove();
    }
  }

  /** Forgets the producers that wrote nothing for longer than the expiry before {@code nowMillis}. */
  void expire(long nowMillis) {
    Iterator<Producer> eldest = producers.values().iterator();
    while (eldest.hasNext() && nowMillis - eldest.next().lastWriteMillis > expiryMillis) {
      eldest.remove();
    }
  }

  /** Adds a producer read from a snapshot, as the most recently written so far. */
  void restore(String producerId, Producer p) {
    producers.put(producerId, p);
  }

  /** The producers, least recently written first (for a snapshot). */
  Map<String, Producer> producers() {
    return java.util.Collections.unmodifiableMap(producers);
  }

  int size() {
    return producers.size();
  }

  void clear() {
    producers.clear();
  }
}
