package dev.sinkgate.bench.startup;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One set of JVM options the gateway is cold-started with.
 *
 * @param name short name for tables ({@code defaults}, {@code shipped}, …)
 * @param options the JVM options, as given on the java command line (an {@code @file} is a
 *     java argument file, read by the launcher as the container's entry point would)
 * @param needsArchive whether a CDS archive must be dumped first ({@link #archiveOptions})
 */
record FlagSet(String name, List<String> options, boolean needsArchive) {
  static final List<String> BUILT_IN = List.of("defaults", "shipped", "g1", "c1", "cds", "cds-c1", "lean");

  FlagSet {
    options = List.copyOf(options);
  }

  /**
   * A built-in set. Every set but {@code defaults} is the shipped file plus one change, so a
   * difference is that change's.
   */
  static FlagSet builtIn(String name, Path repo, Path archive) {
    String shipped = "@" + repo.resolve("deploy/jvm.options");
    return switch (name) {
      // The JVM's own ergonomics: the baseline the issue asks for.
      case "defaults" -> new FlagSet(name, List.of(), false);
      case "shipped" -> new FlagSet(name, List.of(shipped), false);
      // The default collector on a server-class machine, in place of whatever the file picks.
      case "g1" -> new FlagSet(name, List.of(shipped, "-XX:-UseSerialGC", "-XX:-UseParallelGC", "-XX:+UseG1GC"), false);
      // C1 only: less JIT work and code cache at start, slower code under load.
      case "c1" -> new FlagSet(name, List.of(shipped, "-XX:TieredStopAtLevel=1"), false);
      // Application class-data sharing: the gateway's classes mapped from an archive dumped
      // by an earlier run of the same flags (-XX:ArchiveClassesAtExit).
      case "cds" -> new FlagSet(name, List.of(shipped, "-XX:SharedArchiveFile=" + archive), true);
      // The two that cut start-up CPU, together (the archive is the same: it does not depend on the JIT).
      case "cds-c1" -> new FlagSet(name, List.of(shipped, "-XX:SharedArchiveFile=" + archive,
          "-XX:TieredStopAtLevel=1"), true);
      // Smaller native pools: code cache, direct memory and Netty's arenas (one of each kind
      // instead of two per core).
      case "lean" -> new FlagSet(name, List.of(shipped, "-XX:ReservedCodeCacheSize=48m",
          "-XX:MaxDirectMemorySize=64m", "-Dio.netty.allocator.numDirectArenas=1",
          "-Dio.netty.allocator.numHeapArenas=1"), false);
      default -> throw new IllegalArgumentException("flag set '" + name + "' (expected one of " + BUILT_IN + ")");
    };
  }

  /** The options of the one run that dumps this set's archive: the set's own, dumping at exit. */
  List<String> archiveOptions(Path archive) {
    List<String> out = new ArrayList<>();
    for (String o : options) {
      if (!o.startsWith("-XX:SharedArchiveFile=")) {
        out.add(o);
      }
    }
    out.add("-XX:ArchiveClassesAtExit=" + archive);
    return out;
  }
}
