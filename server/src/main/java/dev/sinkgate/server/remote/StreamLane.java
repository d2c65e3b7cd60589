package dev.sinkgate.server.remote;

import dev.sinkgate.proto.v1.Durability;
import dev.sinkgate.server.sink.Accepted;
import dev.sinkgate.server.sink.Record;
import dev.sinkgate.server.sink.RecordRejectedException;
import dev.sinkgate.server.sink.RecordRejectedException.Reason;
import dev.sinkgate.server.sink.StreamFence;
import dev.sinkgate.server.spool.OrderedDownstream;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;

/**
 * One client stream: its records sent and not yet acknowledged, oldest first, and those
 * waiting to be sent. Every change goes through {@link #drive}, which one thread at a time
 * runs; answers are completed outside the lock.
 */
final class StreamLane {
  /** A record of a client stream and its answer. */
  record Pending(Record record, CompletableFuture<Accepted> result) {}

  /** One downstream stream of a lane, as its listener hears it; fields guarded by the lane. */
  static final class Session implements OrderedDownstream.Listener {
    private final StreamLane lane;
    OrderedDownstream.Stream stream;
    long acked;
    boolean ended;
    long failedIndex = -1;
    RecordRejectedException cause;
    /** The acknowledgements the lane took in; the index in this stream of the first unacknowledged record. */
    long seen;
    long lastProgressNanos;
    /** The ack check found it silent: the driver cancels it between its sends. */
    boolean timedOut;
    /** Cancelled by the lane: nothing more is sent on it, and its end follows. */
    boolean cancelled;

    Session(StreamLane lane) {
      this.lane = lane;
    }

    @Override
    public void acked(long count, long duplicates) {
      synchronized (lane) {
        if (count > acked) {
          acked = count;
          lastProgressNanos = lane.now();
        }
      }
      lane.drive();
    }

    @Override
    public void ended(long index, RecordRejectedException why) {
      synchronized (lane) {
        ended = true;
        failedIndex = index;
        cause = why;
      }
      lane.drive();
    }
  }

  private final String route;
  private final StreamDownstream downstream;
  private final StreamRetry retry;
  private final Scheduler scheduler;
  private final Consumer<StreamLane> onFinished;
  private final StreamFence fence;
  private final ArrayDeque<Pending> unacked = new ArrayDeque<>();
  private final ArrayDeque<Pending> waiting = new ArrayDeque<>();
  private long unackedBytes;
  private Session session;
  /** Streams in a row that failed with records unacknowledged and no progress. */
  private int failures;
  private boolean reopening;
  private boolean ackCheckScheduled;
  private boolean upstreamEnded;
  private boolean finished;
  private boolean driving;
  private boolean again;

  /**
   * The lane of the client stream {@code fence} on {@code route}, over {@code downstream},
   * reopening per {@code retry}; {@code onFinished} runs once the client call has ended and
   * the lane let its downstream stream go.
   */
  StreamLane(String route, StreamDownstream downstream, StreamRetry retry, StreamFence fence,
      Consumer<StreamLane> onFinished) {
    this.route = route;
    this.downstream = downstream;
    this.retry = retry;
    this.scheduler = downstream.scheduler();
    this.fence = fence;
    this.onFinished = onFinished;
  }

  long now() {
    return scheduler.nanoTime();
  }

  CompletableFuture<Accepted> append(Record record) {
    Pending p = new Pending(record, new CompletableFuture<>());
    synchronized (this) {
      if (finished) {
        p.result().completeExceptionally(finishedRefusal(record));
        return p.result();
      }
      waiting.add(p);
    }
    drive();
    return p.result();
  }

  private RecordRejectedException finishedRefusal(Record record) {
    return StreamFence.closed(record) || fence.tripped() ? StreamFence.refusal(record, route)
        : new RecordRejectedException(Reason.UNAVAILABLE, "route '" + route + "' is closed");
  }

  void upstreamEnded() {
    synchronized (this) {
      upstreamEnded = true;
    }
    drive();
  }

  /** Runs {@link #step} until nothing changes, one thread at a time; completes answers outside the lock. */
  void drive() {
    synchronized (this) {
      if (driving) {
        again = true;
        return;
      }
      driving = true;
    }
    while (true) {
      List<Runnable> answers = new ArrayList<>();
      synchronized (this) {
        again = false;
        step(answers);
        if (answers.isEmpty() && !again) {
          driving = false;
          return;
        }
      }
      for (Runnable a : answers) {
        a.run();
      }
    }
  }

