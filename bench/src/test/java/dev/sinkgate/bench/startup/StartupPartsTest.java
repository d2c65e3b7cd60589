package dev.sinkgate.bench.startup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinkgate.bench.Jcmd;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The start-up harness's small parts: the heap reading, its command line, the shipped flag file. */
class StartupPartsTest {
  private static final Path REPO = Path.of("").toAbsolutePath().getParent();

  @Test
  void heapUsed_sumsEveryGeneration_notMetaspace() {
    String serial = """
        10410:
         def new generation   total 3072K, used 100K [0x00000000f8000000, 0x00000000f8350000, 0x00000000faaa0000)
          eden space 2752K,   0% used [0x00000000f8000000, 0x00000000f8000000, 0x00000000f82b0000)
          from space 320K,   0% used [0x00000000f82b0000, 0x00000000f82b0000, 0x00000000f8300000)
         tenured generation   total 6764K, used 4057K [0x00000000faaa0000, 0x00000000fb13b000, 0x0000000100000000)
           the space 6764K,  59% used [0x00000000faaa0000, 0x00000000fae96730, 0x00000000fae96800, 0x00000000fb13b000)
         Metaspace       used 9388K, committed 9600K, reserved 1114112K
          class space    used 1080K, committed 1152K, reserved 1048576K
        """;
    assertEquals((100 + 4057) * 1024L, Jcmd.heapUsed(serial));
    String g1 = """
        4242:
         garbage-first heap   total 65536K, used 6321K [0x00000000fc000000, 0x0000000100000000)
          region size 1024K, 1 young (1024K), 0 survivors (0K)
         Metaspace       used 9400K, committed 9600K, reserved 1114112K
        """;
    assertEquals(6321 * 1024L, Jcmd.heapUsed(g1));
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> Jcmd.heapUsed("4242:\n Metaspace used 1K\n"));
    assertTrue(e.getMessage().contains("expected the lines of Serial, Parallel or G1"), e.getMessage());
  }

  @Test
  void options_defaultsAndErrors() {
    StartupOptions o = StartupOptions.parse(new String[0], REPO, Path.of("t"));
    assertEquals(7, o.runs());
    assertEquals("256m", o.maxRam());
    assertEquals(FlagSet.BUILT_IN, o.sets());
    StartupOptions custom = StartupOptions.parse(new String[] {"--set", "par=-XX:+UseParallelGC  -Xss256k",
        "--max-ram", "none", "--sets", "defaults,shipped"}, REPO, Path.of("t"));
    assertEquals(List.of("-XX:+UseParallelGC", "-Xss256k"), custom.custom().get("par"));
    assertEquals("", custom.maxRam());
    assertNull(StartupOptions.parse(new String[] {"--help"}, REPO, Path.of("t")));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> StartupOptions.parse(
        new String[] {"--sets", "shipped,zgc"}, REPO, Path.of("t"))).getMessage().contains("'zgc' (expected some of"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> StartupOptions.parse(
        new String[] {"--runs", "0"}, REPO, Path.of("t"))).getMessage().contains("--runs: 0 (expected: >= 1)"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> StartupOptions.parse(
        new String[] {"--max-ram", "lots"}, REPO, Path.of("t"))).getMessage().contains("a size like 256m"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> StartupOptions.parse(
        new String[] {"--set", "shipped=-Xmx1g"}, REPO, Path.of("t"))).getMessage().contains("not a built-in"));
  }

  @Test
  void shippedFlags_areAJavaArgFile_thatTheJvmAccepts() throws Exception {
    Path file = REPO.resolve("deploy/jvm.options");
    for (String line : Files.readAllLines(file)) {
      assertFalse(line.isBlank() || line.startsWith("#") || line.trim().contains(" "),
          "deploy/jvm.options: '" + line + "' (expected: one option per line, no comments or blank lines)");
    }
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:MaxRAM=256m", "@" + file, "-version").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertTrue(p.waitFor(30, TimeUnit.SECONDS), "java -version did not finish");
    assertEquals(0, p.exitValue(), "java @deploy/jvm.options -version failed: " + out);
  }
}
