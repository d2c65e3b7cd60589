package dev.sinkgate.cli;

import dev.sinkgate.cli.conformance.CheckResult;
import dev.sinkgate.cli.conformance.CheckResult.Outcome;
import dev.sinkgate.cli.conformance.ConformanceCheck;
import dev.sinkgate.cli.conformance.ConformanceKit;
import dev.sinkgate.cli.conformance.JUnitXml;
import dev.sinkgate.cli.conformance.ResultTable;
import io.grpc.ManagedChannel;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sinkctl conformance}: runs the contract's checks ({@link ConformanceKit}) against any
 * server of {@code sinkgate.v1.Sink}, prints a PASS/FAIL/SKIP table, optionally writes JUnit
 * XML, and exits 0 only when no check failed ({@link ExitCode#CHECKS_FAILED} otherwise).
 */
@Command(name = "conformance",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    header = "Check that a server implements the sinkgate.v1.Sink contract.",
    description = {
        "Runs the contract's checks against any implementation of sinkgate.v1.Sink (a gateway, or a sink",
        "written in any language) and prints one line per check: PASS, FAIL with what was expected and what",
        "was seen, or SKIP. Each check has its own --timeout, so a hanging sink fails one check, not the run.",
        "Routing and idempotency are checked only when asked for: a single-purpose sink that ignores the",
        "'sink' field and does not dedupe is conformant without them. Run it against a sink nobody else",
        "writes to: the checks write records, and some compare offsets.",
        "Exits 0 when no check failed, 10 when one did."},
    footerHeading = "%nExamples:%n",
    footer = {
        "  sinkctl conformance --target 127.0.0.1:7001",
        "  sinkctl conformance --target gateway:50051 --sink audit --routing --idempotent --junit conformance.xml"})
final class ConformanceCommand implements Callable<Integer> {
  private final StdIo io;

  @Option(names = {"-t", "--target"}, paramLabel = "TARGET",
      description = "The sink's address: host:port, dns:///host:port or unix:/path."
          + " Default: $" + ConnectionOptions.TARGET_ENV + ", else " + ConnectionOptions.DEFAULT_TARGET + ".")
  private String target;

  @Option(names = {"-s", "--sink"}, paramLabel = "NAME", defaultValue = "",
      description = "The sink name records are written to. Default: \"\" (the implementation's default).")
  private String sink;

  @Option(names = "--routing",
      description = "Also check routing: an unknown sink name gets NOT_FOUND, an invalid one INVALID_ARGUMENT.")
  private boolean routing;

  @Option(names = "--idempotent",
      description = "Also check idempotency: a record resent with its producer_id + sequence is a duplicate.")
  private boolean idempotent;

  @Option(names = "--max-record-bytes", paramLabel = "N", defaultValue = "4194304",
      description = "The sink's record size limit: a record of exactly N bytes must be accepted."
          + " Default: ${DEFAULT-VALUE} (4 MiB).")
  private int maxRecordBytes;

  @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "30s", converter = DurationConverter.class,
      description = "How long one check may take. Default: ${DEFAULT-VALUE}.")
  private Duration timeout;

  @Option(names = "--prompt", paramLabel = "DURATION", defaultValue = "2s", converter = DurationConverter.class,
      description = "How soon the sink must answer a Write after a cancelled or expired call."
          + " Default: ${DEFAULT-VALUE}.")
  private Duration prompt;

  @Option(names = "--check", paramLabel = "NAME", split = ",",
      description = "Run only these checks (repeat or separate with commas). Default: all.")
  private List<String> only;

  @Option(names = "--junit", paramLabel = "FILE", description = "Also write the results as JUnit XML to FILE.")
  private Path junit;

  ConformanceCommand(StdIo io) {
    this.io = io;
  }

  @Override
  public Integer call() throws InterruptedException {
    List<ConformanceCheck> checks = selectedChecks();
    requirePositive("--timeout", timeout);
    requirePositive("--prompt", prompt);
    if (maxRecordBytes < 0) {
      throw new CommandFailure(ExitCode.USAGE, "--max-record-bytes: " + maxRecordBytes + " (expected: >= 0)");
    }
    String t = ConnectionOptions.target(target, io);
    ManagedChannel channel = ConnectionOptions.channel(t);
    List<CheckResult> results;
    try {
      results = ConformanceKit.builder(channel).sink(sink).maxRecordBytes(maxRecordBytes).timeout(timeout)
          .prompt(prompt).routing(routing).idempotent(idempotent).nanoTime(io.nanoTime()).checks(checks).build()
          .run();
    } finally {
      channel.shutdownNow();
      channel.awaitTermination(5, TimeUnit.SECONDS);
    }
    String about = "sinkgate.v1.Sink at " + t + ", sink '" + sink + "'";
    ResultTable.print(results, about, io.out());
    if (junit != null) {
      Map<String, String> properties = new LinkedHashMap<>();
      properties.put("target", t);
      properties.put("sink", sink);
      properties.put("routing", Boolean.toString(routing));
      properties.put("idempotent", Boolean.toString(idempotent));
      try {
        JUnitXml.write(results, "sinkgate.conformance", properties, junit);
      } catch (IOException e) {
        throw new CommandFailure(ExitCode.FAILED, "writing --junit " + junit + " failed: " + e.getMessage(), e);
      }
    }
    return ResultTable.count(results, Outcome.FAIL) == 0 ? ExitCode.OK.code() : ExitCode.CHECKS_FAILED.code();
  }

  private static void requirePositive(String option, Duration d) {
    if (d.isZero() || d.isNegative()) {
      throw new CommandFailure(ExitCode.USAGE, option + ": " + d + " (expected: > 0)");
    }
  }

  private List<ConformanceCheck> selectedChecks() {
    List<ConformanceCheck> all = ConformanceKit.standardChecks();
    if (only == null || only.isEmpty()) {
      return all;
    }
    List<ConformanceCheck> chosen = new ArrayList<>();
    for (String name : only) {
      ConformanceCheck c = all.stream().filter(k -> k.name().equals(name)).findFirst().orElseThrow(() ->
          new CommandFailure(ExitCode.USAGE, "--check " + name + ": no such check (expected one of: "
              + String.join(", ", all.stream().map(ConformanceCheck::name).toList()) + ")"));
      chosen.add(c);
    }
    return chosen;
  }
}
