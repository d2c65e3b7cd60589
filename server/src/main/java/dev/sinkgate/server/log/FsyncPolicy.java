package dev.sinkgate.server.log;

/**
 * When a file route syncs to disk before acknowledging. The default is {@link #ALWAYS}:
 * safe by default, and group commit keeps it fast.
 */
public enum FsyncPolicy {
  /** Acknowledge only after fdatasync: survives power loss ({@code DURABILITY_SYNCED}). */
  ALWAYS,
  /**
   * Acknowledge once the OS has the record ({@code DURABILITY_WRITTEN}); the writer syncs
   * at most once per interval while there are unsynced records, and on close. Survives a
   * gateway crash; power loss or a kernel crash loses at most the last interval.
   */
  INTERVAL,
  /**
   * Acknowledge once the OS has the record ({@code DURABILITY_WRITTEN}): survives a
   * gateway crash, not power loss or a kernel crash. The log is synced on close.
   */
  NEVER
}
