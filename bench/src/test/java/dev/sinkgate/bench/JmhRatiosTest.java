package dev.sinkgate.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Pairing and ratios on a small JMH result written by hand in JMH's JSON layout. */
class JmhRatiosTest {
  private static String result(String benchmark, String params, double score, String bytes) {
    return "{\"benchmark\": \"dev.sinkgate.x." + benchmark + "\", \"mode\": \"thrpt\", "
        + (params.isEmpty() ? "" : "\"params\": {" + params + "}, ")
        + "\"primaryMetric\": {\"score\": " + score + ", \"scoreError\": \"NaN\", \"scoreUnit\": \"ops/s\"},"
        + " \"secondaryMetrics\": {" + (bytes.isEmpty() ? "" : "\"bytes\": {\"score\": " + bytes + "}") + "}}";
  }

  @Test
  void rows_pairEachBenchmarkWithItsBaselinesAtTheSameParams_andKeepOthersAlone() {
    String json = "[" + String.join(",",
        result("LogFrameBenchmark.frame", "\"size\": \"100\"", 50, "5000"),
        result("LogFrameBenchmark.crc32c", "\"size\": \"100\"", 100, "10000"),
        result("LogFrameBenchmark.put", "\"size\": \"100\"", 200, "20000"),
        result("LogFrameBenchmark.frame", "\"size\": \"1024\"", 10, ""),
        result("Other.bench", "", 7, "")) + "]";

    List<JmhRatios.Row> rows = JmhRatios.rows(JmhRatios.scores(json));

    assertEquals(4, rows.size(), rows.toString());
    assertEquals("LogFrameBenchmark.crc32c", rows.get(0).baseline().benchmark());
    assertEquals(0.5, rows.get(0).ratio(), 1e-9);
    assertEquals(0.25, rows.get(1).ratio(), 1e-9);
    assertEquals("{size=1024}", rows.get(2).measured().params());
    assertNull(rows.get(2).baseline(), "no baseline ran at size 1024");
    assertTrue(Double.isNaN(rows.get(2).ratio()));
    assertEquals("Other.bench", rows.get(3).measured().benchmark());
    assertNull(rows.get(3).baseline());

    String table = JmhRatios.markdown(rows);
    assertTrue(table.contains("| LogFrameBenchmark.frame | {size=100} | 50 ops/s | 0 | LogFrameBenchmark.crc32c"
        + " | 100 ops/s | 0 | 0.500 |"), table);
  }
}
