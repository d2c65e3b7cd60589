package dev.sinkgate.server.sink;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Shared by the records of one call, so that a sink never stores a record after an
 * earlier record of the same stream was refused, nor one whose call was cancelled before
 * the sink got to it.
 *
 * <p>A stream hands records to its sink before it knows whether the earlier ones were
 * stored. When record N is refused (a full queue or disk, a passed deadline), the stream
 * ends and its client resends from N. Records N+1… that were already handed over must
 * then not be stored: they would land ahead of N and, once resent, a second time. Records
 * before N are unaffected. The sink trips the fence when it refuses a record and checks
 * it, on the thread that writes, before it stores one, so within one route this holds
 * however the hand-over and the refusal interleave. Across routes it cannot: a record
 * another route already stored before the refusal stays stored (producer ids and sequence
 * numbers are what dedupe a resend there).
 *
 * <p>A cancelled call (the client went away, or its deadline passed and it gave up) has
 * nobody to acknowledge to: its records not yet stored are dropped rather than stored
 * behind the client's back. A unary call is a stream of one record for this purpose.
 */
public final class StreamFence {
  /** The lowest index of a refused record of the stream; Long.MAX_VALUE while none was. */
  private final AtomicLong refusedFrom = new AtomicLong(Long.MAX_VALUE);
  /** The fence this one branched from (its cancel applies here too), or null. */
  private final StreamFence parent;
  /** False for a unary call's fence: a stream of one record that no later record follows. */
  private final boolean stream;
  /** Run once when the call ends (see {@link #end()}); guarded by this, null once ended. Root fences only. */
  private List<Runnable> onEnd = new ArrayList<>();

  /** The fence of a {@code WriteStream} call. */
  public StreamFence() {
    this(null, true);
  }

  private StreamFence(StreamFence parent, boolean stream) {
    this.parent = parent;
    this.stream = stream;
  }

  /** The fence of a unary call: its one record, index 0, is not followed by others. */
  public static StreamFence unary() {
    return new StreamFence(null, false);
  }

  /** True for the fence of a {@code WriteStream} call (or a branch of one), whose records follow one another. */
  public boolean isStream() {
    return stream;
  }

  /**
   * Runs {@code action} once the call ends: every record it will hand over was, and every
   * answer it waits for came or never will (it completed, failed or was cancelled). At once if
   * it already ended. A sink that keeps something per stream (a downstream stream) lets it go
   * here. A branch's actions run when the call ends.
   */
  public void onEnd(Runnable action) {
    if (parent != null) {
      parent.onEnd(action);
      return;
    }
    synchronized (this) {
      if (onEnd != null) {
        onEnd.add(action);
        return;
      }
    }
    action.run();
  }

  /** The call ended (see {@link #onEnd}); runs the actions registered. Idempotent; called by the gRPC layer. */
  public void end() {
    List<Runnable> actions;
    synchronized (this) {
      actions = onEnd;
      onEnd = null;
    }
    if (actions != null) {
      for (Runnable a : actions) {
        a.run();
      }
    }
  }

  /**
   * A fence for one of several routes the stream's records fan out to (a tee's): a refusal
   * by that route trips only the branch, so the other routes go on taking the stream's
   * records; a cancel of the call reaches every branch.
   */
  public StreamFence branch() {
    return new StreamFence(this, stream);
  }

  private long refusedFrom() {
    if (parent != null && parent.refusedFrom() == Long.MIN_VALUE) {
      return Long.MIN_VALUE;
    }
    return refusedFrom.get();
  }

  /** Records that the record at {@code index} was refused. */
  public void trip(long index) {
    refusedFrom.accumulateAndGet(index, Math::min);
  }

  /** The call was cancelled: every record of it not yet stored is refused. */
  public void cancel() {
    refusedFrom.set(Long.MIN_VALUE);
  }

  /** True once any record of the stream was refused, or the call was cancelled. */
  public boolean tripped() {
    return refusedFrom() != Long.MAX_VALUE;
  }

  /** True if {@code record} follows a refused record of its stream. */
  public static boolean closed(Record record) {
    return record.fence() != null && record.streamIndex() > record.fence().refusedFrom();
  }

  /** Records that {@code record} was refused, if it belongs to a stream. */
  public static void trip(Record record) {
    if (record.fence() != null) {
      record.fence().trip(record.streamIndex());
    }
  }

  /** The refusal for a record that {@link #closed} turned away. */
  public static RecordRejectedException refusal(Record record, String route) {
    if (record.fence() != null && record.fence().refusedFrom() == Long.MIN_VALUE) {
      return new RecordRejectedException(RecordRejectedException.Reason.DEADLINE, "route '" + route
          + "': the call was cancelled (the client gave up or its deadline passed) before the record was"
          + " written; it was not written");
    }
    return new RecordRejectedException(RecordRejectedException.Reason.UNAVAILABLE, "route '" + route
        + "': an earlier record of this stream was refused, so this one was not written (resend from the refused one)",
        java.time.Duration.ofSeconds(1));
  }
}
