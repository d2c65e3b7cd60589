package dev.sinkgate.cli.conformance;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Locale;

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

  /**
   * {@code "CODE: description"}, or just the code when the status has no description. A
   * deadline the caller's own gRPC library enforced is said in words, without its long
   * diagnostic ("deadline exceeded after 0.99s. [closed=[], open=[...]]").
   */
  static String describe(Status s) {
    String d = s.getDescription();
    if (s.getCode() == Status.Code.DEADLINE_EXCEEDED && d != null && d.toLowerCase(Locale.ROOT)
        .contains("deadline exceeded after")) {
      return "DEADLINE_EXCEEDED (no answer by the call's deadline)";
    }
    return d == null ? s.getCode().toString() : s.getCode() + ": " + d;
  }
}
