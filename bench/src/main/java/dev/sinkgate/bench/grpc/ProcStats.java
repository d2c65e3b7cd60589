package dev.sinkgate.bench.grpc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What Linux's {@code /proc} says about one process: CPU time, resident memory now and
 * at its peak. The harness samples the servers it measures this way, from outside, so a
 * server's numbers include every thread it runs (event loops, GC, JIT) and nothing of the
 * load generator's.
 */
public final class ProcStats {
  /** Clock ticks per second of {@code /proc/PID/stat}'s times: 100 on every Linux the JDK runs on. */
  private static final double TICKS_PER_SECOND = clockTicks();

  private final long pid;

  public ProcStats(long pid) {
    this.pid = pid;
  }

  public long pid() {
    return pid;
  }

  /** User + system CPU seconds the process has used so far (all its threads). */
  public double cpuSeconds() {
    String stat = read("stat");
    // The command name (field 2) is in parentheses and may hold spaces: count fields after ')'.
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
    return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICKS_PER_SECOND;
  }

  /** Resident set size now, in bytes ({@code VmRSS}). */
  public long rssBytes() {
    return statusKb("VmRSS:") * 1024;
  }

  /** The peak resident set size since start or since {@link #resetPeak()}, in bytes ({@code VmHWM}). */
  public long peakRssBytes() {
    return statusKb("VmHWM:") * 1024;
  }

  /**
   * Resets the peak RSS to the current RSS (writes 5 to {@code /proc/PID/clear_refs}), so a
   * peak can be read per run. Returns false if the kernel refused (then the peak is the
   * process's whole life so far).
   */
  public boolean resetPeak() {
    try {
      Files.writeString(Path.of("/proc", Long.toString(pid), "clear_refs"), "5");
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private long statusKb(String field) {
    for (String line : read("status").split("\n")) {
      if (line.startsWith(field)) {
        return Long.parseLong(line.substring(field.length()).trim().split("\\s+")[0]);
      }
    }
    throw new IllegalStateException("/proc/" + pid + "/status has no " + field);
  }

  private String read(String file) {
    try {
      return Files.readString(Path.of("/proc", Long.toString(pid), file));
    } catch (IOException e) {
      throw new IllegalStateException("cannot read /proc/" + pid + "/" + file + " (has the process exited?): " + e, e);
    }
  }

  private static double clockTicks() {
    try {
      Process p = new ProcessBuilder(List.of("getconf", "CLK_TCK")).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes()).trim();
      return p.waitFor() == 0 ? Double.parseDouble(out) : 100;
    } catch (IOException | NumberFormatException e) {
      return 100;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 100;
    }
  }
}
