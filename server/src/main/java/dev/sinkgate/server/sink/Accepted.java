package dev.sinkgate.server.sink;

import dev.sinkgate.proto.v1.Durability;

/**
 * A sink's answer for one accepted record.
 *
 * @param written bytes accepted: the record's length
 * @param durability the level the record reached before this answer
 * @param offset the record's position in its sink, 0 where the sink has none
 */
public record Accepted(long written, Durability durability, long offset) {}
