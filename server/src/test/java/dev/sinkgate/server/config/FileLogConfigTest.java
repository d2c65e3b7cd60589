package dev.sinkgate.server.config;

import static dev.sinkgate.server.config.ConfigLoaderTest.assertContains;
import static dev.sinkgate.server.config.ConfigLoaderTest.assertStartsWith;
import static dev.sinkgate.server.config.ConfigLoaderTest.failure;
import static dev.sinkgate.server.config.ConfigLoaderTest.position;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.sinkgate.server.log.FileLog;
import dev.sinkgate.server.log.FsyncPolicy;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The keys of routes backed by a file log: sizes, fsync, segments, retention, producer state. */
class FileLogConfigTest {
  @Test
  void parse_sizesWithBinaryUnits_areBytes() throws Exception {
    GatewayConfig config = ConfigLoader.parse("sizes.yaml", """
        sinks:
          a: { type: file, path: ./a, max_record_bytes: 64KiB, queue_bytes: 4MiB, fsync: never }
          b: { type: discard, max_record_bytes: 1MiB, queue: 10 }
        """);

    SinkConfig a = config.sinks().get(0);
    assertEquals(64 * 1024, a.maxRecordBytes());
    assertEquals(4L * 1024 * 1024, a.queueBytes());
    assertEquals(FsyncPolicy.NEVER, a.fsync());
    SinkConfig b = config.sinks().get(1);
    assertEquals(1024 * 1024, b.maxRecordBytes());
    assertEquals(10, b.queueRecords());
  }

  // --- fsync: interval ---

  @Test
  void parse_fsyncInterval_carriesTheGivenIntervalAndDefaultsToOneSecond() throws Exception {
    GatewayConfig config = ConfigLoader.parse("interval.yaml", """
        sinks:
          fast:   { type: file, path: ./fast, fsync: interval, fsync_interval: 250ms }
          plain:  { type: file, path: ./plain, fsync: interval }
          always: { type: file, path: ./always }
        """);

    SinkConfig fast = config.sinks().get(0);
    assertEquals(FsyncPolicy.INTERVAL, fast.fsync());
    assertEquals(Duration.ofMillis(250), fast.fsyncInterval());
    SinkConfig plain = config.sinks().get(1);
    assertEquals(FsyncPolicy.INTERVAL, plain.fsync());
    assertEquals(Duration.ofSeconds(1), plain.fsyncInterval());
    assertNull(config.sinks().get(2).fsyncInterval(), "fsync: always has no interval");
  }

  @Test
  void parse_fsyncIntervalWithoutIntervalMode_failsAtTheKeySayingWhichModeItNeeds() {
    String withAlways = """
        sinks:
          audit: { type: file, path: ./a, fsync: always, fsync_interval: 1s }
        """;
    String withDefault = """
        sinks:
          audit:
            type: file
            path: ./a
            fsync_interval: 1s
        """;

    String always = failure(withAlways).getMessage();
    String dflt = failure(withDefault).getMessage();

    assertStartsWith("test.yaml:" + position(withAlways, "fsync_interval") + ": sinks.audit.fsync_interval: ", always);
    assertContains("only applies with 'fsync: interval' (fsync here is always;", always);
    assertStartsWith("test.yaml:" + position(withDefault, "fsync_interval") + ": sinks.audit.fsync_interval: ", dflt);
    assertContains("(fsync here is always;", dflt);
  }

  @Test
  void parse_badFsyncInterval_failsAtTheValueWithTheExpectedForm() {
    String notADuration = """
        sinks:
          m: { type: file, path: ./m, fsync: interval, fsync_interval: soon }
        """;
    String zero = """
        sinks:
          m: { type: file, path: ./m, fsync: interval, fsync_interval: 0ms }
        """;
    String tooLong = """
        sinks:
          m: { type: file, path: ./m, fsync: interval, fsync_interval: 2h }
        """;
    String onDiscard = """
        sinks:
          m: { type: discard, fsync_interval: 1s }
        """;

    String a = failure(notADuration).getMessage();
    String b = failure(zero).getMessage();
    String c = failure(tooLong).getMessage();
    String d = failure(onDiscard).getMessage();

    assertStartsWith("test.yaml:" + position(notADuration, "soon") + ": sinks.m.fsync_interval: 'soon' is not a duration", a);
    assertStartsWith("test.yaml:" + position(zero, "0ms") + ": sinks.m.fsync_interval: '0ms' (expected: from 1ms to 1h", b);
    assertContains("'2h' (expected: from 1ms to 1h", c);
    assertContains("unknown key 'fsync_interval'", d);
  }

