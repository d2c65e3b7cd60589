package dev.sinkgate.server.config;

import static dev.sinkgate.server.config.ConfigLoaderTest.failure;
import static dev.sinkgate.server.config.ConfigLoaderTest.position;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinkgate.server.log.FsyncPolicy;
import dev.sinkgate.server.remote.BreakerPolicy;
import dev.sinkgate.server.remote.TeeRecordSink;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The keys of remote and tee routes: the issue's example, defaults, and each mistake's message. */
class RemoteConfigTest {
  private static final String ISSUE_EXAMPLE = """
      sinks:
        audit: { type: file, path: ./data/audit }
        thumbs:
          type: remote
          targets: ["127.0.0.1:7001", "127.0.0.1:7002"]
          timeout: 2s
          retry: { max_attempts: 5, initial_backoff: 50ms, max_backoff: 2s }
          breaker: { failure_rate: 0.5, window: 20, open_for: 5s }
          spool: { path: ./data/spool/thumbs, max_bytes: 1GiB, fsync: interval }
        both: { type: tee, routes: [audit, thumbs], ack: all }
      """;

  private static SinkConfig sink(GatewayConfig c, String name) {
    return c.sinks().stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
  }

  private static void assertMessage(String text, String at, String part) {
    String m = failure(text).getMessage();
    assertTrue(m.startsWith("test.yaml:" + position(text, at) + ": "), () -> "wrong position in <" + m + ">");
    assertTrue(m.contains(part), () -> "expected <" + part + "> in <" + m + ">");
  }

  @Test
  void theIssuesExample_parses_withEveryValueAndDefault() throws Exception {
    GatewayConfig c = ConfigLoader.parse("test.yaml", ISSUE_EXAMPLE);
    RemoteConfig r = sink(c, "thumbs").remote();
    assertEquals(SinkType.REMOTE, sink(c, "thumbs").type());
    assertEquals(List.of("127.0.0.1:7001", "127.0.0.1:7002"), r.targets());
    assertEquals("thumbs", r.sink(), "the route's own name goes downstream by default");
    assertEquals(Duration.ofSeconds(2), r.timeout());
    assertEquals(5, r.retry().maxAttempts());
    assertEquals(Duration.ofMillis(50), r.retry().delay(1, 0.5, null));
    assertEquals(Duration.ofSeconds(2), r.retry().delay(10, 0.5, null));
    assertEquals(0.2, r.budget().ratio());
    assertEquals(new BreakerPolicy(0.5, 20, 5, Duration.ofSeconds(5), 1), r.breaker());
    assertEquals(new SpoolConfig(Path.of("./data/spool/thumbs"), 1L << 30, FsyncPolicy.INTERVAL, Duration.ofSeconds(1),
        16L << 20), r.spool());
    TeeConfig tee = sink(c, "both").tee();
    assertEquals(List.of("audit", "thumbs"), tee.routes());
    assertEquals(TeeRecordSink.Ack.ALL, tee.ack());
    assertNull(sink(c, "audit").remote());
  }

  @Test
  void aRemoteWithoutRetryBreakerOrSpool_makesOneAttempt_andOneTargetMayBeDnsOrUnix() throws Exception {
    GatewayConfig c = ConfigLoader.parse("test.yaml", """
        sinks:
          a: { type: remote, targets: "dns:///sinks.example:7001", sink: thumbs }
          b: { type: remote, targets: ["unix:/run/sink.sock"], retry: { budget: 0.1, jitter: 0 } }
        """);
    RemoteConfig a = sink(c, "a").remote();
    assertEquals(List.of("dns:///sinks.example:7001"), a.targets());
    assertEquals("thumbs", a.sink());
    assertEquals(1, a.retry().maxAttempts());
    assertNull(a.breaker());
    assertNull(a.spool());
    assertEquals(0.1, sink(c, "b").remote().budget().ratio());
  }

  @Test
  void badTargets_areRefusedWithTheFormsExpected() {
    assertMessage("""
        sinks:
          thumbs: { type: remote, targets: ["127.0.0.1"] }
        """, "\"127.0.0.1\"", "'127.0.0.1' is not a target (expected: host:port, a list of host:port,"
        + " dns:///name:port or unix:/path)");
    assertMessage("""
        sinks:
          thumbs: { type: remote, targets: ["127.0.0.1:7001", "dns:///x:1"] }
        """, "\"dns:///x:1\"", "a dns:/// or unix: target stands alone");
    assertMessage("""
        sinks:
          thumbs: { type: remote, targets: [] }
        """, "[]", "an empty list");
    assertMessage("""
        sinks:
          thumbs: { type: remote, timeout: 2s }
        """, "{ type", "a remote sink needs 'targets'");
  }

