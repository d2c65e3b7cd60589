package dev.sinkgate.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinkgate.cli.ScriptedSink.Fault;
import dev.sinkgate.cli.conformance.ConformanceCheck;
import dev.sinkgate.cli.conformance.ConformanceKit;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * {@code sinkctl conformance} against real Sink servers on loopback ({@link ScriptedSink}): the
 * reference sink passes every check, and each broken sink fails the check that covers its
 * fault, with an explanation that says what was expected and what was seen.
 */
@Timeout(120)
class ConformanceCommandTest {
  private static final List<String> ALL = ConformanceKit.standardChecks().stream().map(ConformanceCheck::name)
      .toList();

  /**
   * A slow sink's cost per record: 40 records taken in before a 300ms deadline (the kit
   * offers thousands) leave a backlog over the 1s --prompt if the sink ignores the deadline.
   */
  private static final Duration SLOW = Duration.ofMillis(25);

  @TempDir
  Path tmp;

  /** The table's rows: check name to {RESULT, DETAIL}. */
  static Map<String, String[]> rows(String table) {
    Map<String, String[]> rows = new HashMap<>();
    Pattern row = Pattern.compile("^(\\S+)\\s+(PASS|FAIL|SKIP)\\s+(\\S+)(?:\\s{2}(.*))?$", Pattern.MULTILINE);
    Matcher m = row.matcher(table);
    while (m.find()) {
      rows.put(m.group(1), new String[] {m.group(2), m.group(4) == null ? "" : m.group(4)});
    }
    return rows;
  }

  private static void assertContains(String part, String actual) {
    assertTrue(actual.contains(part), () -> "expected <" + part + "> in <" + actual + ">");
  }

  /** Runs the kit against {@code sink} and asserts {@code check} failed with {@code explanation} in its row. */
  private static InProcessRun.Result assertFails(ScriptedSink sink, String check, String explanation,
      String... extra) {
    List<String> args = new ArrayList<>(List.of("conformance", "--target", sink.target()));
    args.addAll(List.of(extra));
    InProcessRun.Result r = InProcessRun.of(args.toArray(String[]::new));
    assertEquals(ExitCode.CHECKS_FAILED.code(), r.exitCode(), r::describe);
    String[] row = rows(r.out()).get(check);
    assertTrue(row != null, () -> "no row for " + check + ": " + r.describe());
    assertEquals("FAIL", row[0], r::describe);
    assertContains(explanation, row[1]);
    return r;
  }

  @Test
  void conformance_referenceSink_passesEveryCheckAndWritesJUnit() throws Exception {
    Path junit = tmp.resolve("reports/conformance.xml");
    try (ScriptedSink sink = ScriptedSink.start()) {
      InProcessRun.Result r = InProcessRun.of("conformance", "--target", sink.target(), "--routing", "--idempotent",
          "--junit", junit.toString());

      assertEquals(0, r.exitCode(), r::describe);
      Map<String, String[]> rows = rows(r.out());
      assertEquals(Set.copyOf(ALL), rows.keySet(), r::describe);
      rows.forEach((name, row) -> assertEquals("PASS", row[0], () -> name + ": " + r.describe()));
      assertContains(ALL.size() + " passed, 0 failed, 0 skipped: sinkgate.v1.Sink at " + sink.target(), r.out());

      Document xml = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(junit.toFile());
      Element suite = xml.getDocumentElement();
      assertEquals("testsuite", suite.getTagName());
      assertEquals(Integer.toString(ALL.size()), suite.getAttribute("tests"));
      assertEquals("0", suite.getAttribute("failures"));
      assertEquals("0", suite.getAttribute("skipped"));
      NodeList cases = suite.getElementsByTagName("testcase");
      List<String> names = new ArrayList<>();
      for (int i = 0; i < cases.getLength(); i++) {
        Element c = (Element) cases.item(i);
        names.add(c.getAttribute("name"));
        assertEquals(0, c.getElementsByTagName("failure").getLength(), c.getAttribute("name"));
      }
      assertEquals(ALL, names);
    }
  }

  @Test
  void conformance_withoutOptIns_skipsRoutingAndIdempotencyAndExits0() throws Exception {
    try (ScriptedSink sink = ScriptedSink.start()) {
      InProcessRun.Result r = InProcessRun.of("conformance", "--target", sink.target());

      assertEquals(0, r.exitCode(), r::describe);
      Map<String, String[]> rows = rows(r.out());
      assertEquals("SKIP", rows.get("routing-unknown-sink-not-found")[0]);
      assertEquals("run with --routing to check", rows.get("routing-unknown-sink-not-found")[1]);
      assertEquals("SKIP", rows.get("idempotent-stream-replay")[0]);
      assertEquals("run with --idempotent to check", rows.get("idempotent-stream-replay")[1]);
      assertContains((ALL.size() - 4) + " passed, 0 failed, 4 skipped", r.out());
    }
  }