  // --- file log segments and retention ---

  /** A config with one route, {@code m}, whose keys are {@code keys} in flow style. */
  private static String routeM(String keys) {
    return "sinks:\n  m: { " + keys + " }\n";
  }

  @Test
  void parse_segmentAndRetentionKeys_areParsedIntoTheLogOptions() throws Exception {
    GatewayConfig config = ConfigLoader.parse("log.yaml", """
        sinks:
          metrics: { type: file, path: ./m, segment_bytes: 16MiB, retention_bytes: 10GiB, retention_age: 7d }
          hourly:  { type: file, path: ./h, retention_age: 36h }
          tight:   { type: file, path: ./t, segment_bytes: 4KiB, retention_bytes: 8KiB }
          large:   { type: file, path: ./l, segment_bytes: 1GiB }
          plain:   { type: file, path: ./p }
          trash:   { type: discard }
        """);

    List<SinkConfig> sinks = config.sinks();
    assertEquals(new FileLog.Options(16L << 20, 10L << 30, Duration.ofDays(7)), sinks.get(0).log());
    assertEquals(new FileLog.Options(64L << 20, 0, Duration.ofHours(36)), sinks.get(1).log());
    assertEquals(new FileLog.Options(4096, 8192, null), sinks.get(2).log(),
        "the smallest segment, and retention of exactly two segments");
    assertEquals(new FileLog.Options(1L << 30, 0, null), sinks.get(3).log(), "the largest segment");
    assertEquals(FileLog.Options.DEFAULT, sinks.get(4).log());
    assertNull(sinks.get(5).log(), "only a file sink has a log");
  }

  @Test
  void parse_segmentBytesOutOfRange_failsAtTheValue() {
    String tooSmall = routeM("type: file, path: ./m, segment_bytes: 4095");
    String tooLarge = """
        sinks:
          m:
            type: file
            path: ./m
            segment_bytes: 2GiB
        """;

    assertEquals("test.yaml:" + position(tooSmall, "4095") + ": sinks.m.segment_bytes: 4095 bytes"
        + " (expected: from 4KiB to 1GiB)", failure(tooSmall).getMessage());
    assertEquals("test.yaml:" + position(tooLarge, "2GiB") + ": sinks.m.segment_bytes: 2147483648 bytes"
        + " (expected: from 4KiB to 1GiB)", failure(tooLarge).getMessage());
  }

  @Test
  void parse_retentionBytesBelowTwoSegments_failsAtTheValueNamingTheSegmentSize() {
    String oneByteShort = routeM("type: file, path: ./m, segment_bytes: 1MiB, retention_bytes: 2097151");
    String defaultSegment = routeM("type: file, path: ./m, retention_bytes: 100MiB");

    String a = failure(oneByteShort).getMessage();
    String b = failure(defaultSegment).getMessage();

    assertStartsWith("test.yaml:" + position(oneByteShort, "2097151") + ": sinks.m.retention_bytes: 2097151 bytes"
        + " is less than two segments of 1048576 bytes (expected: >= 2 x segment_bytes, or 0 to keep everything;", a);
    assertStartsWith("test.yaml:" + position(defaultSegment, "100MiB") + ": sinks.m.retention_bytes: 104857600 bytes"
        + " is less than two segments of 67108864 bytes", b);
  }

  @Test
  void parse_durationTooLongForAnyClock_failsAtTheValue() {
    String huge = routeM("type: file, path: ./m, retention_age: 200000000000000d");

    assertContains("sinks.m.retention_age: '200000000000000d' is too long a duration", failure(huge).getMessage());
  }

