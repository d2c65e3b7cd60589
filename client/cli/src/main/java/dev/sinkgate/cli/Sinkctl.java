package dev.sinkgate.cli;

import java.io.InputStream;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IExitCodeExceptionMapper;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * {@code sinkctl}, the command-line client of a sinkgate gateway: {@code write},
 * {@code write --lines}, {@code write --method}, {@code bind}, {@code health}, {@code bench}, {@code conformance} and {@code completion}.
 *
 * <p>{@link #run} parses and runs one command line and returns the exit code
 * ({@link ExitCode}); {@link #main} exits with it. Usage errors print the problem and where
 * to find help on stderr; failed calls print what was attempted, where, and the gateway's
 * answer; neither prints a stack trace.
 */
@Command(name = "sinkctl",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = "The command-line client of a sinkgate gateway: write records, check health, generate load.",
    synopsisSubcommandLabel = "COMMAND",
    exitCodeListHeading = "%nExit codes:%n",
    footerHeading = "%nExamples:%n",
    footer = {
        "  sinkctl write --sink audit 'user 7 logged in'",
        "  sinkctl write --lines -f events.txt --target gateway:50051",
        "  sinkctl bind --target audit.internal:9000 --method acme.audit.v1.AuditLog/Append",
        "  sinkctl health --sink audit",
        "  sinkctl bench --sink trash --rate 5000 --duration 10s --output json",
        "  sinkctl conformance --target 127.0.0.1:7001 --junit conformance.xml",
        "  source <(sinkctl completion)",
        "",
        "Run 'sinkctl COMMAND --help' for a command's options and examples."})
public final class Sinkctl implements Callable<Integer> {
  // Held so the configuration is not garbage collected with the logger; see main().
  private static final Logger GRPC_LOGGER = Logger.getLogger("io.grpc");

  @Spec
  private CommandSpec spec;

  private Sinkctl() {}

  /** {@code sinkctl} without a command is a usage error. */
  @Override
  public Integer call() {
    throw new ParameterException(spec.commandLine(),
        "missing COMMAND (expected one of: " + String.join(", ", spec.subcommands().keySet()) + ")");
  }

  public static void main(String[] args) {
    // gRPC logs connection trouble at WARNING to stderr; sinkctl reports failures itself.
    GRPC_LOGGER.setLevel(Level.SEVERE);
    System.exit(run(args, StdIo.system()));
  }

  /**
   * Runs one sinkctl command line in this JVM, for embedding (the benchmark harness runs
   * {@code sinkctl bench} this way so its load generator stays warm between runs): no
   * standard input, no progress line, this process's environment. Returns the exit code.
   */
  public static int run(String[] args, PrintWriter out, PrintWriter err) {
    return run(args, new StdIo(InputStream.nullInputStream(), out, err, System.getenv(), false,
        System::nanoTime));
  }

  /** Runs one sinkctl command line against {@code io} and returns its exit code. */
  static int run(String[] args, StdIo io) {
    try {
      return commandLine(io).execute(args);
    } finally {
      io.out().flush();
      io.err().flush();
    }
  }

  /** The command tree, wired to {@code io}. */
  static CommandLine commandLine(StdIo io) {
    CommandLine cl = new CommandLine(new Sinkctl());
    cl.addSubcommand("write", new WriteCommand(io));
    cl.addSubcommand("bind", new BindCommand(io));
    cl.addSubcommand("health", new HealthCommand(io));
    cl.addSubcommand("bench", new BenchCommand(io));
    cl.addSubcommand("conformance", new ConformanceCommand(io));
    cl.addSubcommand("completion", new CompletionCommand(io));
    cl.addSubcommand("help", new CommandLine.HelpCommand());
    cl.setCaseInsensitiveEnumValuesAllowed(true);
    cl.setOut(io.out());
    cl.setErr(io.err());
    applyToAll(cl);
    cl.setParameterExceptionHandler(Sinkctl::usageError);
    cl.setExecutionExceptionHandler((e, command, parsed) -> failure(e, command, io));
    cl.setExitCodeExceptionMapper(exitCodes());
    return cl;
  }

  private static void applyToAll(CommandLine cl) {
    cl.getCommandSpec().usageMessage().exitCodeList(ExitCode.helpSection());
    cl.getCommandSpec().usageMessage().exitCodeListHeading("%nExit codes:%n");
    for (CommandLine sub : cl.getSubcommands().values()) {
      applyToAll(sub);
    }
  }

  private static IExitCodeExceptionMapper exitCodes() {
    return e -> e instanceof CommandFailure f ? f.exitCode().code() : ExitCode.FAILED.code();
  }

  /** Bad options or arguments: the problem, then where help is; exit 2. */
  private static int usageError(ParameterException e, String[] args) {
    CommandLine cl = e.getCommandLine();
    var err = cl.getErr();
    err.println("sinkctl: " + e.getMessage());
    UnmatchedArgumentException.printSuggestions(e, err);
    err.println("usage: " + cl.getHelp().synopsis(0).strip());
    err.println("Run '" + cl.getCommandSpec().qualifiedName() + " --help' for options and examples.");
    err.flush();
    return ExitCode.USAGE.code();
  }

  private static int failure(Exception e, CommandLine command, StdIo io) {
    if (e instanceof CommandFailure f) {
      io.err().println("sinkctl: " + f.getMessage());
      if (f.exitCode() == ExitCode.USAGE) {
        io.err().println("Run '" + command.getCommandSpec().qualifiedName() + " --help' for options and examples.");
      }
      io.err().flush();
      return f.exitCode().code();
    }
    // A bug in sinkctl: say so, with the trace, rather than hide it.
    io.err().println("sinkctl: unexpected error (a bug in sinkctl): " + e);
    e.printStackTrace(io.err());
    io.err().flush();
    return ExitCode.FAILED.code();
  }
}