  /** Takes in what the downstream said, then sends what the window allows. Holds the lock. */
  private void step(List<Runnable> answers) {
    if (finished) {
      failAll(answers, null);
      return;
    }
    Session s = session;
    if (s != null) {
      long fresh = Math.min(s.acked - s.seen, unacked.size()); // acks of records not sent are ignored
      for (long i = 0; i < fresh; i++) {
        Pending p = unacked.poll();
        unackedBytes -= p.record().data().size();
        Accepted a = new Accepted(p.record().data().size(), Durability.DURABILITY_DOWNSTREAM, -1);
        answers.add(() -> p.result().complete(a));
      }
      if (fresh > 0) {
        s.seen += fresh;
        failures = 0;
      }
      if (s.ended) {
        session = null;
        ended(s, answers);
      }
    }
    if (upstreamEnded) {
      finish(answers);
      return;
    }
    if (session != null && session.timedOut && !session.cancelled) {
      // Here, not on the scheduler's thread: a ClientCall takes one method at a time, and
      // sending after its cancel fails. Its end (CANCELLED) follows and resends as any end.
      session.cancelled = true;
      session.stream.timedOut("route '" + route + "': no acknowledgement from the downstream for "
          + downstream.ackTimeout().toMillis() + " ms with records in flight");
    }
    if (reopening) {
      return;
    }
    if (session == null && !unacked.isEmpty()) {
      open();
      for (Pending p : unacked) {
        session.stream.send(p.record());
      }
    }
    sendWaiting(answers);
    scheduleAckCheck();
  }

  private void sendWaiting(List<Runnable> answers) {
    if (session != null && session.cancelled) {
      return; // the next stream takes them, once this one's end is in
    }
    while (!waiting.isEmpty()) {
      Pending p = waiting.peek();
      int size = p.record().data().size();
      if (!unacked.isEmpty() && (unacked.size() >= downstream.windowRecords()
          || unackedBytes + size > downstream.windowBytes())) {
        return; // the window is full: acknowledgements make room
      }
      waiting.poll();
      if (StreamFence.closed(p.record())) {
        answers.add(fail(p, StreamFence.refusal(p.record(), route)));
        continue;
      }
      if (p.record().deadlineNanos() != Long.MAX_VALUE && p.record().deadlineNanos() - System.nanoTime() <= 0) {
        answers.add(fail(p, new RecordRejectedException(Reason.DEADLINE,
            "route '" + route + "': the record's deadline passed before it was forwarded")));
        continue;
      }
      if (session == null) {
        open();
      }
      if (unacked.isEmpty()) {
        session.lastProgressNanos = now(); // the ack timeout runs from the first record in flight
      }
      unacked.add(p);
      unackedBytes += size;
      session.stream.send(p.record());
      if (session.ended) {
        return; // ended at once (the breaker is open, the route closed): the next step resends or fails
      }
    }
  }

  private void open() {
    Session s = new Session(this);
    session = s;
    s.lastProgressNanos = now();
    s.stream = downstream.open(s); // may end it at once, re-entering drive (which notes it and returns)
  }

  /** A downstream stream ended with {@link #unacked} holding what it did not acknowledge. */
  private void ended(Session s, List<Runnable> answers) {
    if (unacked.isEmpty()) {
      return; // nothing lost: the next record opens a new stream
    }
    RecordRejectedException cause = s.cause != null ? s.cause : new RecordRejectedException(Reason.UNAVAILABLE,
        "route '" + route + "': the downstream ended the stream with " + unacked.size()
            + " records unacknowledged");
    if (!cause.reason().retryable()) {
      // A refusal of a record for what it is (or, naming none, of the stream's next one). When
      // it names a later record, the ones before it were not acknowledged either: the client
      // stream ends at the first unacknowledged record in any case.
      boolean later = s.failedIndex > s.seen;
      failFrom(answers, !later ? cause : new RecordRejectedException(Reason.UNAVAILABLE, "route '" + route
          + "': not acknowledged by the downstream, which then refused a later record of the stream ("
          + cause.getMessage() + ")", RemoteRecordSink.DOWNSTREAM_FAILED_RETRY));
      return;
    }
    failures++;
    Duration wait = resendable() ? retry.delay(failures, cause) : null;
    long deadline = unacked.peek().record().deadlineNanos();
    if (wait != null && deadline != Long.MAX_VALUE && deadline - System.nanoTime() <= wait.toNanos()) {
      wait = null; // the resend could not start before the record's deadline
    }
    if (wait == null) {
      failFrom(answers, cause);
      return;
    }
    reopening = true;
    try {
      scheduler.schedule(() -> {
        synchronized (this) {
          reopening = false;
        }
        drive();
      }, wait);
    } catch (RejectedExecutionException closing) {
      reopening = false;
      failFrom(answers, cause);
    }
  }

