package dev.sinkgate.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinkgate.server.log.FileLog;
import dev.sinkgate.server.log.FsyncPolicy;
import dev.sinkgate.server.route.Route;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
  private static final String EXAMPLE = """
      listen: ["127.0.0.1:50051"]
      sinks:
        default: { type: file, path: ./data/default }
        audit:   { type: file, path: ./data/audit, max_record_bytes: 65536 }
        trash:   { type: discard }
        console: { type: stdout }
      """;

  @TempDir
  Path tmp;

  /** "1:5" style position of the first occurrence of {@code needle}, counted from the text itself. */
  static String position(String text, String needle) {
    int at = text.indexOf(needle);
    assertTrue(at >= 0, "test bug: '" + needle + "' is not in the config text");
    String before = text.substring(0, at);
    int line = (int) before.chars().filter(c -> c == '\n').count() + 1;
    int column = at - (before.lastIndexOf('\n') + 1) + 1;
    return line + ":" + column;
  }

  static ConfigException failure(String text) {
    return assertThrows(ConfigException.class, () -> ConfigLoader.parse("test.yaml", text));
  }

  private static void assertStartsWith(String prefix, String actual) {
    assertTrue(actual.startsWith(prefix), () -> "expected a message starting with <" + prefix
        + "> but was <" + actual + ">");
  }

  private static void assertContains(String part, String actual) {
    assertTrue(actual.contains(part), () -> "expected <" + part + "> in <" + actual + ">");
  }

  // --- the three mistakes a user makes most, each with its own message ---

  private static final String TYPO = """
      listen: ["127.0.0.1:50051"]
      sinks:
        default:
          type: file
          pth: ./data/default
      """;

  private static final String UNKNOWN_TYPE = """
      sinks:
        default:
          type: fiel
          path: ./data/default
      """;

  private static final String MISSING_PATH = """
      sinks:
        other: { type: discard }
        default:
          type: file
          fsync: always
      """;

  @Test
  void load_keyTypo_namesFileLineKeyPathAndSuggestsTheKnownKey() throws Exception {
    Path file = tmp.resolve("gateway.yaml");
    Files.writeString(file, TYPO, StandardCharsets.UTF_8);

    String message = assertThrows(ConfigException.class, () -> ConfigLoader.load(file)).getMessage();

    assertStartsWith(file + ":" + position(TYPO, "pth") + ": sinks.default: ", message);
    assertEquals("5:5", position(TYPO, "pth"), "test bug: the typo should sit on line 5");
    assertContains("'pth'", message);
    assertContains("did you mean 'path'?", message);
  }

  @Test
  void parse_unknownSinkType_listsTheValidTypes() {
    String message = failure(UNKNOWN_TYPE).getMessage();

    assertStartsWith("test.yaml:" + position(UNKNOWN_TYPE, "fiel") + ": sinks.default.type: ", message);
    assertContains("'fiel' is not a sink type", message);
    assertContains("did you mean 'file'?", message);
    assertContains("expected one of: file, discard, stdout", message);
  }

  @Test
  void parse_fileSinkWithoutPath_saysAFileSinkNeedsAPath() {
    String message = failure(MISSING_PATH).getMessage();

    // The error points at the body of the sink that lacks the key.
    assertStartsWith("test.yaml:" + position(MISSING_PATH, "type: file") + ": sinks.default: ", message);
    assertContains("needs 'path'", message);
  }

  @Test
  void parse_typoUnknownTypeAndMissingPath_giveThreeDifferentMessages() {
    String typo = failure(TYPO).getMessage();
    String unknownType = failure(UNKNOWN_TYPE).getMessage();
    String missingPath = failure(MISSING_PATH).getMessage();

    assertNotEquals(typo, unknownType);
    assertNotEquals(typo, missingPath);
    assertNotEquals(unknownType, missingPath);
    // And each says only its own problem.
    assertTrue(!typo.contains("not a sink type") && !typo.contains("needs 'path'"), typo);
    assertTrue(!unknownType.contains("unknown key") && !unknownType.contains("needs 'path'"), unknownType);
    assertTrue(!missingPath.contains("unknown key") && !missingPath.contains("not a sink type"), missingPath);
  }

  @Test
  void parse_typoInTopLevelKey_namesTheTopLevelAndSuggests() {
    String text = """
        listen: ["127.0.0.1:50051"]
        sink:
          default: { type: discard }
        """;
    String message = failure(text).getMessage();

    assertStartsWith("test.yaml:2:1: the top level: unknown key 'sink'", message);
    assertContains("did you mean 'sinks'?", message);
  }

  // --- what a good config turns into ---

  @Test
  void parse_exampleConfig_givesTheFourRoutesInFileOrder() throws Exception {
    GatewayConfig config = ConfigLoader.parse("example.yaml", EXAMPLE);

    assertEquals("example.yaml", config.source());
    assertEquals(List.of(new InetSocketAddress("127.0.0.1", 50051)), config.listen());
    assertEquals(ConfigLoader.DEFAULT_DRAIN_TIMEOUT, config.drainTimeout());
    assertEquals(List.of("default", "audit", "trash", "console"),
        config.sinks().stream().map(SinkConfig::name).toList());

    SinkConfig dflt = config.sinks().get(0);
    assertEquals(SinkType.FILE, dflt.type());
    assertEquals(Path.of("./data/default"), dflt.path());
    assertEquals(FsyncPolicy.ALWAYS, dflt.fsync());
    assertEquals(Route.DEFAULT_MAX_RECORD_BYTES, dflt.maxRecordBytes());

    SinkConfig audit = config.sinks().get(1);
    assertEquals(SinkType.FILE, audit.type());
    assertEquals(Path.of("./data/audit"), audit.path());
    assertEquals(65536, audit.maxRecordBytes());

    SinkConfig trash = config.sinks().get(2);
    assertEquals(SinkType.DISCARD, trash.type());
    assertNull(trash.path());
    assertNull(trash.fsync());

    SinkConfig console = config.sinks().get(3);
    assertEquals(SinkType.STDOUT, console.type());
    assertNull(console.path());
  }

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

  @Test
  void parse_drainTimeout_acceptsEveryUnit() throws Exception {
    String sinks = "sinks: { default: { type: discard } }\n";
    assertEquals(Duration.ofMillis(500), ConfigLoader.parse("t", "drain_timeout: 500ms\n" + sinks).drainTimeout());
    assertEquals(Duration.ofSeconds(20), ConfigLoader.parse("t", "drain_timeout: 20s\n" + sinks).drainTimeout());
    assertEquals(Duration.ofMinutes(5), ConfigLoader.parse("t", "drain_timeout: 5m\n" + sinks).drainTimeout());
    assertEquals(Duration.ofHours(1), ConfigLoader.parse("t", "drain_timeout: 1h\n" + sinks).drainTimeout());
    assertEquals(Duration.ofDays(1), ConfigLoader.parse("t", "drain_timeout: 1d\n" + sinks).drainTimeout());
  }

  @Test
  void parse_badDuration_failsWithLineNumber() {
    String text = """
        listen: ["127.0.0.1:50051"]
        drain_timeout: 20 seconds
        sinks: { default: { type: discard } }
        """;
    String message = failure(text).getMessage();

    assertStartsWith("test.yaml:" + position(text, "20 seconds") + ": drain_timeout: ", message);
    assertContains("'20 seconds' is not a duration", message);
  }

  @Test
  void parse_listenAddressWithoutPort_failsWithLineNumber() {
    String text = """
        sinks: { default: { type: discard } }
        listen:
          - 127.0.0.1:50051
          - 127.0.0.1
        """;
    String message = failure(text).getMessage();

    assertStartsWith("test.yaml:4:5: listen: ", message);
    assertContains("'127.0.0.1' is not a listen address", message);
  }

  @Test
  void parse_listenPortOutOfRange_failsWithLineNumber() {
    String text = """
        sinks: { default: { type: discard } }
        listen: 127.0.0.1:70000
        """;
    String message = failure(text).getMessage();

    assertStartsWith("test.yaml:" + position(text, "127.0.0.1:70000") + ": listen: ", message);
    assertContains("port 70000", message);
  }

  @Test
  void parse_listenAsSingleStringOrIpv6_isAccepted() throws Exception {
    GatewayConfig config = ConfigLoader.parse("t", """
        listen: ["0.0.0.0:7000", "[::1]:7001"]
        sinks: { default: { type: discard } }
        """);

    assertEquals(List.of(new InetSocketAddress("0.0.0.0", 7000), new InetSocketAddress("::1", 7001)),
        config.listen());
  }

  @Test
  void parse_duplicateTopLevelKey_fails() {
    String text = """
        listen: ["127.0.0.1:50051"]
        sinks: { default: { type: discard } }
        listen: ["127.0.0.1:50052"]
        """;
    String message = failure(text).getMessage();

    assertStartsWith("test.yaml:3:", message);
    assertContains("'listen'", message);
  }

  @Test
  void parse_duplicateRouteName_fails() {
    String text = """
        sinks:
          audit: { type: discard }
          audit: { type: stdout }
        """;
    String message = failure(text).getMessage();

    assertStartsWith("test.yaml:3:", message);
    assertContains("'audit'", message);
  }

  @Test
  void parse_duplicateKeyInsideASink_fails() {
    String text = """
        sinks:
          audit:
            type: file
            path: ./a
            path: ./b
        """;
    String message = failure(text).getMessage();

    assertStartsWith("test.yaml:5:", message);
    assertContains("'path'", message);
  }

  @Test
  void parse_keyThatBelongsToAnotherSinkType_isUnknownForThisType() {
    String text = """
        sinks:
          trash: { type: discard, path: ./nowhere }
        """;
    String message = failure(text).getMessage();

    assertStartsWith("test.yaml:" + position(text, "path") + ": sinks.trash: unknown key 'path'", message);
    assertContains("a discard sink", message);
  }

  @Test
  void parse_emptyOrSinklessConfig_fails() {
    assertContains("empty", failure("").getMessage());
    assertContains("missing key 'sinks'", failure("listen: [\"127.0.0.1:1\"]\n").getMessage());
    assertContains("no sinks", failure("sinks: {}\n").getMessage());
  }

  @Test
  void load_missingFile_namesTheFile() {
    Path file = tmp.resolve("nope.yaml");

    String message = assertThrows(ConfigException.class, () -> ConfigLoader.load(file)).getMessage();

    assertEquals(file + ": no such config file", message);
  }

  @Test
  void embeddedDefault_isOneFileRouteNamedDefaultSyncedAlways() {
    GatewayConfig config = ConfigLoader.embeddedDefault();

    assertEquals(1, config.sinks().size());
    SinkConfig only = config.sinks().get(0);
    assertEquals("default", only.name());
    assertEquals(SinkType.FILE, only.type());
    assertEquals(Path.of("./data/default"), only.path());
    assertEquals(FsyncPolicy.ALWAYS, only.fsync());
    assertEquals(List.of(ConfigLoader.DEFAULT_LISTEN), config.listen());
  }

  // --- metrics: { listen } ---

  private static final String TRASH = "sinks:\n  trash: { type: discard }\n";

  @Test
  void parse_metricsListen_isTheEndpointAddress_andAbsentMeansNone() throws Exception {
    GatewayConfig with = ConfigLoader.parse("t", "metrics: { listen: \"127.0.0.1:0\" }\n" + TRASH);
    GatewayConfig without = ConfigLoader.parse("t", TRASH);

    assertEquals(new InetSocketAddress("127.0.0.1", 0), with.metricsListen());
    assertNull(without.metricsListen());
    assertNull(ConfigLoader.embeddedDefault().metricsListen());
  }

  @Test
  void parse_badMetricsListen_failsWithLineNumber() {
    String text = "listen: [\"127.0.0.1:50051\"]\nmetrics:\n  listen: localhost\n" + TRASH;

    String message = failure(text).getMessage();

    assertStartsWith("test.yaml:" + position(text, "localhost") + ": metrics.listen: ", message);
    assertContains("'localhost' is not a listen address (expected: host:port", message);
  }

  @Test
  void parse_metricsWithoutListenOrWithAnUnknownKey_failsSayingWhatIsExpected() {
    String missing = "metrics: {}\n" + TRASH;
    String typo = "metrics:\n  lisen: 127.0.0.1:9464\n" + TRASH;
    String notAMapping = "metrics: 127.0.0.1:9464\n" + TRASH;

    String m1 = failure(missing).getMessage();
    String m2 = failure(typo).getMessage();
    String m3 = failure(notAMapping).getMessage();

    assertStartsWith("test.yaml:1:10: metrics: missing key 'listen'", m1);
    assertStartsWith("test.yaml:" + position(typo, "lisen") + ": metrics: unknown key 'lisen' (did you mean 'listen'?)", m2);
    assertStartsWith("test.yaml:1:10: metrics: expected a mapping", m3);
  }
}