  @Test
  void conformance_wrongWritten_failsUnaryWrittenWithExpectedAndSeen() throws Exception {
    Path junit = tmp.resolve("wrong.xml");
    try (ScriptedSink sink = ScriptedSink.start(Fault.WRONG_WRITTEN)) {
      assertFails(sink, "unary-written-equals-length",
          "Write of 1 byte: expected written = 1 (the record's length), saw 0", "--junit", junit.toString());
    }
    Document xml = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(junit.toFile());
    NodeList failures = xml.getElementsByTagName("failure");
    assertTrue(failures.getLength() >= 1);
    Element first = (Element) failures.item(0);
    assertEquals("unary-written-equals-length", ((Element) first.getParentNode()).getAttribute("name"));
    assertEquals("Write of 1 byte: expected written = 1 (the record's length), saw 0", first.getAttribute("message"));
  }

  @Test
  void conformance_acksGoBackwards_failsCumulativeAcks() throws Exception {
    try (ScriptedSink sink = ScriptedSink.start(Fault.ACKS_BACKWARDS)) {
      assertFails(sink, "stream-acks-cumulative", "went backwards: count 10 after 20 (expected: cumulative counts"
          + " that never decrease)", "--check", "stream-acks-cumulative");
    }
  }

  @Test
  void conformance_acksStopShort_failsCompleteness() throws Exception {
    try (ScriptedSink sink = ScriptedSink.start(Fault.ACKS_STOP_SHORT)) {
      assertFails(sink, "stream-acks-cumulative", "WriteStream ended OK with final ack count "
          + 299, "--check", "stream-acks-cumulative");
    }
  }

  @Test
  void conformance_sinkIgnoringStreamDeadlines_failsDeadlineCheckNamingTheStream() throws Exception {
    try (ScriptedSink sink = ScriptedSink.start(Set.of(Fault.IGNORES_STREAM_DEADLINES), SLOW)) {
      assertFails(sink, "deadline-respected", "did the sink keep working on the expired stream's records?",
          "--check", "deadline-respected", "--prompt", "1s");
    }
  }

  @Test
  void conformance_sinkIgnoringUnaryDeadlines_failsDeadlineCheckNamingTheWrites() throws Exception {
    try (ScriptedSink sink = ScriptedSink.start(Set.of(Fault.IGNORES_UNARY_DEADLINES), SLOW)) {
      assertFails(sink, "deadline-respected", "Write right after 100 Writes with a 300ms deadline (",
          "--check", "deadline-respected", "--prompt", "1s");
    }
  }

  @Test
  void conformance_slowSinkThatDropsExpiredWork_passesDeadlineAndCancellation() throws Exception {
    try (ScriptedSink sink = ScriptedSink.start(Set.of(), SLOW)) {
      InProcessRun.Result r = InProcessRun.of("conformance", "--target", sink.target(), "--prompt", "1s",
          "--check", "deadline-respected,cancellation-respected");

      assertEquals(0, r.exitCode(), r::describe);
      assertContains("2 passed, 0 failed, 0 skipped", r.out());
    }
  }

  @Test
  void conformance_noHealthService_failsHealthOnly() throws Exception {
    try (ScriptedSink sink = ScriptedSink.start(Fault.NO_HEALTH)) {
      InProcessRun.Result r = assertFails(sink, "health-served",
          "grpc.health.v1.Health/Check for service \"\" failed: UNIMPLEMENTED");
      assertContains((ALL.size() - 5) + " passed, 1 failed, 4 skipped", r.out());
    }
  }

  @Test
  void conformance_hangingSink_failsTheChecksThatHangAndRunsTheRest() throws Exception {
    try (ScriptedSink sink = ScriptedSink.start(Fault.HANGS_UNARY)) {
      InProcessRun.Result r = assertFails(sink, "durability-set", "Write of 10 bytes failed: DEADLINE_EXCEEDED (no answer by the call's deadline) (expected: OK)",
          "--timeout", "1s", "--check", "durability-set,health-served,stream-acks-cumulative");
      Map<String, String[]> rows = rows(r.out());
      assertEquals("PASS", rows.get("health-served")[0], r::describe);
      assertEquals("PASS", rows.get("stream-acks-cumulative")[0], r::describe);
    }
  }

  @Test
  void conformance_unknownCheck_isAUsageErrorListingTheChecks() {
    InProcessRun.Result r = InProcessRun.of("conformance", "--target", "127.0.0.1:1", "--check", "nosuch");

    assertEquals(ExitCode.USAGE.code(), r.exitCode(), r::describe);
    assertContains("--check nosuch: no such check (expected one of: unary-written-equals-length, ", r.err());
  }
}
