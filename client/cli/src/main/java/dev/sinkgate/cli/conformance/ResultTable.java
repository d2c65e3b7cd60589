package dev.sinkgate.cli.conformance;

import dev.sinkgate.cli.conformance.CheckResult.Outcome;
import java.io.PrintWriter;
import java.util.List;

/**
 * The kit's results as a text table, one check per line (name, PASS/FAIL/SKIP, time, detail),
 * then a summary line.
 */
public final class ResultTable {
  private ResultTable() {}

  /** Prints {@code results} to {@code out}; {@code about} ends the summary (e.g. the target). */
  public static void print(List<CheckResult> results, String about, PrintWriter out) {
    int width = "CHECK".length();
    for (CheckResult r : results) {
      width = Math.max(width, r.name().length());
    }
    String row = "%-" + width + "s  %-6s %7s  %s";
    out.println(String.format(row, "CHECK", "RESULT", "MS", "DETAIL"));
    for (CheckResult r : results) {
      String ms = r.outcome() == Outcome.SKIP ? "-" : Long.toString(r.elapsed().toMillis());
      out.println(String.format(row, r.name(), r.outcome(), ms, r.detail()).stripTrailing());
    }
    out.println(count(results, Outcome.PASS) + " passed, " + count(results, Outcome.FAIL) + " failed, "
        + count(results, Outcome.SKIP) + " skipped: " + about);
  }

  /** How many of {@code results} came out {@code outcome}. */
  public static long count(List<CheckResult> results, Outcome outcome) {
    return results.stream().filter(r -> r.outcome() == outcome).count();
  }
}
