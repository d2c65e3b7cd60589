package dev.sinkgate.server.sink;

import dev.sinkgate.proto.v1.Durability;

/**
 * A sink's answer for one accepted record.
 *
 * @param written bytes accepted: the record's length
 * @param durability the level the record reached before this answer
 * @param offset the record's position in its sink, 0 where the sink has none; for a
 *     duplicate, the original record's offset
 * @param duplicate true if the record's producer id and sequence matched a record already
 *     stored, so nothing new was stored
 */
public record Accepted(long written, Durability durability, long offset, boolean duplicate) {

  /** A record newly stored (not a duplicate). */
  public Accepted(long written, Durability durability, long offset) {
    this(written, durability, offset, false);
  }
}
