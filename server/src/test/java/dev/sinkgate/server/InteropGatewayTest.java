package dev.sinkgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sinkgate.server.InteropProcesses.Language;
import dev.sinkgate.server.log.LogReader;
import dev.sinkgate.server.log.LogRecord;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The Python and Node clients (interop/), as real child processes, against a real gateway
 * with a file route: 10,000 records over one stream, then one unary write, stored in the
 * file log byte-exact and in order with their keys and headers.
 */
class InteropGatewayTest {
  private static final int RECORDS = 10_000;
  private static final Duration CLIENT_RUN = Duration.ofMinutes(3);

  @TempDir Path tmp;

  @ParameterizedTest
  @EnumSource(Language.class)
  void clientStreamsToGatewayFileRoute_storedByteExactInOrderWithKeysAndHeaders(Language client) throws Exception {
    InteropProcesses.requireInstalled(client, tmp);
    List<InteropRecord> records = new ArrayList<>(InteropRecord.generate(RECORDS, "", 11));
    Path input = tmp.resolve("input.jsonl");
    InteropProcesses.writeInput(input, records);
    Path one = tmp.resolve("one.jsonl");
    InteropRecord unary = new InteropRecord("unary ✓", Map.of("via", client.name()), new byte[] {0, -1, 10}, "", 0);
    InteropProcesses.writeInput(one, List.of(unary));
    Path auditDir = tmp.resolve("audit");
    List<String> warnings = new CopyOnWriteArrayList<>();

    try (TestGateway gw = new TestGateway(List.of(TestGateway.fileRoute("audit", auditDir, warnings)))) {
      String target = "127.0.0.1:" + gw.port();
      ChildProcess.Finished streamed = InteropProcesses.runClient(client, "client-stream", tmp, CLIENT_RUN,
          "--target", target, "--sink", "audit", "--input", input.toString(), "--stream", "--timeout", "120");
      assertEquals(0, streamed.exitCode(), streamed::describe);
      long bytes = records.stream().mapToLong(r -> r.data().length).sum();
      assertEquals(List.of(Map.of("count", (long) RECORDS, "written", bytes, "durability", "DURABILITY_SYNCED")),
          InteropSinkTest.jsonLines(streamed.stdout()), streamed::describe);

      ChildProcess.Finished wrote = InteropProcesses.runClient(client, "client-unary", tmp, CLIENT_RUN,
          "--target", target, "--sink", "audit", "--input", one.toString(), "--timeout", "30");
      assertEquals(0, wrote.exitCode(), wrote::describe);
      assertEquals(List.of(Map.of("written", 3L, "offset", (long) RECORDS, "durability", "DURABILITY_SYNCED")),
          InteropSinkTest.jsonLines(wrote.stdout()), wrote::describe);
    }
    records.add(unary);
    List<InteropRecord> stored = new ArrayList<>();
    for (LogRecord r : LogReader.readAll(auditDir)) {
      // The file log keeps key, headers and data; the producer fields are not part of a log record.
      stored.add(new InteropRecord(r.key(), r.headers(), r.data(), "", 0));
    }
    InteropSinkTest.assertSameRecords(records, stored);
    assertEquals(List.of(), warnings, "file log warnings");
  }
}
