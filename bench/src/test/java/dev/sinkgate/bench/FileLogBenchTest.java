package dev.sinkgate.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A smoke run of the harness (about a second) and its option parsing; no figures are checked. */
class FileLogBenchTest {
  @TempDir
  Path tmp;

  @Test
  void run_oneWriterBriefly_reportsPositiveRatesARatioAndTheDisksFsyncRate() throws Exception {
    BenchOptions options = new BenchOptions(tmp.resolve("disk"), tmp.resolve("out.json"), List.of(1), 1,
        Duration.ZERO, Duration.ofMillis(100), Duration.ofMillis(400), 1024);
    ByteArrayOutputStream progress = new ByteArrayOutputStream();

    BenchResult result = new FileLogBench(options, new PrintStream(progress, true, StandardCharsets.UTF_8)).run();

    assertTrue(result.frameBytes() > 1024, "frame bytes: " + result.frameBytes());
    assertEquals(2, result.runs().size(), "one sink run and one raw run: " + result.runs());
    assertEquals(1, result.summaries().size());
    Summary s = result.summaries().get(0);
    assertTrue(s.sinkRecordsPerSecond() > 0, "sink records/s: " + s);
    assertTrue(s.rawRecordsPerSecond() > 0, "raw records/s: " + s);
    assertEquals(1, s.rawBatch(), "one closed-loop writer commits groups of one");
    assertTrue(s.ratio() > 0 && s.ratio() < 100, "sink/raw: " + s.ratio());
    assertTrue(result.fsyncsPerSecond() > 0, "fsyncs/s: " + result.fsyncsPerSecond());
    try (Stream<Path> left = Files.list(options.dir())) {
      assertEquals(List.of(), left.toList(), "the run deletes every file it wrote");
    }

    String markdown = BenchReport.markdown(result);
    assertTrue(markdown.contains("| writers | sink rec/s |"), markdown);
    assertTrue(markdown.contains("fsyncs/s"), markdown);
    String json = BenchReport.json(result);
    assertTrue(json.matches("(?s).*\"ratio\": [0-9.]+,.*"), "the ratio is a number: " + json);
    assertTrue(json.contains("\"side\": \"raw\""), json);
  }

  @Test
  void parse_quickThenAnExplicitDuration_theLaterOptionWins() {
    BenchOptions o = BenchOptions.parse(new String[] {"--quick", "--duration", "3s", "--writers", "2,4"},
        tmp);

    assertEquals(1, o.pairs());
    assertEquals(Duration.ofSeconds(1), o.warmup());
    assertEquals(Duration.ofSeconds(3), o.duration());
    assertEquals(List.of(2, 4), o.writers());
    assertEquals(tmp, o.dir());
    assertTrue(o.json().startsWith(tmp), o.json().toString());
  }

  @Test
  void parse_defaults_areTheProjectNorm() {
    BenchOptions o = BenchOptions.parse(new String[0], tmp);

    assertEquals(List.of(1, 8, 64), o.writers());
    assertTrue(o.pairs() >= 3);
    assertTrue(o.warmup().compareTo(Duration.ofSeconds(15)) >= 0);
    assertEquals(1024, o.recordBytes());
    assertNull(BenchOptions.parse(new String[] {"--help"}, tmp));
  }

  @Test
  void parse_badValues_nameTheOptionAndWhatWasExpected() {
    IllegalArgumentException writers = assertThrows(IllegalArgumentException.class,
        () -> BenchOptions.parse(new String[] {"--writers", "1,0"}, tmp));
    assertEquals("--writers: 0 (expected: 1 to 4096)", writers.getMessage());
    IllegalArgumentException twice = assertThrows(IllegalArgumentException.class,
        () -> BenchOptions.parse(new String[] {"--writers", "8,8"}, tmp));
    assertEquals("--writers: [8, 8] (expected: each count once)", twice.getMessage());
    IllegalArgumentException time = assertThrows(IllegalArgumentException.class,
        () -> BenchOptions.parse(new String[] {"--duration", "soon"}, tmp));
    assertTrue(time.getMessage().startsWith("--duration: 'soon' (expected: a time"), time.getMessage());
    assertEquals(Duration.ofMillis(500), OptionValues.duration("0.5", "--warmup"));
    assertEquals(Duration.ofMinutes(2), OptionValues.duration("2m", "--warmup"));
  }

  @Test
  void median_ofAnEvenCount_isTheMeanOfTheMiddleTwo() {
    assertEquals(2.5, Summary.median(new double[] {4, 1, 3, 2}));
    assertEquals(3, Summary.median(new double[] {5, 3, 1}));
    assertTrue(Double.isNaN(Summary.median(new double[0])));
  }
}
