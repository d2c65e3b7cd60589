package dev.sinkgate.cli.conformance;

import dev.sinkgate.cli.conformance.CheckResult.Outcome;
import dev.sinkgate.cli.conformance.ConformanceCheck.Requires;
import io.grpc.Channel;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;

/**
 * Runs the contract's checks ({@link #standardChecks()}) against any server of
 * {@code sinkgate.v1.Sink}, one after another, each on a thread of its own and bounded by
 * its own timeout: a sink that hangs fails the check it hangs in, not the kit.
 *
 * <p>The kit does not own the channel it is given; {@link #run()} closes the threads it
 * started before it returns. Checks that need an opt-in the builder did not give
 * ({@link Requires}) are reported as SKIP.
 */
public final class ConformanceKit {
  private final Channel channel;
  private final String sink;
  private final int maxRecordBytes;
  private final Duration timeout;
  private final Duration prompt;
  private final boolean routing;
  private final boolean idempotent;
  private final LongSupplier nanoTime;
  private final List<ConformanceCheck> checks;

  private ConformanceKit(Builder b) {
    this.channel = b.channel;
    this.sink = b.sink;
    this.maxRecordBytes = b.maxRecordBytes;
    this.timeout = b.timeout;
    this.prompt = b.prompt;
    this.routing = b.routing;
    this.idempotent = b.idempotent;
    this.nanoTime = b.nanoTime;
    this.checks = List.copyOf(b.checks);
  }

  /** A kit that checks the sink behind {@code channel}. */
  public static Builder builder(Channel channel) {
    return new Builder(channel);
  }

  /** Every check of the contract, in the order the kit runs them. */
  public static List<ConformanceCheck> standardChecks() {
    return List.of(
        UnaryChecks.writtenEqualsLength(),
        UnaryChecks.emptyRecord(),
        UnaryChecks.recordAtLimit(),
        UnaryChecks.durabilitySet(),
        StreamChecks.acksCumulative(),
        StreamChecks.orderKept(),
        StreamChecks.concurrentStreams(),
        LifecycleChecks.cancellationRespected(),
        DeadlineCheck.deadlineRespected(),
        LifecycleChecks.healthServed(),
        IdempotencyChecks.unaryDuplicate(),
        IdempotencyChecks.streamReplay(),
        RoutingChecks.unknownSinkNotFound(),
        RoutingChecks.invalidNameInvalidArgument());
  }

  /** Runs every check and returns one result per check, in order. */
  public List<CheckResult> run() throws InterruptedException {
    ExecutorService threads = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "sinkctl-conformance");
      t.setDaemon(true); // a check stuck past its timeout must not keep sinkctl alive
      return t;
    });
    try {
      List<CheckResult> results = new ArrayList<>();
      for (ConformanceCheck check : checks) {
        results.add(run(check, threads));
      }
      return results;
    } finally {
      threads.shutdownNow();
      threads.awaitTermination(prompt.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  private CheckResult run(ConformanceCheck check, ExecutorService threads) throws InterruptedException {
    Requires needs = check.requires();
    if ((needs == Requires.ROUTING && !routing) || (needs == Requires.IDEMPOTENCY && !idempotent)) {
      return new CheckResult(check.name(), Outcome.SKIP, "run with " + needs.option() + " to check",
          Duration.ZERO);
    }
    long start = nanoTime.getAsLong();
    CheckContext context = new CheckContext(channel, sink, maxRecordBytes, prompt, nanoTime, timeout);
    Future<String> running = threads.submit(() -> check.run(context));
    Outcome outcome;
    String detail;
    try {
      // A little over the timeout: the check's own calls end at it and explain better than we can.
      detail = running.get(timeout.plus(prompt).toNanos(), TimeUnit.NANOSECONDS);
      outcome = Outcome.PASS;
    } catch (TimeoutException e) {
      running.cancel(true);
      outcome = Outcome.FAIL;
      detail = "did not finish within " + timeout.toMillis() + "ms (expected: every call answered or ended by"
          + " its deadline)";
    } catch (ExecutionException e) {
      outcome = Outcome.FAIL;
      detail = explain(e.getCause());
    }
    return new CheckResult(check.name(), outcome, detail, Duration.ofNanos(nanoTime.getAsLong() - start));
  }

  private static String explain(Throwable failure) {
    if (failure instanceof CheckFailure) {
      return failure.getMessage();
    }
    if (failure instanceof StatusRuntimeException e) {
      return "a call failed: " + CheckFailure.describe(e.getStatus()) + " (expected: OK)";
    }
    return "the check itself failed (a bug in sinkctl): " + failure;
  }

  /** Options of a run; every one has a default. */
  public static final class Builder {
    private final Channel channel;
    private String sink = "";
    private int maxRecordBytes = 4 << 20;
    private Duration timeout = Duration.ofSeconds(30);
    private Duration prompt = Duration.ofSeconds(2);
    private boolean routing;
    private boolean idempotent;
    private LongSupplier nanoTime = System::nanoTime;
    private List<ConformanceCheck> checks = standardChecks();

    private Builder(Channel channel) {
      this.channel = Objects.requireNonNull(channel, "channel");
    }

    /** The sink name records are written to; default {@code ""}, the implementation's default. */
    public Builder sink(String sink) {
      this.sink = Objects.requireNonNull(sink, "sink");
      return this;
    }

    /** The largest record the sink must accept; default 4 MiB, the gateway's default limit. */
    public Builder maxRecordBytes(int bytes) {
      if (bytes < 0) {
        throw new IllegalArgumentException("maxRecordBytes: " + bytes + " (expected: >= 0)");
      }
      this.maxRecordBytes = bytes;
      return this;
    }

    /** How long one check may take; default 30s. */
    public Builder timeout(Duration timeout) {
      this.timeout = positive("timeout", timeout);
      return this;
    }

    /** How soon a call after a cancelled or expired one must be answered; default 2s. */
    public Builder prompt(Duration prompt) {
      this.prompt = positive("prompt", prompt);
      return this;
    }

    /** Also run the routing checks (NOT_FOUND, INVALID_ARGUMENT for sink names). */
    public Builder routing(boolean routing) {
      this.routing = routing;
      return this;
    }

    /** Also run the idempotency checks (producer_id + sequence answered as duplicates). */
    public Builder idempotent(boolean idempotent) {
      this.idempotent = idempotent;
      return this;
    }

    /** The monotonic clock elapsed times are measured on; default {@link System#nanoTime()}. */
    public Builder nanoTime(LongSupplier nanoTime) {
      this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
      return this;
    }

    /** The checks to run, in order; default {@link #standardChecks()}. */
    public Builder checks(List<ConformanceCheck> checks) {
      this.checks = List.copyOf(checks);
      return this;
    }

    public ConformanceKit build() {
      return new ConformanceKit(this);
    }

    private static Duration positive(String name, Duration d) {
      if (d.isZero() || d.isNegative()) {
        throw new IllegalArgumentException(name + ": " + d + " (expected: > 0)");
      }
      return d;
    }
  }
}