  /** True if every unacknowledged record carries a producer id, so a resend cannot store one twice. */
  private boolean resendable() {
    for (Pending p : unacked) {
      if (!p.record().idempotent()) {
        return false;
      }
    }
    return true;
  }

  /** Fails the first unacknowledged record with {@code cause}, and every later one of the stream unsent. */
  private void failFrom(List<Runnable> answers, RecordRejectedException cause) {
    Pending head = unacked.poll();
    unackedBytes -= head.record().data().size();
    StreamFence.trip(head.record());
    answers.add(() -> head.result().completeExceptionally(cause));
    failAll(answers, null);
  }

  /** Fails every record of the lane still unanswered: with {@code cause}, or (null) as the fence says. */
  private void failAll(List<Runnable> answers, RecordRejectedException cause) {
    for (ArrayDeque<Pending> q : List.of(unacked, waiting)) {
      for (Pending p; (p = q.poll()) != null; ) {
        answers.add(fail(p, cause != null ? cause : finishedRefusal(p.record())));
      }
    }
    unackedBytes = 0;
  }

  private Runnable fail(Pending p, RecordRejectedException cause) {
    StreamFence.trip(p.record());
    return () -> p.result().completeExceptionally(cause);
  }

  /** The client call ended: closes the downstream stream (cleanly when nothing is unacknowledged) and lets the lane go. */
  private void finish(List<Runnable> answers) {
    finished = true;
    onFinished.accept(this);
    if (session != null) {
      if (!session.cancelled) { // a cancelled one is done with: a half-close after the cancel would fail
        if (unacked.isEmpty()) {
          session.stream.finish();
        } else {
          session.stream.cancel("route '" + route + "': the client stream ended");
        }
      }
      session = null;
    }
    failAll(answers, null);
  }

  /** Cancels the downstream stream if it goes the route's timeout without an acknowledgement (checked on the scheduler). */
  private void scheduleAckCheck() {
    if (ackCheckScheduled || session == null || session.ended || session.cancelled || unacked.isEmpty()) {
      return;
    }
    long due = session.lastProgressNanos + downstream.ackTimeout().toNanos() - now();
    ackCheckScheduled = true;
    try {
      scheduler.schedule(this::checkAck, Duration.ofNanos(Math.max(0, due)));
    } catch (RejectedExecutionException closing) {
      ackCheckScheduled = false;
    }
  }

  private void checkAck() {
    synchronized (this) {
      ackCheckScheduled = false;
      Session s = session;
      if (finished || s == null || s.ended || unacked.isEmpty()) {
        return; // the next record in flight schedules the next check
      }
      if (now() - s.lastProgressNanos < downstream.ackTimeout().toNanos()) {
        scheduleAckCheck();
        return;
      }
      s.timedOut = true;
    }
    drive(); // the driver cancels the stream, between its sends
  }

  /** The route is closing: cancels the downstream stream; what it did not acknowledge fails UNAVAILABLE. */
  void close() {
    Session s;
    synchronized (this) {
      s = session;
      session = null;
      finished = true;
    }
    if (s != null) {
      s.stream.cancel("route '" + route + "' is closing");
    }
    List<Runnable> answers = new ArrayList<>();
    synchronized (this) {
      failAll(answers, new RecordRejectedException(Reason.UNAVAILABLE, "route '" + route
          + "' is closing; the record was not acknowledged by the downstream (resend it)",
          RemoteRecordSink.DOWNSTREAM_FAILED_RETRY));
    }
    for (Runnable a : answers) {
      a.run();
    }
  }
}
