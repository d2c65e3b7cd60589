package dev.sinkgate.cli.conformance;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/**
 * A check saw the sink break the contract. The message is the check's one-line explanation:
 * what was expected and what was seen, e.g.
 * {@code "Write of 17 bytes: expected written = 17 (the record's length), saw 16"}.
 */
public final class CheckFailure extends Exception {
  private static final long serialVersionUID = 1L;

  /** A failure explained by {@code explanation}. */
  public CheckFailure(String explanation) {
    super(explanation, null, false, false);
  }

  /** Fails with {@code explanation} unless {@code condition} holds. */
  static void expect(boolean condition, String explanation) throws CheckFailure {
    if (!condition) {
      throw new CheckFailure(explanation);
    }
  }

  /** {@code "<what> failed: CODE: description (expected: OK)"}, for a call the contract says must succeed. */
  static CheckFailure callFailed(String what, StatusRuntimeException e) {
    return new CheckFailure(what + " failed: " + describe(e.getStatus()) + " (expected: OK)");
  }

  /** {@code "CODE: description"}, or just the code when the status has no description. */
  static String describe(Status s) {
    return s.getDescription() == null ? s.getCode().toString() : s.getCode() + ": " + s.getDescription();
  }
}
