package dev.sinkgate.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The JDK's {@code jcmd} run against another JVM by its pid, for the harnesses that read a
 * server's heap from outside. Attaching works with {@code -XX:-UsePerfData} (jcmd needs the
 * perf data only to list JVMs, not to reach one by pid).
 */
public final class Jcmd {
  /**
   * A generation's (or the whole heap's) line of {@code GC.heap_info}: one leading space,
   * then e.g. {@code def new generation   total 3072K, used 0K} (Serial, Parallel) or
   * {@code garbage-first heap   total 262144K, used 12345K} (G1). Its sub-spaces (eden,
   * from, to, the space) are indented further; Metaspace is not heap.
   */
  private static final Pattern GENERATION = Pattern.compile("^ (?! )(?!Metaspace)(.*?)\\btotal \\d+K, used (\\d+)K",
      Pattern.MULTILINE);

  private Jcmd() {}

  /** Runs {@code jcmd PID COMMAND} and returns its output; fails naming the command if jcmd does. */
  public static String run(long pid, String command) throws IOException, InterruptedException {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("jcmd " + pid + " " + command + " failed: " + out);
    }
    return out;
  }

  /** A full GC ({@code GC.run}), then the heap in use ({@code GC.heap_info}), in bytes. */
  public static long heapUsedAfterGc(long pid) throws IOException, InterruptedException {
    run(pid, "GC.run");
    return heapUsed(run(pid, "GC.heap_info"));
  }

  /** The heap in use that {@code GC.heap_info} printed: the sum over its generations, in bytes. */
  public static long heapUsed(String heapInfo) {
    Matcher m = GENERATION.matcher(heapInfo);
    long kib = 0;
    boolean found = false;
    while (m.find()) {
      kib += Long.parseLong(m.group(2));
      found = true;
    }
    if (!found) {
      throw new IllegalStateException("jcmd GC.heap_info printed no generation with 'total NK, used NK'"
          + " (expected the lines of Serial, Parallel or G1): " + heapInfo);
    }
    return kib * 1024;
  }
}
