package dev.sinkgate.cli;

/** How a command prints its answer on stdout: a line for people, or one JSON object per line for programs. */
enum OutputFormat {
  TEXT,
  JSON;

  @Override
  public String toString() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
