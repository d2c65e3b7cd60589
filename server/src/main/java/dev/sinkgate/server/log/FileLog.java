package dev.sinkgate.server.log;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import java.io.IOException;
import java.io.SyncFailedException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * An append-only log of framed records in a directory of segment files: append, read
 * (through {@link LogReader} and {@link LogTail}), trim. Reusable apart from the gRPC
 * layer: the file sink uses it, the spool will. Not thread-safe: one writer thread owns
 * it (see {@link FileLogSink}). The format is {@link LogFormat}.
 *
 * <p>Records are numbered 0, 1, 2, …; the number (the offset) is stable across restarts,
 * rolls and deletions. Each segment is named by the offset of its first record. When
 * the active segment would grow past {@link Options#segmentBytes()}, it is synced and a
 * new one is created; only then may retention ({@link Options#retentionBytes()},
 * {@link Options#retentionAge()}) or {@link #trimBefore} delete whole older segments,
 * never the active one. Creating and deleting segments syncs the directory.
 *
 * <p>Opening recovers the <em>last segment only</em>: every earlier one was synced
 * before its successor was created, so start-up time is bounded by the segment size,
 * not the log's. A torn tail (an incomplete, zero-filled or bit-damaged last record, as a
 * crash leaves) is cut off; the cut bytes are kept in a {@code .torn-POSITION} file next
 * to the segment and a warning names how many bytes were cut. A bad record followed by
 * valid ones is corruption, not a crash: opening refuses and names {@code sinkgate log
 * repair}, and changes nothing.
 *
 * <p>Failures: a failed fsync makes the log unusable ({@link #broken()}) and is never
 * retried, because after a failed fsync the kernel may have dropped the dirty pages and a
 * later "successful" fsync proves nothing. A full file system fails the append with
 * {@link LogFullException} after cutting the log back, so a later append may succeed.
 *
 * <p>Idempotent writes: records appended with a producer id store it and its sequence,
 * and the log keeps each producer's last sequence and last 64 offsets (a
 * {@code ProducerState}, bounded by {@link Options#producerExpiry()} and
 * {@link Options#maxProducers()}). The table is saved in a {@code .producers} snapshot
 * before each roll and at a clean close; opening loads the newest valid one and replays
 * the records after it, which it reads anyway while recovering the last segment.
 *
 * <p>One process at a time: an open log holds an exclusive lock on {@code .lock} in its
 * directory, so a second gateway pointed at the same path fails to start.
 */
public final class FileLog implements AutoCloseable {
  /**
   * Written by a clean {@link #close()} after the last sync, deleted (durably) by the next
   * open: while it exists no write can have been torn, so recovery treats any damage in
   * the last segment as corruption rather than cutting it as a torn tail.
   */
  public static final String CLEAN_FILE = ".clean";

  /** A segment file name: its base offset in 20 digits. */
  static final String SEGMENT_NAME = "\\d{20}\\.log";

  /**
   * How a log rolls and what it keeps.
   *
   * @param segmentBytes a segment is rolled once the next append would take it past this
   * @param retentionBytes older segments are deleted while the log is larger than this;
   *     0 keeps everything
   * @param retentionAge segments whose last write is older than this are deleted; null
   *     keeps everything
   * @param producerExpiry a producer (idempotent writes) that wrote nothing for this long
   *     is forgotten: a retry of its records is stored again
   * @param maxProducers at most this many producers are remembered; beyond it the one
   *     idle longest is forgotten
   * @param capacityBytes an append that would take the log past this many bytes fails with
   *     {@link LogFullException}, as a full file system does (a spool's bound); 0 for none
   */
  public record Options(long segmentBytes, long retentionBytes, Duration retentionAge, Duration producerExpiry,
      int maxProducers, long capacityBytes) {
    /** How long an idle producer is remembered unless configured (like Kafka's {@code producer.id.expiration.ms}). */
    public static final Duration DEFAULT_PRODUCER_EXPIRY = Duration.ofHours(24);
    /** How many producers are remembered unless configured. */
    public static final int DEFAULT_MAX_PRODUCERS = 10_000;
    /** 64 MiB segments, everything kept. */
    public static final Options DEFAULT = new Options(64L << 20, 0, null);
    /** The smallest segment size: a header and a little room. */
    public static final long MIN_SEGMENT_BYTES = 4096;

    /** With the default producer expiry and limit, and no capacity bound. */
    public Options(long segmentBytes, long retentionBytes, Duration retentionAge) {
      this(segmentBytes, retentionBytes, retentionAge, DEFAULT_PRODUCER_EXPIRY, DEFAULT_MAX_PRODUCERS, 0);
    }

    public Options {
      if (producerExpiry == null || producerExpiry.isNegative() || producerExpiry.isZero()) {
        throw new IllegalArgumentException("producerExpiry: " + producerExpiry + " (expected: > 0)");
      }
      if (maxProducers < 1) {
        throw new IllegalArgumentException("maxProducers: " + maxProducers + " (expected: >= 1)");
      }
      if (segmentBytes < MIN_SEGMENT_BYTES || segmentBytes > 1L << 30) {
        throw new IllegalArgumentException("segmentBytes: " + segmentBytes + " (expected: "
            + MIN_SEGMENT_BYTES + " to 1GiB)");
      }
      if (retentionBytes < 0) {
        throw new IllegalArgumentException("retentionBytes: " + retentionBytes + " (expected: >= 0)");
      }
      if (retentionAge != null && (retentionAge.isNegative() || retentionAge.isZero())) {
        throw new IllegalArgumentException("retentionAge: " + retentionAge + " (expected: > 0, or null)");
      }
      if (capacityBytes < 0) {
        throw new IllegalArgumentException("capacityBytes: " + capacityBytes + " (expected: >= 0)");
      }
    }

    public Options withSegmentBytes(long bytes) {
      return new Options(bytes, retentionBytes, retentionAge, producerExpiry, maxProducers, capacityBytes);
    }

    public Options withRetention(long bytes, Duration age) {
      return new Options(segmentBytes, bytes, age, producerExpiry, maxProducers, capacityBytes);
    }

    public Options withProducers(Duration expiry, int max) {
      return new Options(segmentBytes, retentionBytes, retentionAge, expiry, max, capacityBytes);
    }

    public Options withCapacity(long bytes) {
      return new Options(segmentBytes, retentionBytes, retentionAge, producerExpiry, maxProducers, bytes);
    }
  }

  /** A closed segment: its base offset, its file and its final size. */
  record Segment(long baseOffset, Path file, long bytes) {}

  private final Path dir;
  private final Options options;
  private final Clock clock;
  private final LogFiles files;
  private final DirectoryLock lock;
  private final Consumer<String> warnings;
  /** Closed segments, oldest first. */
  private final List<Segment> closedSegments;
  private long activeBase;
  private Path activeFile;
  private FileChannel channel;
  private long activeBytes;
  /** How far the active segment is known synced (its size at the last successful sync). */
  private long syncedBytes;
  private long nextOffset;
  private boolean closed;
  /** Reused by {@link #append}: see {@link #writeBuffer(int)}. */
  private ByteBuffer writeBuffer;
  /** Why the log takes no more writes, or null. */
  private String broken;
  /** Volatile so tests and metrics may read it from another thread than the owner. */
  private volatile long syncs;
  /** The last sequences of each producer that wrote to the log, and their snapshots (idempotent writes). */
  private final ProducerTable producers;

  private FileLog(Path dir, Options options, Clock clock, LogFiles files, DirectoryLock lock,
      Consumer<String> warnings, List<Segment> closedSegments, long activeBase, FileChannel channel,
      long activeBytes, long nextOffset, ProducerTable producers) {
    this.producers = producers;
    this.warnings = warnings;
    this.dir = dir;
    this.options = options;
    this.clock = clock;
    this.files = files;
    this.lock = lock;
    this.closedSegments = closedSegments;
    this.activeBase = activeBase;
    this.activeFile = segmentFile(dir, activeBase);
    this.channel = channel;
    this.activeBytes = activeBytes;
    this.syncedBytes = activeBytes;
    this.nextOffset = nextOffset;
  }

  /** The segment file of a log directory holding records from {@code baseOffset}. */
  static Path segmentFile(Path dir, long baseOffset) {
    return dir.resolve(String.format("%020d.log", baseOffset));
  }

  /** Opens the log in {@code dir} with {@link Options#DEFAULT}; see {@link #open(Path, Options, Clock, LogFiles, Consumer)}. */
  public static FileLog open(Path dir, Consumer<String> warnings) throws IOException {
    return open(dir, Options.DEFAULT, Clock.systemUTC(), LogFiles.SYSTEM, warnings);
  }

  /**
   * Opens the log in {@code dir}, creating the directory and its first segment if they
   * do not exist, and recovering the last segment's tail.
   *
   * @param clock tells the time for {@link Options#retentionAge()}
   * @param files the file operations (a test passes a fault-injecting layer)
   * @param warnings receives one line per recovery action, and later one per failed
   *     retention delete after a roll (which does not fail the append)
   * @throws CorruptLogException if the last segment is damaged other than at its tail
   */
  public static FileLog open(Path dir, Options options, Clock clock, LogFiles files, Consumer<String> warnings)
      throws IOException {
    Files.createDirectories(dir);
    DirectoryLock lock = DirectoryLock.acquire(dir);
    try {
      return open(dir, options, clock, files, lock, warnings);
    } catch (IOException | RuntimeException e) {
      lock.close();
      throw e;
    }
  }

  private static FileLog open(Path dir, Options options, Clock clock, LogFiles files, DirectoryLock lock,
      Consumer<String> warnings) throws IOException {
    List<Path> paths;
    try (Stream<Path> list = Files.list(dir)) {
      paths = list.sorted().toList();
    }
    List<Segment> segments = new ArrayList<>();
    TreeSet<Long> snapshots = new TreeSet<>();
    for (Path p : paths) {
      String name = p.getFileName().toString();
      if (name.matches(SEGMENT_NAME + "\\.tmp") || name.matches(ProducerSnapshot.NAME + "\\.tmp")) {
        files.deleteIfExists(p); // a file whose creation a crash interrupted: never renamed, so never used
      } else if (name.matches(SEGMENT_NAME)) {
        segments.add(new Segment(Long.parseLong(name.substring(0, 20)), p, Files.size(p)));
      } else if (name.matches(ProducerSnapshot.NAME)) {
        snapshots.add(ProducerSnapshot.offsetOf(p));
      }
    }
    if (segments.isEmpty()) {
      createSegment(files, dir, 0);
      segments.add(new Segment(0, segmentFile(dir, 0), LogFormat.SEGMENT_HEADER_BYTES));
    }
    long firstBase = segments.get(0).baseOffset();
    Segment last = segments.remove(segments.size() - 1);
    ProducerState producers = new ProducerState(options.producerExpiry(), options.maxProducers());
    ProducerRecovery recovery = new ProducerRecovery(files, dir, snapshots, firstBase, segments.size() + 1,
        producers, warnings);
    long from = recovery.loadNewestSnapshot(Long.MAX_VALUE);
    // The records after the snapshot: in the closed segments only when a snapshot was
    // missing or damaged; in the last segment while recovery checks it anyway.
    recovery.replay(segments, from, last.baseOffset());
    TailRecovery.Recovered tail = TailRecovery.recover(files, dir, last.file(), last.baseOffset(), warnings,
        r -> ProducerRecovery.replay(r, from, producers));
    if (from > tail.nextOffset()) {
      List<Segment> all = new ArrayList<>(segments);
      all.add(last);
      recovery.restartBelow(tail.nextOffset(), all);
    }
    return new FileLog(dir, options, clock, files, lock, warnings, segments, last.baseOffset(), tail.channel(),
        tail.validEnd(), tail.nextOffset(), new ProducerTable(files, dir, warnings, producers, snapshots));
  }

  static String repairHint(Path dir) {
    return ". Stop the gateway and run 'sinkgate log repair " + dir + "': it keeps the damaged bytes and"
        + " every record after them aside and cuts the log back to the last good record"
        + " ('sinkgate log verify " + dir + "' shows the damage first)";
  }

  /**
   * Creates the segment for {@code baseOffset} holding only its header, atomically: a crash
   * leaves either no segment or a whole header, never an empty file that would block the
   * next start.
   */
  static void createSegment(LogFiles files, Path dir, long baseOffset) throws IOException {
    Path segment = segmentFile(dir, baseOffset);
    Path tmp = segment.resolveSibling(segment.getFileName() + ".tmp");
    try {
      try (FileChannel ch = files.open(tmp, StandardOpenOption.CREATE,
          StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
        ByteBuffer header = LogFormat.segmentHeader(baseOffset);
        while (header.hasRemaining()) {
          ch.write(header);
        }
        ch.force(true);
      }
      files.moveAtomically(tmp, segment);
    } catch (IOException e) {
      files.deleteIfExists(tmp);
      throw e;
    }
    files.syncDirectory(dir);
  }

  /**
   * A record to append.
   *
   * @param producerId the producer id it is written with, {@code ""} for none
   * @param sequence the producer's sequence number for it (ignored without a producer id)
   */
  public record Entry(String key, Map<String, String> headers, ByteString data, String producerId, long sequence) {
    public Entry {
      producerId = producerId == null ? "" : producerId;
    }

    /** As the canonical constructor; {@code data} is handed over (wrapped, not copied). */
    public Entry(String key, Map<String, String> headers, byte[] data, String producerId, long sequence) {
      this(key, headers, UnsafeByteOperations.unsafeWrap(data), producerId, sequence);
    }

    /** A record without a producer id; {@code data} is handed over (wrapped, not copied). */
    public Entry(String key, Map<String, String> headers, byte[] data) {
      this(key, headers, data, "", 0);
    }
  }

  /**
   * Whether the record {@code sequence} of {@code producerId} was appended already: see
   * {@link ProducerState#duplicateOffset}. For the writer thread, after
   * {@link #expireProducers}.
   */
  long duplicateOffset(String producerId, long sequence) {
    return producers.duplicateOffset(producerId, sequence);
  }

  /** Forgets the producers idle longer than {@link Options#producerExpiry()} at {@code nowMillis}. */
  void expireProducers(long nowMillis) {
    producers.expire(nowMillis);
  }

  /** How many producers the log remembers. */
  int producerCount() {
    return producers.size();
  }

  /** The offset the next appended record will get. */
  public long nextOffset() {
    return nextOffset;
  }

  /** The offset of the oldest record the log still holds (equal to {@link #nextOffset()} when it holds none). */
  public long firstOffset() {
    return closedSegments.isEmpty() ? activeBase : closedSegments.get(0).baseOffset();
  }

  /** Bytes in the log, segment headers included. */
  public long sizeBytes() {
    long total = activeBytes;
    for (Segment s : closedSegments) {
      total += s.bytes();
    }
    return total;
  }

  /** How many segment files the log has, the active one included. */
  public int segmentCount() {
    return closedSegments.size() + 1;
  }

  public Path directory() {
    return dir;
  }

  public Options options() {
    return options;
  }

  /**
   * Appends {@code entries} in order with one write and returns the offset of the first,
   * rolling to a new segment first if they would take the active one past
   * {@link Options#segmentBytes()}. The records reach the OS, not the disk: call
   * {@link #sync()} for that. If the write fails, the log is cut back to where it was, so a
   * failed batch leaves no partial record.
   *
   * @throws LogFullException if the file system is full, or the records would take the log
   *     past {@link Options#capacityBytes()}; the log is unchanged and usable
   * @throws SyncFailedException if syncing the segment being rolled failed; the log is broken
   */
  public long append(List<Entry> entries, long timestampMillis) throws IOException {
    checkWritable();
    int bytes = 0;
    for (Entry e : entries) {
      bytes = Math.addExact(bytes, LogFormat.frameSize(e.key(), e.headers(), e.data(), e.producerId()));
    }
    boolean rolls = activeBytes > LogFormat.SEGMENT_HEADER_BYTES && activeBytes + bytes > options.segmentBytes();
    long after = sizeBytes() + bytes + (rolls ? LogFormat.SEGMENT_HEADER_BYTES : 0);
    if (options.capacityBytes() > 0 && after > options.capacityBytes()) {
      throw new LogFullException(dir, sizeBytes() + " bytes held and " + bytes + " to append would pass the capacity of "
          + options.capacityBytes() + " bytes");
    }
    if (rolls) {
      roll();
    }
    ByteBuffer buf = writeBuffer(bytes);
    long first = nextOffset;
    long offset = first;
    for (Entry e : entries) {
      LogFormat.writeFrame(buf, offset, timestampMillis, offset == first, e.key(), e.headers(), e.data(),
          e.producerId(), e.sequence());
      offset++;
    }
    buf.flip();
    try {
      while (buf.hasRemaining()) {
        channel.write(buf);
      }
    } catch (IOException e) {
      try {
        channel.truncate(activeBytes);
        channel.position(activeBytes);
      } catch (IOException suppressed) {
        // A partial frame may remain in the middle of the log: appending after it would
        // bury it, so the log takes no more records until it is reopened (and recovered).
        broken = "a failed write could not be cut back (" + suppressed + ")";
        IOException stuck = new IOException("file log " + dir + ": a write failed (" + e.getMessage() + ") and "
            + broken, e);
        stuck.addSuppressed(suppressed);
        throw stuck;
      }
      throw LogFullException.isFull(e) ? new LogFullException(dir, e) : e;
    }
    activeBytes += bytes;
    nextOffset = offset;
    // Only now, with the records written: a group refused above does not advance a producer.
    producers.written(entries, first, timestampMillis);
    return first;
  }

  /** The largest write buffer {@link #append} keeps between appends; a larger group gets a one-off buffer. */
  static final int MAX_REUSED_WRITE_BUFFER = 8 << 20;

  /**
   * An empty buffer for {@code bytes} of frames. Direct and reused (the writer thread owns
   * the log), so a group's frames are built where the channel writes them from: a heap buffer
   * would be copied once more into the JDK's temporary direct buffer on every write.
   */
  private ByteBuffer writeBuffer(int bytes) {
    if (bytes > MAX_REUSED_WRITE_BUFFER) {
      return ByteBuffer.allocate(bytes);
    }
    if (writeBuffer == null || writeBuffer.capacity() < bytes) {
      writeBuffer = ByteBuffer.allocateDirect(Math.max(64 << 10, Integer.highestOneBit(bytes - 1) << 1));
    }
    return writeBuffer.clear().limit(bytes);
  }

  /**
   * Syncs the active segment, then creates the next one. If creating it fails (a full
   * disk), the active segment stays active and the next append tries again.
   */
  private void roll() throws IOException {
    sync();
    // Before the segment exists: a segment is never there without the snapshot at its base
    // (short of a failure to save it), so a crash at any step of a roll leaves an open that
    // replays only the last segment.
    producers.snapshot(nextOffset, activeBase);
    Path created = segmentFile(dir, nextOffset);
    try {
      createSegment(files, dir, nextOffset);
    } catch (IOException e) {
      if (Files.exists(created)) {
        // Renamed into place, but the directory sync failed: the new segment may or may not
        // survive, and appending to the old one would put offsets in the wrong file on a
        // restart that finds it. A failed directory fsync is as final as a file's.
        broken = "the new segment " + created.getFileName() + " was created but syncing the directory failed ("
            + e + ")";
        SyncFailedException failed = new SyncFailedException("file log " + dir + ": " + broken);
        failed.initCause(e);
        throw failed;
      }
      throw LogFullException.isFull(e) ? new LogFullException(dir, e) : e;
    }
    FileChannel next = null;
    try {
      next = files.open(created, StandardOpenOption.READ, StandardOpenOption.WRITE);
      next.position(LogFormat.SEGMENT_HEADER_BYTES);
    } catch (IOException e) {
      // The new segment exists, so appending to the old one would put offsets in the wrong file.
      broken = "the new segment " + created.getFileName() + " could not be opened (" + e + ")";
      if (next != null) {
        next.close();
      }
      throw e;
    }
    FileChannel old = channel;
    closedSegments.add(new Segment(activeBase, activeFile, activeBytes));
    channel = next;
    activeBase = nextOffset;
    activeFile = segmentFile(dir, activeBase);
    activeBytes = LogFormat.SEGMENT_HEADER_BYTES;
    syncedBytes = activeBytes; // createSegment synced the header
    old.close();
    try {
      enforceRetention();
    } catch (IOException e) {
      // The roll and the append stand; the next roll or check tries again.
      warnings.accept("file log " + dir + ": deleting segments past retention failed: " + e);
    }
  }

  /**
   * Forces every appended record to stable storage (fdatasync). A failure is final: the
   * log is {@link #broken()} from then on and never syncs the file again.
   *
   * @throws SyncFailedException if the sync failed, with the cause
   */
  public void sync() throws IOException {
    checkWritable();
    try {
      channel.force(false);
    } catch (IOException e) {
      broken = "fsync of " + activeFile.getFileName() + " failed (" + e + ")";
      SyncFailedException failed = new SyncFailedException("file log " + dir + ": " + broken);
      failed.initCause(e);
      throw failed;
    }
    syncs++; // only the owning thread writes it
    syncedBytes = activeBytes;
  }

  /**
   * After a failed {@link #sync()}: cuts the active segment back to where the last
   * successful sync left it, best effort, so that records refused for want of a sync do
   * not come back when a restart recovers the log (and get stored twice once resent). Only
   * for a caller that acknowledged nothing since that sync ({@code fsync: always}); with
   * {@code interval} the unsynced records were acknowledged and must stay.
   */
  public void discardUnsynced() {
    if (broken == null || closed || syncedBytes >= activeBytes) {
      return;
    }
    try {
      channel.truncate(syncedBytes);
    } catch (IOException e) {
      warnings.accept("file log " + dir + ": could not cut back the unsynced records after the failed fsync: " + e);
    }
  }

  /** How many {@link #sync()} calls have succeeded (the sync in {@link #close()} not counted). */
  public long syncCount() {
    return syncs;
  }

  private void checkWritable() throws IOException {
    if (closed) {
      throw new IllegalStateException("file log " + dir + " is closed");
    }
    if (broken != null) {
      throw new IOException("file log " + dir + " takes no more writes: " + broken
          + "; restart the gateway to reopen and recover it");
    }
  }

  /** True once a failed fsync or an undoable write made the log unusable until it is reopened. */
  public boolean broken() {
    return broken != null;
  }

  /**
   * Deletes the oldest closed segments while the log is over {@link Options#retentionBytes()},
   * and those whose last write is older than {@link Options#retentionAge()}. The active
   * segment is never deleted. Called after each roll; call it on a timer for age.
   *
   * @return how many segments were deleted
   */
  public int enforceRetention() throws IOException {
    checkWritable();
    return deleteOldest(Retention.overLimits(closedSegments, sizeBytes(), options, clock.instant()));
  }

  /**
   * Deletes every closed segment whose records all lie below {@code offset} (a consumer
   * has committed past them). Records at or above {@code offset} are kept, and so is the
   * active segment.
   *
   * @return how many segments were deleted
   */
  public int trimBefore(long offset) throws IOException {
    checkWritable();
    return deleteOldest(Retention.below(closedSegments, activeBase, offset));
  }

  /** Deletes the {@code n} oldest segments, oldest first, so a crash midway leaves the log contiguous. */
  private int deleteOldest(int n) throws IOException {
    if (n == 0) {
      return 0;
    }
    int deleted = 0;
    try {
      for (; deleted < n; deleted++) {
        Path segment = closedSegments.get(0).file();
        files.deleteIfExists(segment);
        closedSegments.remove(0); // only once the file is gone: a failed delete leaves the log as it is
        producers.deleteBelow(firstOffset());
        // Bytes a recovery cut from it go with it.
        try (Stream<Path> aside = Files.list(dir)) {
          for (Path p : aside.filter(p -> p.getFileName().toString().startsWith(segment.getFileName() + ".torn-"))
              .toList()) {
            files.deleteIfExists(p);
          }
        }
      }
    } finally {
      if (deleted > 0) {
        files.syncDirectory(dir);
      }
    }
    return n;
  }

  /** Syncs (unless a sync already failed) and closes. Idempotent. */
  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    writeBuffer = null; // direct memory, freed once collected
    // Sync, close the file, release the lock last; a failure is rethrown after all three.
    FileChannel active = channel;
    try (lock; active) {
      if (broken == null) {
        active.force(false);
        producers.snapshot(nextOffset, activeBase); // after the sync: it must not describe records the log could lose
        try {
          markClean();
        } catch (IOException e) {
          // Still a clean close; the next open just cannot tell damage from a torn tail.
          warnings.accept("file log " + dir + ": could not mark the clean close: " + e);
        }
      }
    }
  }

  private void markClean() throws IOException {
    try (FileChannel marker = files.open(dir.resolve(CLEAN_FILE), StandardOpenOption.CREATE,
        StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
      ByteBuffer text = ByteBuffer.wrap(("closed cleanly at offset " + nextOffset + "\n")
          .getBytes(java.nio.charset.StandardCharsets.UTF_8));
      while (text.hasRemaining()) {
        marker.write(text);
      }
      marker.force(true);
    }
    files.syncDirectory(dir);
  }

  @Override
  public String toString() {
    return "FileLog(" + dir + ", offsets " + firstOffset() + " to " + nextOffset + ", " + segmentCount()
        + " segment" + (segmentCount() == 1 ? "" : "s") + ")";
  }
}
