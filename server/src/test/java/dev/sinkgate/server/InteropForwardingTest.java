package dev.sinkgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sinkgate.server.InteropProcesses.Language;
import dev.sinkgate.server.config.ConfigLoader;
import dev.sinkgate.server.route.Router;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The contract across three runtimes: a client in one language writes through the gateway,
 * whose {@code remote} route forwards to a sink written in another, each a real process
 * (Python on Debian's grpcio, Node on grpc-js). 10,000 records over one stream arrive at
 * the sink byte-exact, in order, with keys, headers, producer ids and sequences intact —
 * once through a route without a spool (order kept per stream by the route), once through
 * a spool (order kept by its forwarder).
 */
class InteropForwardingTest {
  private static final int RECORDS = 10_000;
  private static final Duration CLIENT_RUN = Duration.ofMinutes(5);
  private static final Duration DRAIN = Duration.ofMinutes(3);

  @TempDir Path tmp;

  @Test
  void pythonClient_throughTheGateway_toNodeSink_byteExactInOrder() throws Exception {
    forward(Language.PYTHON, Language.NODE, false);
  }

  @Test
  void nodeClient_throughTheGatewaysSpool_toPythonSink_byteExactInOrder() throws Exception {
    forward(Language.NODE, Language.PYTHON, true);
  }

  private void forward(Language client, Language sinkLanguage, boolean spool) throws Exception {
    InteropProcesses.requireInstalled(client, tmp);
    InteropProcesses.requireInstalled(sinkLanguage, tmp);
    List<InteropRecord> records = InteropRecord.generate(RECORDS, "producer-" + UUID.randomUUID(), 23);
    Path input = tmp.resolve("input.jsonl");
    InteropProcesses.writeInput(input, records);
    Path file = tmp.resolve("sink-records.jsonl");
    long bytes = records.stream().mapToLong(r -> r.data().length).sum();

    try (InteropProcesses.Sink sink = InteropProcesses.startSink(sinkLanguage, "sink", file, tmp)) {
      String yaml = "sinks:\n"
          + "  onward:\n"
          + "    type: remote\n"
          + "    targets: [\"" + sink.target() + "\"]\n"
          + "    timeout: 10s\n"
          + "    retry: { max_attempts: 5, initial_backoff: 50ms, max_backoff: 1s }\n"
          + (spool ? "    spool: { path: \"" + tmp.resolve("spool") + "\", max_bytes: 256MiB, fsync: interval }\n" : "");
      Router router = Routes.open(ConfigLoader.parse("forward.yaml", yaml).sinks(), System.out, w -> {});
      try (TestGateway gateway = new TestGateway(List.copyOf(router.routes().values()))) {
        ChildProcess.Finished wrote = InteropProcesses.runClient(client, "client", tmp, CLIENT_RUN,
            "--target", "127.0.0.1:" + gateway.port(), "--sink", "onward", "--input", input.toString(),
            "--stream", "--timeout", "240");
        assertEquals(0, wrote.exitCode(), wrote::describe);
        String durability = spool ? "DURABILITY_WRITTEN" : "DURABILITY_DOWNSTREAM";
        assertEquals(List.of(Map.of("count", (long) RECORDS, "written", bytes, "durability", durability)),
            InteropSinkTest.jsonLines(wrote.stdout()), wrote::describe);
        Poll.until(DRAIN, () -> stored(sink) >= RECORDS,
            () -> "all " + RECORDS + " records at the " + sinkLanguage + " sink");
      }
      List<InteropRecord> arrived = sink.records();
      if (spool) {
        // The spool's forwarder writes as its own producer (its id, sequence = spool offset + 1),
        // so a replay after a crash is answered as a duplicate downstream.
        List<InteropRecord> expected = new java.util.ArrayList<>();
        for (int i = 0; i < records.size(); i++) {
          InteropRecord r = records.get(i);
          expected.add(new InteropRecord(r.key(), r.headers(), r.data(), arrived.get(0).producerId(), i + 1));
        }
        records = expected;
      }
      InteropSinkTest.assertSameRecords(records, arrived);
    }
  }

  /** Records in the sink's file so far; -1 while it cannot be read. */
  private static int stored(InteropProcesses.Sink sink) {
    try {
      return sink.records().size();
    } catch (java.io.IOException e) {
      return -1;
    }
  }
}
