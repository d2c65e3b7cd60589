package dev.sinkgate.cli;

import java.util.Locale;

/** Numbers as sinkctl prints them for people: decimal units (1 MB = 10^6 bytes), fixed decimals, no locale. */
final class Units {
  private Units() {}

  /** {@code 999 B}, {@code 1.2 kB}, {@code 34.5 MB}, {@code 1.2 GB}. */
  static String bytes(long n) {
    if (n < 1000) {
      return n + " B";
    }
    String[] units = {"kB", "MB", "GB", "TB", "PB", "EB"};
    double v = n;
    int u = -1;
    while (v >= 1000 && u < units.length - 1) {
      v /= 1000;
      u++;
    }
    return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
  }

  /** A rate per second, with no decimals from 100 up and one below. */
  static String perSecond(double rate) {
    return String.format(Locale.ROOT, rate >= 100 ? "%.0f" : "%.1f", rate);
  }

  /** {@code count / seconds}, or 0 when no time has passed. */
  static double rate(double count, double seconds) {
    return seconds > 0 ? count / seconds : 0;
  }

  /** Seconds with three decimals. */
  static String seconds(long nanos) {
    return String.format(Locale.ROOT, "%.3f", nanos / 1e9);
  }

  /** {@code value} rounded to {@code decimals} places, for JSON. */
  static double round(double value, int decimals) {
    double scale = Math.pow(10, decimals);
    return Math.round(value * scale) / scale;
  }
}
