package dev.sinkgate.server.log;

/**
 * When a file route syncs to disk before acknowledging. The default is {@link #ALWAYS}:
 * safe by default, and group commit keeps it fast.
 */
public enum FsyncPolicy {
  /** Acknowledge only after fdatasync: survives power loss ({@code DURABILITY_SYNCED}). */
  ALWAYS,
  /**
   * Acknowledge once the OS has the record ({@code DURABILITY_WRITTEN}): survives a
   * gateway crash, not power loss or a kernel crash. The log is synced on close.
   */
  NEVER
}
