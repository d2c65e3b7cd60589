package dev.sinkgate.bench.grpc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.sinkgate.proto.v1.WriteRequest;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** h2load's body files, its report parser, and real runs against a real loopback gRPC server. */
class H2LoadTest {
  /** nghttp2-client is installed by bin/test; only a machine without it skips the real runs. */
  static void assumeH2Load() {
    assumeTrue(H2Load.available(), "h2load is not installed (Debian package nghttp2-client; bin/test installs it)");
  }

  @TempDir
  Path tmp;

  @Test
  void writeBody_threeMessages_decodeBackIntoTheRequestsWithDistinctDeterministicData() throws Exception {
    Path body = H2Load.writeBody(tmp.resolve("body"), "discard", 1000, 3);

    List<WriteRequest> requests = decode(Files.readAllBytes(body));

    assertEquals(3, requests.size());
    for (WriteRequest r : requests) {
      assertEquals("discard", r.getSink());
      assertEquals(1000, r.getData().size());
    }
    assertNotEquals(requests.get(0).getData(), requests.get(1).getData(), "each message has its own data");
    assertArrayEquals(Files.readAllBytes(body), Files.readAllBytes(H2Load.writeBody(tmp.resolve("again"), "discard",
        1000, 3)), "the same shape gives the same bytes");
  }

  @Test
  void writeBody_emptyRecord_isOneMessageWithEmptyData() throws Exception {
    List<WriteRequest> requests = decode(Files.readAllBytes(H2Load.writeBody(tmp.resolve("b"), "", 0, 1)));

    assertEquals(List.of(WriteRequest.getDefaultInstance()), requests);
  }

  @Test
  void writeBody_noMessages_isRefusedSayingWhatWasExpected() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> H2Load.writeBody(tmp.resolve("b"), "discard", 100, 0));
    assertEquals("messages: 0 (expected: > 0)", e.getMessage());
  }

  @Test
  void spec_moreThreadsThanClients_isRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new H2Load.Spec(
        "http://127.0.0.1:1/sinkgate.v1.Sink/Write", tmp, 1, 1, 2, Duration.ZERO, Duration.ofSeconds(1)));
    assertEquals("threads: 2 (expected: at most clients, 1)", e.getMessage());
  }

  @Test
  void parse_reportWithSecondsAndMegabytes_convertsTheUnits() throws Exception {
    String report = """
        finished in 4.50s, 1234.50 req/s, 1.50MB/s
        requests: 5000 total, 5008 started, 5000 done, 4990 succeeded, 10 failed, 3 errored, 2 timeout
        status codes: 4990 2xx, 0 3xx, 0 4xx, 0 5xx
                             min         max         mean         sd        +/- sd
        time for request:      270us      1.25s     850us      2.27ms    95.44%
        """;

    H2Load.Result r = H2Load.parse(report);

    assertEquals(new H2Load.Result(5008, 5000, 4990, 10, 3, 2, 1234.5, 1.5 * 1024 * 1024, 0.85, 1250, report), r);
  }

  @Test
  void parse_reportWithoutARequestsLine_failsShowingTheReport() {
    IOException e = assertThrows(IOException.class, () -> H2Load.parse("finished in 1s, 1.00 req/s, 10B/s\n"));
    assertTrue(e.getMessage().contains("requests:") && e.getMessage().contains("finished in 1s"), e.getMessage());
  }

  @Test
  void matchesServerCount_acceptsCallsInFlightAtTheEndButNoMore() {
    H2Load.Result r = new H2Load.Result(108, 100, 100, 0, 0, 0, 1, 1, 1, 1, "");

    assertTrue(r.matchesServerCount(100));
    assertTrue(r.matchesServerCount(108));
    assertFalse(r.matchesServerCount(99), "the server missed a call h2load saw succeed");
    assertFalse(r.matchesServerCount(109), "the server completed a call h2load never started");
  }

  @Test
  void run_unaryAgainstALoopbackServer_succeededCallsAreTheServersCalls() throws Exception {
    assumeH2Load();
    Path body = H2Load.writeBody(tmp.resolve("unary"), "discard", 100, 1);
    try (CountingSinkServer server = new CountingSinkServer("discard", 100)) {
      H2Load.Result r = H2Load.run(new H2Load.Spec(server.uri("Write"), body, 2, 4, 1, Duration.ZERO,
          Duration.ofSeconds(2)));

      assertServerAgrees(server, r);
      assertEquals(server.calls(), server.records());
      assertTrue(r.requestsPerSecond() > 0 && r.latencyMeanMillis() > 0
          && r.latencyMaxMillis() >= r.latencyMeanMillis(), r.toString());
    }
  }

  @Test
  void run_streamingAgainstALoopbackServer_everyCallCarriesTheBodysRecords() throws Exception {
    assumeH2Load();
    int messages = 50;
    Path body = H2Load.writeBody(tmp.resolve("stream"), "discard", 1024, messages);
    try (CountingSinkServer server = new CountingSinkServer("discard", 1024)) {
      H2Load.Result r = H2Load.run(new H2Load.Spec(server.uri("WriteStream"), body, 2, 2, 2, Duration.ZERO,
          Duration.ofSeconds(2)));

      assertServerAgrees(server, r);
      assertEquals(server.calls() * messages, server.records(), "each stream carried the whole body");
    }
  }

  @Test
  void run_nothingListening_failsSayingNoCallStarted() throws Exception {
    assumeH2Load();
    Path body = H2Load.writeBody(tmp.resolve("b"), "discard", 10, 1);
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort(); // closed again: nothing listens there now
    }
    H2Load.Spec spec = new H2Load.Spec("http://127.0.0.1:" + port + "/sinkgate.v1.Sink/Write", body, 1, 1, 1,
        Duration.ZERO, Duration.ofMillis(300));

    IOException e = assertThrows(IOException.class, () -> H2Load.run(spec));
    assertTrue(e.getMessage().contains("started no call") && e.getMessage().contains("0 started"), e.getMessage());
  }

  /** h2load saw calls succeed, the server decoded every record, and the two counts agree. */
  private static void assertServerAgrees(CountingSinkServer server, H2Load.Result r) {
    assertTrue(r.succeeded() > 0, r.raw());
    assertEquals(0, r.failed(), r.raw());
    assertEquals(0, server.rejected(), "every request decoded as the body's record");
    assertTrue(r.matchesServerCount(server.calls()),
        "server calls " + server.calls() + " within [succeeded, started]:\n" + r.raw());
  }

  /** Splits a body into its length-prefixed messages and parses each with the generated parser. */
  private static List<WriteRequest> decode(byte[] body) throws IOException {
    ByteBuffer in = ByteBuffer.wrap(body);
    List<WriteRequest> out = new ArrayList<>();
    while (in.hasRemaining()) {
      assertEquals(0, in.get(), "compressed flag");
      int length = in.getInt();
      assertTrue(length <= in.remaining(), "length " + length + " within the " + in.remaining() + " bytes left");
      out.add(WriteRequest.parseFrom(ByteBuffer.wrap(body, in.position(), length)));
      in.position(in.position() + length);
    }
    return out;
  }
}
