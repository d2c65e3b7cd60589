package dev.sinkgate.cli;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Reads a duration the way people write it: {@code 500ms}, {@code 10s}, {@code 1.5s},
 * {@code 2m}, {@code 1h}, or ISO-8601 ({@code PT10S}). A bare number is refused, since
 * nobody can tell whether it means seconds or milliseconds.
 */
final class DurationConverter implements ITypeConverter<Duration> {
  private static final Pattern SIMPLE = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h)");

  @Override
  public Duration convert(String value) {
    return parse(value);
  }

  static Duration parse(String value) {
    String v = value.trim();
    Matcher m = SIMPLE.matcher(v);
    if (m.matches()) {
      double amount = Double.parseDouble(m.group(1));
      double nanosPerUnit = switch (m.group(2)) {
        case "ms" -> 1e6;
        case "s" -> 1e9;
        case "m" -> 60e9;
        default -> 3600e9;
      };
      double nanos = amount * nanosPerUnit;
      if (nanos > Long.MAX_VALUE) {
        throw new TypeConversionException("'" + value + "' is too long (expected: at most 292 years)");
      }
      return Duration.ofNanos((long) nanos);
    }
    if (v.startsWith("P") || v.startsWith("p")) {
      try {
        return Duration.parse(v);
      } catch (DateTimeParseException e) {
        // fall through to the message below
      }
    }
    throw new TypeConversionException("'" + value + "' is not a duration (expected: e.g. 500ms, 10s, 1.5s, 2m, 1h)");
  }
}
