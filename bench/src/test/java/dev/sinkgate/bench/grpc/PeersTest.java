package dev.sinkgate.bench.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The Python and Node sinks as real child processes under a real h2load run. */
class PeersTest {
  @TempDir
  Path tmp;

  @ParameterizedTest
  @EnumSource(Peers.Language.class)
  void start_thenOneSecondOfUnaryH2Load_theFileHoldsALineForEverySucceededCall(Peers.Language language)
      throws Exception {
    H2LoadTest.assumeH2Load();
    Path body = H2Load.writeBody(tmp.resolve("body"), "discard", 100, 1);
    Peers.Peer peer = Peers.start(language, tmp);
    H2Load.Result r;
    try {
      assertTrue(alive(peer.pid()), peer + " runs");
      assertEquals(0, peer.storedRecords(), "a fresh file");

      r = H2Load.run(new H2Load.Spec(peer.uri("Write"), body, 1, 4, 1, Duration.ZERO, Duration.ofSeconds(1)));

      assertTrue(r.succeeded() > 0, r.raw());
      assertEquals(0, r.failed(), r.raw());
      long stored = peer.storedRecords();
      assertTrue(r.matchesServerCount(stored), peer + " stored " + stored + " records, h2load:\n" + r.raw());
    } finally {
      peer.close();
    }
    assertFalse(alive(peer.pid()), "close stopped " + peer);
    peer.close(); // a second close is a no-op
    assertTrue(peer.storedRecords() <= r.requestsStarted(), "nothing stored that h2load never sent");
  }

  private static boolean alive(long pid) {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }
}
