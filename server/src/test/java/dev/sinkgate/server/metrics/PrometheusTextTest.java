package dev.sinkgate.server.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.grpc.Status;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PrometheusTextTest {
  @Test
  void escape_backslashQuoteAndLineFeed_asTheFormatRequires() {
    assertEquals("plain", PrometheusText.escape("plain"));
    assertEquals("a\\\\b\\\"c\\nd", PrometheusText.escape("a\\b\"c\nd"));
  }

  @Test
  void format_everyMetricHasHelpAndType_andEachSeriesItsValue() {
    Map<String, SinkMetrics.RouteCounts> routes = new LinkedHashMap<>();
    routes.put("audit", new SinkMetrics.RouteCounts(3, 300, 1, Map.of(Status.Code.INVALID_ARGUMENT, 2L), 7));
    routes.put("odd\"name", new SinkMetrics.RouteCounts(0, 0, 0, Map.of()));
    SinkMetrics.Snapshot s = new SinkMetrics.Snapshot(routes, Map.of(Status.Code.NOT_FOUND, 4L), 5, 6);

    PrometheusScrape scrape = PrometheusScrape.parse(PrometheusText.format(s));

    assertEquals(3, scrape.value("sinkgate_records_accepted_total{route=\"audit\"}"));
    assertEquals(300, scrape.value("sinkgate_bytes_accepted_total{route=\"audit\"}"));
    assertEquals(1, scrape.value("sinkgate_records_duplicate_total{route=\"audit\"}"));
    assertEquals(2, scrape.value("sinkgate_records_refused_total{route=\"audit\",code=\"INVALID_ARGUMENT\"}"));
    assertEquals(0, scrape.value("sinkgate_records_accepted_total{route=\"odd\\\"name\"}"));
    assertFalse(scrape.has("sinkgate_records_refused_total{route=\"odd\\\"name\",code=\"INVALID_ARGUMENT\"}"));
    assertEquals(4, scrape.value("sinkgate_records_unrouted_total{code=\"NOT_FOUND\"}"));
    assertEquals(5, scrape.value("sinkgate_calls_in_flight"));
    assertEquals(6, scrape.value("sinkgate_streams_open"));
    assertEquals(7, scrape.value("sinkgate_fsyncs_total{route=\"audit\"}"));
    assertEquals(0, scrape.value("sinkgate_fsyncs_total{route=\"odd\\\"name\"}"));
    assertEquals(4 * 2 + 1 + 1 + 2, scrape.samples().size());
  }

  @Test
  void scrapeParser_rejectsASampleWithoutHelpAndType() {
    // The parser the endpoint tests rely on must be able to fail.
    assertThrows(AssertionError.class, () -> PrometheusScrape.parse("sinkgate_streams_open 1\n"));
    assertThrows(AssertionError.class, () -> PrometheusScrape.parse("# HELP x y\n# TYPE x gauge\nx{a=b} 1\n"));
  }
}
