package dev.sinkgate.cli;

import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code sinkctl completion}: prints the bash (and zsh) completion script picocli generates from the command tree. */
@Command(name = "completion",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    header = "Print the bash completion script.",
    description = {
        "Prints a bash completion script for sinkctl on stdout (zsh can use it too, after",
        "'autoload -U +X bashcompinit && bashcompinit')."},
    footerHeading = "%nExamples:%n",
    footer = {
        "  source <(sinkctl completion)                        # this shell only",
        "  sinkctl completion > ~/.local/share/bash-completion/completions/sinkctl"})
final class CompletionCommand implements Callable<Integer> {
  private final StdIo io;

  @Spec
  private CommandSpec spec;

  CompletionCommand(StdIo io) {
    this.io = io;
  }

  @Override
  public Integer call() {
    io.out().print(AutoComplete.bash("sinkctl", spec.root().commandLine()));
    io.out().flush();
    return ExitCode.OK.code();
  }
}