  @Test
  void unknownNestedKeys_andBadValues_nameTheKeyAndWhatWasExpected() {
    assertMessage("""
        sinks:
          thumbs:
            type: remote
            targets: "h:1"
            retry: { max_attempt: 5 }
        """, "max_attempt:", "sinks.thumbs.retry: unknown key 'max_attempt' (did you mean 'max_attempts'?)");
    assertMessage("""
        sinks:
          thumbs:
            type: remote
            targets: "h:1"
            breaker: { failure_rate: 1.5 }
        """, "1.5", "sinks.thumbs.breaker.failure_rate: '1.5' (expected: a fraction above 0 to 1");
    assertMessage("""
        sinks:
          thumbs:
            type: remote
            targets: "h:1"
            retry: { initial_backoff: 2s, max_backoff: 1s }
        """, "{ initial", "max_backoff 1000ms is below initial_backoff 2000ms");
    assertMessage("""
        sinks:
          thumbs:
            type: remote
            targets: "h:1"
            spool: { max_bytes: 1GiB }
        """, "{ max_bytes", "a spool needs 'path'");
    assertMessage("""
        sinks:
          thumbs:
            type: remote
            targets: "h:1"
            spool: { path: ./s, fsync: always, fsync_interval: 1s }
        """, "fsync_interval", "only applies with 'fsync: interval'");
  }

  @Test
  void tees_mustNameOtherDefinedRoutes_withoutCycles_andAckAllOrAny() {
    assertMessage("""
        sinks:
          audit: { type: discard }
          both: { type: tee, routes: [audit, thumbs] }
        """, "[audit, thumbs]", "no route named 'thumbs' (routes defined: audit, both)");
    assertMessage("""
        sinks:
          both: { type: tee, routes: [both] }
        """, "[both]", "'both' is this tee itself");
    assertMessage("""
        sinks:
          audit: { type: discard }
          a: { type: tee, routes: [audit, b] }
          b: { type: tee, routes: [a] }
        """, "[audit, b]", "the tees form a cycle: a -> b -> a");
    assertMessage("""
        sinks:
          audit: { type: discard }
          both: { type: tee, routes: [audit], ack: most }
        """, "most", "'most' (expected: all, to answer once every route accepted, or any, once one did)");
    assertMessage("""
        sinks:
          audit: { type: discard }
          both: { type: tee }
        """, "{ type: tee }", "a tee needs 'routes'");
  }

  @Test
  void method_takesTheIssuesKeys_andMapsThemOntoABindingSpec(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp)
      throws Exception {
    java.nio.file.Path pb = java.nio.file.Files.write(tmp.resolve("audit.pb"), new byte[0]);
    GatewayConfig c = ConfigLoader.parse("test.yaml", """
        sinks:
          audit:
            type: remote
            targets: ["audit.internal:9000"]
            method: acme.audit.v1.AuditLog/Append
            data_field: payload
            count_field: stored
            key_field: source
            headers_field: labels
            descriptor_set: "%s"
        """.formatted(pb));
    dev.sinkgate.client.BindingSpec m = sink(c, "audit").remote().method();
    assertEquals("acme.audit.v1.AuditLog/Append", m.fullMethodName());
    assertEquals(List.of("payload", "stored", "source", "labels"),
        List.of(m.dataField(), m.countField(), m.keyField(), m.headersField()));
    assertEquals(pb, m.descriptorSet());
    assertNull(sink(ConfigLoader.parse("t", ISSUE_EXAMPLE), "thumbs").remote().method(), "no method: a sinkgate downstream");
  }

  @Test
  void method_keysThatCannotWork_failWithWhatIsExpected() {
    assertMessage("""
        sinks:
          a: { type: remote, targets: ["h:1"], key_field: source }
        """, "key_field", "'key_field' maps a record onto a foreign method's messages, but this route has no 'method'");
    assertMessage("""
        sinks:
          a: { type: remote, targets: ["h:1"], method: Append }
        """, "Append", "'Append' is not a method name (expected: package.Service/Method");
    assertMessage("""
        sinks:
          a: { type: remote, targets: ["h:1"], method: acme.A/B, data_field: "pay-load" }
        """, "\"pay-load\"", "'pay-load' is not a field name");
    assertMessage("""
        sinks:
          a: { type: remote, targets: ["h:1"], method: acme.A/B, sink: other }
        """, "sink: other", "'sink' names the route of a sinkgate downstream, but this route calls acme.A/B");
    assertMessage("""
        sinks:
          a: { type: remote, targets: ["h:1"], method: acme.A/B, descriptor_set: /no/such.pb }
        """, "/no/such.pb", "'/no/such.pb' is not a readable file (expected: a FileDescriptorSet");
  }
}
