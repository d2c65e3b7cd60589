package dev.sinkgate.cli.conformance;

import java.time.Duration;
import java.util.Objects;

/**
 * What one check found.
 *
 * @param name the check's name, e.g. {@code stream-acks-cumulative}
 * @param outcome PASS, FAIL or SKIP
 * @param detail one line: for FAIL what was expected and what was seen, for SKIP why it did not
 *     run, for PASS an optional note (e.g. that the sink reports no offsets); never null
 * @param elapsed how long the check ran
 */
public record CheckResult(String name, Outcome outcome, String detail, Duration elapsed) {
  /** The verdict of one check. */
  public enum Outcome { PASS, FAIL, SKIP }

  public CheckResult {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(outcome, "outcome");
    detail = detail == null ? "" : detail.replace('\n', ' ').strip();
    Objects.requireNonNull(elapsed, "elapsed");
  }
}
