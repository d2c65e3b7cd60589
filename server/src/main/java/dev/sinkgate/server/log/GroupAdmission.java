package dev.sinkgate.server.log;

import dev.sinkgate.server.sink.Record;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * Sorts the records of one group commit, in order, into records to write and duplicates
 * (idempotent writes): a record whose producer already wrote its sequence, in an earlier
 * group (the log's producer table says so) or earlier in this one, is not written again.
 * One per group; for the log's writer thread.
 */
final class GroupAdmission {
  /**
   * What becomes of one record if the group's write succeeds.
   *
   * @param entry its index in the group's entries when it is written, or (a duplicate of a
   *     record of the same group) the index of that record; -1 for a duplicate of a record
   *     written before
   * @param storedOffset for a duplicate of a record written before, its offset, or 0 if it
   *     is older than the producer's window
   * @param duplicate true if it is not written
   */
  record Admitted(int entry, long storedOffset, boolean duplicate) {
    /** Its offset, given the offset of the group's first written entry. */
    long offset(long firstOffset) {
      return entry >= 0 ? firstOffset + entry : storedOffset;
    }
  }

  private final FileLog log;
  private final List<FileLog.Entry> entries;
  /** The producers' sequences in this group so far: producer -> sequence -> entry index. */
  private final Map<String, NavigableMap<Long, Integer>> inGroup = new HashMap<>();

  /** Admits into {@code entries} (the group's records to write, empty at first), checking against {@code log}. */
  GroupAdmission(FileLog log, List<FileLog.Entry> entries) {
    this.log = log;
    this.entries = entries;
  }

  /** Adds {@code r} to the entries to write, or answers it as a duplicate. */
  Admitted admit(Record r) {
    if (r.idempotent()) {
      NavigableMap<Long, Integer> seen =
          inGroup.computeIfAbsent(r.producerId(), id -> new TreeMap<>(Long::compareUnsigned));
      Integer sameGroup = seen.get(r.sequence());
      if (sameGroup != null) {
        return new Admitted(sameGroup, 0, true);
      }
      long stored = log.duplicateOffset(r.producerId(), r.sequence());
      if (stored != ProducerState.NEW || (!seen.isEmpty() && Long.compareUnsigned(r.sequence(), seen.lastKey()) < 0)) {
        // Not above the producer's last sequence: a retry, answered with the original's offset where known.
        return new Admitted(-1, Math.max(stored, 0), true);
      }
      seen.put(r.sequence(), entries.size());
    }
    entries.add(new FileLog.Entry(r.key(), r.headers(), r.data(), r.producerId(), r.sequence()));
    return new Admitted(entries.size() - 1, 0, false);
  }
}