  @Test
  void parse_retentionBytesZero_keepsEverything() throws Exception {
    GatewayConfig config = ConfigLoader.parse("test.yaml", routeM("type: file, path: ./m, retention_bytes: 0"));

    assertEquals(0, config.sinks().get(0).log().retentionBytes());
  }

  @Test
  void parse_zeroOrMalformedRetentionAge_failsAtTheValue() {
    String zero = routeM("type: file, path: ./m, retention_age: 0d");
    String words = routeM("type: file, path: ./m, retention_age: 7 days");

    assertStartsWith("test.yaml:" + position(zero, "0d") + ": sinks.m.retention_age: 0 (expected: a positive age",
        failure(zero).getMessage());
    assertStartsWith("test.yaml:" + position(words, "7 days") + ": sinks.m.retention_age: '7 days' is not a duration",
        failure(words).getMessage());
  }

  @Test
  void parse_producerKeys_areParsedIntoTheLogOptions_withKafkaLikeDefaults() throws Exception {
    GatewayConfig config = ConfigLoader.parse("test.yaml", """
        sinks:
          set:   { type: file, path: ./s, producer_expiry: 2h, max_producers: 50 }
          plain: { type: file, path: ./p }
        """);

    FileLog.Options set = config.sinks().get(0).log();
    assertEquals(Duration.ofHours(2), set.producerExpiry());
    assertEquals(50, set.maxProducers());
    FileLog.Options plain = config.sinks().get(1).log();
    assertEquals(Duration.ofHours(24), plain.producerExpiry());
    assertEquals(10_000, plain.maxProducers());
  }

  @Test
  void parse_zeroProducerExpiryOrProducerCountOutOfRange_failsAtTheValue() {
    String zero = routeM("type: file, path: ./m, producer_expiry: 0s");
    String none = routeM("type: file, path: ./m, max_producers: 0");
    String many = routeM("type: file, path: ./m, max_producers: 2000000");

    assertStartsWith("test.yaml:" + position(zero, "0s") + ": sinks.m.producer_expiry: 0 (expected: a positive"
        + " duration like 24h", failure(zero).getMessage());
    assertEquals("test.yaml:" + position(none, "0 }") + ": sinks.m.max_producers: 0 (expected: a producer count"
        + " from 1 to 1000000)", failure(none).getMessage());
    assertEquals("test.yaml:" + position(many, "2000000") + ": sinks.m.max_producers: 2000000 (expected: a"
        + " producer count from 1 to 1000000)", failure(many).getMessage());
  }

  @Test
  void parse_logKeysOnASinkWithoutALog_areUnknownKeysAtTheKey() {
    for (String type : List.of("discard", "stdout")) {
      for (String key : List.of("segment_bytes: 4MiB", "retention_bytes: 1GiB", "retention_age: 7d",
          "producer_expiry: 1h", "max_producers: 10")) {
        String text = routeM("type: " + type + ", " + key);
        String name = key.substring(0, key.indexOf(':'));

        String message = failure(text).getMessage();

        assertStartsWith("test.yaml:" + position(text, name) + ": sinks.m: unknown key '" + name + "'", message);
        assertContains("(keys for a " + type + " sink: ", message);
      }
    }
  }

  @Test
  void parse_unknownFsyncMode_listsAllThreeModes() {
    String message = failure("""
        sinks:
          m: { type: file, path: ./m, fsync: intervall }
        """).getMessage();

    assertContains("'intervall' (did you mean 'interval'?) (expected one of: always, interval, never)", message);
  }

  @Test
  void parse_badSize_failsAtTheValueWithTheExpectedForm() {
    String text = """
        sinks:
          audit:
            type: file
            path: ./data/audit
            max_record_bytes: 64KB
        """;
    String message = failure(text).getMessage();

    assertStartsWith("test.yaml:" + position(text, "64KB") + ": sinks.audit.max_record_bytes: ", message);
    assertContains("'64KB' is not a size", message);
  }
}
