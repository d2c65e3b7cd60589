package dev.sinkgate.server.log;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * A file log's idempotent-write bookkeeping: each producer's last sequences and offsets (a
 * {@link ProducerState}) and the {@code .producers} snapshot files that save it, so an open
 * replays only the records after the newest snapshot. Owned by its {@link FileLog} and used
 * on the log's writer thread only.
 */
final class ProducerTable {
  private final LogFiles files;
  private final Path dir;
  private final Consumer<String> warnings;
  private final ProducerState state;
  /** The offsets of the snapshots in {@link #dir}. */
  private final TreeSet<Long> snapshots;

  ProducerTable(LogFiles files, Path dir, Consumer<String> warnings, ProducerState state, TreeSet<Long> snapshots) {
    this.files = files;
    this.dir = dir;
    this.warnings = warnings;
    this.state = state;
    this.snapshots = snapshots;
  }

  /** See {@link ProducerState#duplicateOffset}. */
  long duplicateOffset(String producerId, long sequence) {
    return state.duplicateOffset(producerId, sequence);
  }

  /** Forgets the producers idle too long at {@code nowMillis}. */
  void expire(long nowMillis) {
    state.expire(nowMillis);
  }

  int size() {
    return state.size();
  }

  /** Records that {@code entries} were written at offsets {@code first}, {@code first + 1}, …. */
  void written(List<FileLog.Entry> entries, long first, long timestampMillis) {
    long offset = first;
    for (FileLog.Entry e : entries) {
      if (!e.producerId().isEmpty()) {
        state.written(e.producerId(), e.sequence(), offset, timestampMillis);
      }
      offset++;
    }
  }

  /**
   * Saves the state as of {@code nextOffset}, then deletes the snapshots it supersedes:
   * those inside the active segment from {@code activeBase} (taken by earlier clean closes,
   * or by a roll a full disk refused). A failure only makes the next open replay more, so
   * it is a warning, never a reason to refuse a write.
   */
  void snapshot(long nextOffset, long activeBase) {
    if (snapshots.contains(nextOffset)) {
      return; // nothing written since: the same state
    }
    try {
      ProducerSnapshot.write(files, dir, nextOffset, state);
      snapshots.add(nextOffset);
      for (Long stale : List.copyOf(snapshots.subSet(activeBase, false, nextOffset, false))) {
        files.deleteIfExists(ProducerSnapshot.file(dir, stale));
        snapshots.remove(stale);
      }
    } catch (IOException | RuntimeException e) {
      warnings.accept("file log " + dir + ": saving the producer snapshot at offset " + nextOffset + " failed (" + e
          + "); the next start replays more of the log instead");
    }
  }

  /**
   * Deletes the snapshots from before {@code firstOffset}, the log's new start after
   * retention: they describe records that are gone. The newest always stays.
   */
  void deleteBelow(long firstOffset) throws IOException {
    for (Long stale : List.copyOf(snapshots.headSet(firstOffset, false))) {
      if (!stale.equals(snapshots.last())) {
        files.deleteIfExists(ProducerSnapshot.file(dir, stale));
        snapshots.remove(stale);
      }
    }
  }
}
