package dev.sinkgate.server.route;

import java.util.concurrent.atomic.LongAdder;

/**
 * What the gateway answered for the records of one route: records and payload bytes
 * acknowledged, how many of those were duplicates, and records refused by status code.
 * Every {@link Route} carries its own, so the service counts with the route already in
 * hand: no lookup, no lock and no allocation per record.
 *
 * <p>Status codes are counted by their number (the gRPC wire value, 0 to 16), which keeps
 * this layer free of gRPC; the metrics exposition gives them their names. The counters
 * only grow; they are not reset and not persisted across restarts.
 */
public final class RouteCounters {
  /** Codes 0 (OK) to 16 (UNAUTHENTICATED): the fixed set of the gRPC protocol. */
  public static final int STATUS_CODES = 17;

  private final LongAdder accepted = new LongAdder();
  private final LongAdder bytes = new LongAdder();
  private final LongAdder duplicates = new LongAdder();
  private final LongAdder[] refused = new LongAdder[STATUS_CODES];

  public RouteCounters() {
    for (int i = 0; i < refused.length; i++) {
      refused[i] = new LongAdder();
    }
  }

  /**
   * One record acknowledged with {@code payloadBytes} of data; a {@code duplicate} (a
   * retried record already stored) counts as accepted and as a duplicate.
   */
  public void recordAccepted(int payloadBytes, boolean duplicate) {
    accepted.increment();
    bytes.add(payloadBytes);
    if (duplicate) {
      duplicates.increment();
    }
  }

  /** One record refused with the gRPC status code numbered {@code code}; an unknown number counts as UNKNOWN (2). */
  public void recordRefused(int code) {
    refused[code > 0 && code < STATUS_CODES ? code : 2].increment();
  }

  public long accepted() {
    return accepted.sum();
  }

  public long bytes() {
    return bytes.sum();
  }

  public long duplicates() {
    return duplicates.sum();
  }

  /** Records refused with the gRPC status code numbered {@code code}. */
  public long refused(int code) {
    return refused[code].sum();
  }
}
