package dev.sinkgate.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Usage errors (exit 2), help, version and completion: nothing here reaches a gateway. */
class SinkctlArgumentsTest {
  @TempDir
  Path tmp;

  private static void assertContains(String part, String actual) {
    assertTrue(actual.contains(part), () -> "expected <" + part + "> in <" + actual + ">");
  }

  private static InProcessRun.Result usageError(String... args) {
    InProcessRun.Result r = InProcessRun.of(args);
    assertEquals(2, r.exitCode(), r::describe);
    assertEquals("", r.out(), "a usage error prints nothing on stdout");
    assertContains("--help' for options and examples", r.err());
    return r;
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "write", "health", "bench", "conformance", "completion"})
  void help_everyCommand_exits0WithExamplesAndEveryExitCode(String command) {
    InProcessRun.Result r = command.isEmpty() ? InProcessRun.of("--help") : InProcessRun.of(command, "--help");

    assertEquals(0, r.exitCode(), r::describe);
    assertContains("Usage: sinkctl" + (command.isEmpty() ? "" : " " + command), r.out());
    assertContains("Examples:", r.out());
    assertContains("  sinkctl ", r.out().substring(r.out().indexOf("Examples:")));
    for (ExitCode c : ExitCode.values()) {
      assertContains(String.format("%2d   ", c.code()), r.out());
    }
    assertContains("NOT_FOUND: no such sink", r.out());
  }

  @Test
  void noCommand_exits2ListingTheCommands() {
    InProcessRun.Result r = usageError();

    assertContains("missing COMMAND (expected one of: write, bind, health, bench, conformance, completion, help)", r.err());
  }

  @Test
  void misspelledCommand_exits2SuggestingTheRightOne() {
    InProcessRun.Result r = usageError("wrte", "hello");

    assertContains("'wrte'", r.err());
    assertContains("write", r.err());
  }

  @Test
  void write_noRecord_exits2SayingWhatIsExpected() {
    InProcessRun.Result r = usageError("write");

    assertContains("no record given (expected: DATA, -f FILE or - for stdin", r.err());
  }

  @Test
  void write_dataAndFile_exits2NamingBoth() {
    InProcessRun.Result r = usageError("write", "-f", "x.bin", "hello");

    assertContains("DATA 'hello' and -f x.bin both given", r.err());
  }

  @Test
  void writeLines_withData_exits2() {
    InProcessRun.Result r = usageError("write", "--lines", "hello");

    assertContains("--lines takes its lines from -f FILE or stdin, not from DATA 'hello'", r.err());
  }

  @Test
  void write_headerWithoutValue_exits2NamingTheExpectedForm() {
    InProcessRun.Result r = usageError("write", "-H", "origin", "hello");

    assertContains("KEY=VALUE", r.err());
    assertContains("origin", r.err());
  }

  @Test
  void write_headerWithoutName_exits2() {
    InProcessRun.Result r = usageError("write", "-H", "=web", "hello");

    assertContains("a header needs a name (expected: NAME=VALUE)", r.err());
  }

  @Test
  void write_badOutputFormat_exits2ListingTheFormats() {
    InProcessRun.Result r = usageError("write", "--output", "yaml", "hello");

    assertContains("'yaml'", r.err());
    assertContains("TEXT, JSON", r.err());
  }

  @Test
  void write_zeroDeadline_exits2() {
    InProcessRun.Result r = usageError("write", "--deadline", "0s", "hello");

    assertContains("--deadline: PT0S (expected: > 0)", r.err());
  }

  @Test
  void write_missingFile_exits3NamingTheFile() {
    Path absent = tmp.resolve("absent.bin");

    InProcessRun.Result r = InProcessRun.of("write", "-f", absent.toString());

    assertEquals(ExitCode.INPUT.code(), r.exitCode(), r::describe);
    assertContains("reading " + absent + " failed: no such file " + absent, r.err());
  }

  @Test
  void bench_zeroConcurrency_exits2() {
    InProcessRun.Result r = usageError("bench", "--concurrency", "0");

    assertContains("--concurrency: 0 (expected: 1 to 1024)", r.err());
  }

  @Test
  void bench_negativeRate_exits2() {
    InProcessRun.Result r = usageError("bench", "--rate", "-5");

    assertContains("--rate: -5.0 (expected: >= 0 records per second, 0 for unlimited)", r.err());
  }

  @Test
  void bench_zeroCount_exits2() {
    InProcessRun.Result r = usageError("bench", "--count", "0");

    assertContains("--count: 0 (expected: >= 1)", r.err());
  }

  @Test
  void bench_durationWithoutUnit_exits2SayingHowToWriteOne() {
    InProcessRun.Result r = usageError("bench", "--duration", "10");

    assertContains("'10' is not a duration (expected: e.g. 500ms, 10s, 1.5s, 2m, 1h)", r.err());
  }

  @Test
  void bench_unknownMode_exits2ListingTheModes() {
    InProcessRun.Result r = usageError("bench", "--mode", "burst");

    assertContains("'burst'", r.err());
    assertContains("UNARY, STREAM", r.err());
  }

  @Test
  void target_unparsable_exits2NamingIt() {
    InProcessRun.Result r = InProcessRun.of("write", "--target", "dns://[::1", "hello");

    assertEquals(2, r.exitCode(), r::describe);
    assertContains("--target 'dns://[::1'", r.err());
  }

  @Test
  void target_optionThenEnvironmentThenDefault() {
    ConnectionOptions options = new ConnectionOptions();
    StdIo withEnv = new InProcessRun().env(Map.of("SINKGATE_TARGET", "gw.example:7000")).io();
    StdIo blankEnv = new InProcessRun().env(Map.of("SINKGATE_TARGET", "  ")).io();

    assertEquals("gw.example:7000", options.target(withEnv));
    assertEquals("127.0.0.1:50051", options.target(blankEnv));
    assertEquals("127.0.0.1:50051", options.target(new InProcessRun().io()));
    options.target = "10.1.2.3:9";
    assertEquals("10.1.2.3:9", options.target(withEnv));
  }

  @Test
  void version_printsTheVersion() {
    InProcessRun.Result r = InProcessRun.of("--version");

    assertEquals(0, r.exitCode(), r::describe);
    assertTrue(r.out().startsWith("sinkctl "), r::describe);
  }

  @Test
  void conformance_zeroTimeout_exits2SayingWhatIsExpected() {
    InProcessRun.Result r = usageError("conformance", "--timeout", "0s");

    assertContains("sinkctl: --timeout: PT0S (expected: > 0)", r.err());
  }

  @Test
  void completion_printsABashScriptCoveringEveryCommand() {
    InProcessRun.Result r = InProcessRun.of("completion");

    assertEquals(0, r.exitCode(), r::describe);
    assertContains("complete -F _complete_sinkctl", r.out());
    for (String word : new String[] {"write", "health", "bench", "--lines", "--concurrency", "--output", "conformance",
        "--junit"}) {
      assertContains(word, r.out());
    }
  }
}
