package dev.sinkgate.server.remote;

import dev.sinkgate.proto.v1.Durability;
import dev.sinkgate.server.sink.Accepted;
import dev.sinkgate.server.sink.Record;
import dev.sinkgate.server.sink.RecordRejectedException;
import dev.sinkgate.server.sink.RecordRejectedException.Reason;
import dev.sinkgate.server.sink.RecordSink;
import dev.sinkgate.server.sink.StreamFence;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A route that fans each record out to several routes, appended in the configured order
 * (producer id and sequence included, so each can dedupe). With {@link Ack#ALL} the answer
 * comes once every route accepted, at the weakest durability any of them reached; it fails
 * if any failed, naming the route. With {@link Ack#ANY} the first route to accept answers;
 * it fails only if all failed. A tee has no offset of its own (0); a record is a duplicate
 * only if every answering route said so.
 *
 * <p>A tee does not own the routes it feeds: the router opened and closes them. {@link #close()}
 * only stops this tee from accepting.
 */
public final class TeeRecordSink implements RecordSink {
  /** When a tee answers. */
  public enum Ack {
    /** Once every route accepted the record. */
    ALL,
    /** Once one route accepted it. */
    ANY
  }

  private final String name;
  private final Map<String, RecordSink> routes;
  private final Ack ack;
  /**
   * Each open stream's fences, one per route, removed when the stream ends
   * ({@link StreamFence#onEnd}); keys compare by identity. Not weak keys: each branch holds
   * its parent, the key, so a weak map would never let an entry go.
   */
  private final Map<StreamFence, StreamFence[]> branches = new HashMap<>();
  private volatile boolean closed;

  /**
   * A tee named {@code name} over {@code routes} (route name → its sink, in order), which it
   * does not own.
   */
  public TeeRecordSink(String name, Map<String, RecordSink> routes, Ack ack) {
    this.name = Objects.requireNonNull(name, "name");
    if (routes.isEmpty()) {
      throw new IllegalArgumentException("routes: none (expected: at least one route)");
    }
    this.routes = new LinkedHashMap<>(routes);
    this.ack = Objects.requireNonNull(ack, "ack");
  }

  @Override
  public CompletableFuture<Accepted> append(Record record) {
    if (closed) {
      return CompletableFuture.failedFuture(new RecordRejectedException(Reason.UNAVAILABLE,
          "route '" + name + "' is closed"));
    }
    List<String> names = new ArrayList<>(routes.keySet());
    List<CompletableFuture<Accepted>> calls = new ArrayList<>();
    StreamFence[] fences = branches(record.fence());
    int i = 0;
    for (RecordSink sink : routes.values()) {
      Record copy = fences == null ? record : new Record(record.key(), record.headers(), record.data(),
          record.deadlineNanos(), fences[i], record.streamIndex(), record.producerId(), record.sequence());
      i++;
      CompletableFuture<Accepted> call;
      try {
        call = sink.append(copy);
      } catch (RuntimeException e) {
        call = CompletableFuture.failedFuture(e);
      }
      calls.add(call);
    }
    CompletableFuture<Accepted> answer = ack == Ack.ALL ? all(record, names, calls) : any(names, calls);
    return answer.whenComplete((a, t) -> {
      if (t != null) {
        StreamFence.trip(record); // the tee refused it: the stream's later records are refused everywhere
      }
    });
  }

  /**
   * One fence per route for the stream {@code fence} belongs to (null outside a stream): a
   * route that refuses a record then refuses the stream's later records itself, keeping its
   * own order, while the other routes go on taking them — with {@code ack: any} the stream
   * lives on while one route is down.
   */
  private StreamFence[] branches(StreamFence fence) {
    if (fence == null) {
      return null;
    }
    if (!fence.isStream()) {
      return newBranches(fence); // a unary call's one record: nothing to keep
    }
    synchronized (branches) {
      StreamFence[] b = branches.get(fence);
      if (b == null) {
        b = newBranches(fence);
        branches.put(fence, b);
        fence.onEnd(() -> {
          synchronized (branches) {
            branches.remove(fence);
          }
        });
      }
      return b;
    }
  }

  private StreamFence[] newBranches(StreamFence fence) {
    StreamFence[] b = new StreamFence[routes.size()];
    for (int j = 0; j < b.length; j++) {
      b[j] = fence.branch();
    }
    return b;
  }

  /** Streams whose branch fences are kept now (for tests). */
  int streamsTracked() {
    synchronized (branches) {
      return branches.size();
    }
  }

  private CompletableFuture<Accepted> all(Record record, List<String> names, List<CompletableFuture<Accepted>> calls) {
    return CompletableFuture.allOf(calls.stream().map(c -> c.exceptionally(t -> null)).toArray(CompletableFuture[]::new))
        .thenApply(done -> {
          Durability weakest = null;
          boolean duplicate = true;
          for (int i = 0; i < calls.size(); i++) {
            CompletableFuture<Accepted> c = calls.get(i);
            if (c.isCompletedExceptionally()) {
              throw failure(names.get(i), cause(c));
            }
            Accepted a = c.join();
            weakest = weakest == null || a.durability().getNumber() < weakest.getNumber() ? a.durability() : weakest;
            duplicate &= a.duplicate();
          }
          return new Accepted(record.data().size(), weakest, 0, duplicate);
        });
  }

  private CompletableFuture<Accepted> any(List<String> names, List<CompletableFuture<Accepted>> calls) {
    CompletableFuture<Accepted> result = new CompletableFuture<>();
    AtomicInteger failed = new AtomicInteger();
    for (int i = 0; i < calls.size(); i++) {
      calls.get(i).whenComplete((a, t) -> {
        if (t == null) {
          result.complete(new Accepted(a.written(), a.durability(), 0, a.duplicate()));
        } else if (failed.incrementAndGet() == calls.size()) {
          result.completeExceptionally(anyFailure(names, calls));
        }
      });
    }
    return result;
  }

  private RecordRejectedException anyFailure(List<String> names, List<CompletableFuture<Accepted>> calls) {
    // Every route failed: answer with the first rejection's reason, every route named.
    StringBuilder message = new StringBuilder("route '" + name + "': no route accepted the record (ack: any):");
    RecordRejectedException first = null;
    for (int i = 0; i < calls.size(); i++) {
      Throwable t = cause(calls.get(i));
      message.append(i == 0 ? " " : "; ").append("route '").append(names.get(i)).append("': ").append(t.getMessage());
      if (first == null && t instanceof RecordRejectedException r) {
        first = r;
      }
    }
    return first == null ? new RecordRejectedException(Reason.UNAVAILABLE, message.toString())
        : new RecordRejectedException(first.reason(), message.toString(), first.retryAfter());
  }

  /** One route's failure as the tee's, naming the route and keeping the reason. */
  private RuntimeException failure(String route, Throwable t) {
    if (t instanceof RecordRejectedException r) {
      return new RecordRejectedException(r.reason(), "route '" + name + "': route '" + route + "' failed: "
          + r.getMessage(), r.retryAfter());
    }
    return new CompletionException(t); // a bug in that sink: let it surface as one
  }

  private static Throwable cause(CompletableFuture<Accepted> failed) {
    try {
      failed.join();
      throw new IllegalStateException("not failed");
    } catch (CompletionException e) {
      return e.getCause() == null ? e : e.getCause();
    } catch (java.util.concurrent.CancellationException e) {
      return e;
    }
  }

  /** Stops accepting; the routes fed by this tee stay open (the router closes them). Idempotent. */
  /** Open once every route it feeds is open. */
  @Override
  public CompletionStage<Void> opened() {
    return CompletableFuture.allOf(routes.values().stream()
        .map(r -> r.opened().toCompletableFuture()).toArray(CompletableFuture[]::new));
  }

  @Override
  public void close() {
    closed = true;
  }

  @Override
  public String toString() {
    return "TeeRecordSink(" + name + " -> " + routes.keySet() + ", ack " + ack.name().toLowerCase(java.util.Locale.ROOT) + ")";
  }
}
