package dev.sinkgate.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine.TypeConversionException;

class DurationConverterTest {
  @Test
  void parse_unitsPeopleWrite_giveTheDuration() {
    assertEquals(Duration.ofMillis(500), DurationConverter.parse("500ms"));
    assertEquals(Duration.ofSeconds(10), DurationConverter.parse("10s"));
    assertEquals(Duration.ofMillis(1500), DurationConverter.parse("1.5s"));
    assertEquals(Duration.ofMinutes(2), DurationConverter.parse("2m"));
    assertEquals(Duration.ofHours(1), DurationConverter.parse("1h"));
    assertEquals(Duration.ofSeconds(30), DurationConverter.parse("PT30S"));
    assertEquals(Duration.ZERO, DurationConverter.parse("0s"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"10", "10x", "-1s", "s", "", "1.s", "PTX"})
  void parse_notADuration_saysWhatWasGivenAndWhatIsExpected(String given) {
    TypeConversionException e = assertThrows(TypeConversionException.class, () -> DurationConverter.parse(given));

    assertTrue(e.getMessage().startsWith("'" + given + "' is not a duration (expected: e.g. 500ms"), e.getMessage());
  }
}
