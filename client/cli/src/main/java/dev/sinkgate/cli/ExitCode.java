package dev.sinkgate.cli;

import io.grpc.Status;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * sinkctl's exit codes: one fixed code per gRPC status a gateway answers with, so a script
 * can tell "fix the request" from "try again later" without parsing messages.
 *
 * <p>{@link #of(Status.Code)} is the one place a status becomes an exit code. The help
 * footer of every command and README's table are made from (and tested against) this enum.
 */
public enum ExitCode {
  OK(0, "success (health: the service is SERVING)"),
  FAILED(1, "any other failure: INTERNAL, UNKNOWN or another status (a bug or an unexpected answer)"),
  USAGE(2, "bad option or argument; nothing was sent"),
  INPUT(3, "the input (FILE or stdin) could not be read"),
  INVALID_ARGUMENT(4, "INVALID_ARGUMENT: the gateway refused the record (bad sink name, record too large)"),
  NOT_FOUND(5, "NOT_FOUND: no such sink (route), or no such health service"),
  RESOURCE_EXHAUSTED(6, "RESOURCE_EXHAUSTED: the gateway's queues or a route's disk are full (a single write retried first)"),
  UNAVAILABLE(7, "UNAVAILABLE: the target cannot be reached or is draining (a single write retried first)"),
  DEADLINE_EXCEEDED(8, "DEADLINE_EXCEEDED: no answer within --deadline (the record may or may not be stored)"),
  NOT_SERVING(9, "health: the service answered NOT_SERVING"),
  CHECKS_FAILED(10, "conformance: at least one check failed (the table says which and why)"),
  NOT_BINDABLE(11, "bind, write --method: the method does not bind as a sink (its shape, a missing method or"
      + " service, no reflection and no --descriptor-set); the message says why and which option fixes it");

  private final int code;
  private final String meaning;

  ExitCode(int code, String meaning) {
    this.code = code;
    this.meaning = meaning;
  }

  /** The process exit code. */
  public int code() {
    return code;
  }

  /** One line for help and README: what a script may conclude from this code. */
  public String meaning() {
    return meaning;
  }

  /** The exit code for a call that ended with {@code status}; {@code OK} for {@code Status.Code.OK}. */
  public static ExitCode of(Status.Code status) {
    return switch (status) {
      case OK -> OK;
      case INVALID_ARGUMENT -> INVALID_ARGUMENT;
      case NOT_FOUND -> NOT_FOUND;
      case RESOURCE_EXHAUSTED -> RESOURCE_EXHAUSTED;
      case UNAVAILABLE -> UNAVAILABLE;
      case DEADLINE_EXCEEDED -> DEADLINE_EXCEEDED;
      default -> FAILED;
    };
  }

  /** Every code and its meaning, in order, as picocli's "Exit codes:" help section wants them. */
  static Map<String, String> helpSection() {
    Map<String, String> section = new LinkedHashMap<>();
    for (ExitCode c : values()) {
      section.put(String.format("%2d", c.code), c.meaning);
    }
    return section;
  }
}
