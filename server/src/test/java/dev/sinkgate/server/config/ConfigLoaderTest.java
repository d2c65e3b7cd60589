package dev.sinkgate.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

  static void assertStartsWith(String prefix, String actual) {
    assertTrue(actual.startsWith(prefix), () -> "expected a message starting with <" + prefix
        + "> but was <" + actual + ">");
  }

  static void assertContains(String part, String actual) {
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
