package dev.sinkgate.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Parsing of the benchmark mains' option values; errors name the option, the value and what was expected. */
public final class OptionValues {
  private OptionValues() {}

  public static String value(String[] args, int i, String option) {
    if (i >= args.length) {
      throw new IllegalArgumentException(option + ": missing value");
    }
    return args[i];
  }

  public static int integer(String s, String option) {
    try {
      return Integer.parseInt(s.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(option + ": '" + s + "' (expected: an integer)");
    }
  }

  public static List<Integer> intList(String s, String option) {
    List<Integer> list = new ArrayList<>();
    for (String part : s.split(",")) {
      list.add(integer(part, option));
    }
    return list;
  }

  /** 15s, 500ms, 2m, or a plain number of seconds (which may have a fraction). */
  public static Duration duration(String s, String option) {
    String t = s.trim().toLowerCase(Locale.ROOT);
    try {
      if (t.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
      }
      double unit = 1;
      if (t.endsWith("s")) {
        t = t.substring(0, t.length() - 1);
      } else if (t.endsWith("m")) {
        t = t.substring(0, t.length() - 1);
        unit = 60;
      }
      double seconds = Double.parseDouble(t) * unit;
      if (!(seconds >= 0) || Double.isInfinite(seconds)) {
        throw new NumberFormatException();
      }
      return Duration.ofNanos(Math.round(seconds * 1e9));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(option + ": '" + s + "' (expected: a time like 15s, 500ms, 2m or 0.5)");
    }
  }

  /** The words of {@code s}, split at white space (e.g. a list of JVM options). */
  public static List<String> words(String s) {
    List<String> out = new ArrayList<>();
    for (String part : s.trim().split("\\s+")) {
      if (!part.isEmpty()) {
        out.add(part);
      }
    }
    return out;
  }
}
