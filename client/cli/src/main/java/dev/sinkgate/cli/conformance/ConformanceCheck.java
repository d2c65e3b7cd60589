package dev.sinkgate.cli.conformance;

import java.util.Objects;

/**
 * One check of the {@code sinkgate.v1.Sink} contract, run by {@link ConformanceKit} against
 * any implementation. A check is independent of every other: it opens its own calls on the
 * kit's channel, bounds each by {@link CheckContext#remaining()}, and reports a broken contract
 * by throwing {@link CheckFailure} with a one-line explanation. A call that fails unexpectedly
 * may also escape as a {@link io.grpc.StatusRuntimeException}; the kit reports it as a failure.
 *
 * <p>Checks are values: {@link #of} makes one from a name, what it verifies, whether it needs an
 * opt-in ({@link Requires}) and a body.
 */
public interface ConformanceCheck {
  /** A check's body: returns a note for the PASS line ({@code ""} for none) or throws. */
  @FunctionalInterface
  interface Body {
    String run(CheckContext context) throws CheckFailure, InterruptedException;
  }

  /** The opt-in a check needs: some sinks legitimately do not route or dedupe. */
  enum Requires {
    NOTHING(null),
    ROUTING("--routing"),
    IDEMPOTENCY("--idempotent");

    private final String option;

    Requires(String option) {
      this.option = option;
    }

    /** The sinkctl option that enables checks needing this, or null. */
    public String option() {
      return option;
    }
  }

  /** A short kebab-case name, unique in the kit, e.g. {@code unary-written-equals-length}. */
  String name();

  /** One sentence: what the check sends and expects. */
  String description();

  /** The opt-in this check needs. */
  Requires requires();

  /** Runs the check; returns a note for a PASS ({@code ""} for none). */
  String run(CheckContext context) throws CheckFailure, InterruptedException;

  /** A check named {@code name} that runs {@code body}. */
  static ConformanceCheck of(String name, String description, Requires requires, Body body) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(description, "description");
    Objects.requireNonNull(requires, "requires");
    Objects.requireNonNull(body, "body");
    return new ConformanceCheck() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public String description() {
        return description;
      }

      @Override
      public Requires requires() {
        return requires;
      }

      @Override
      public String run(CheckContext context) throws CheckFailure, InterruptedException {
        return body.run(context);
      }

      @Override
      public String toString() {
        return "ConformanceCheck(" + name + ")";
      }
    };
  }
}
