package dev.sinkgate.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sinkgate.cli.conformance.CheckResult;
import dev.sinkgate.cli.conformance.CheckResult.Outcome;
import dev.sinkgate.cli.conformance.JUnitXml;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

class JUnitXmlTest {
  @TempDir
  Path tmp;

  @Test
  void write_detailsWithMarkup_readBackExactlyWithCounts() throws Exception {
    String nasty = "sink 'a<b>&c' answered \"NOT_FOUND\" (expected: <OK> & more)";
    List<CheckResult> results = List.of(
        new CheckResult("one", Outcome.PASS, "", Duration.ofMillis(1500)),
        new CheckResult("two", Outcome.FAIL, nasty, Duration.ofMillis(20)),
        new CheckResult("three", Outcome.SKIP, "run with --routing to check", Duration.ZERO));
    Path file = tmp.resolve("out/report.xml");

    JUnitXml.write(results, "suite", Map.of("target", "127.0.0.1:1&2"), file);

    Element suite = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(file.toFile())
        .getDocumentElement();
    assertEquals("3", suite.getAttribute("tests"));
    assertEquals("1", suite.getAttribute("failures"));
    assertEquals("1", suite.getAttribute("skipped"));
    assertEquals("1.520", suite.getAttribute("time"));
    assertEquals("127.0.0.1:1&2", ((Element) suite.getElementsByTagName("property").item(0)).getAttribute("value"));
    NodeList cases = suite.getElementsByTagName("testcase");
    assertEquals("1.500", ((Element) cases.item(0)).getAttribute("time"));
    assertEquals(0, ((Element) cases.item(0)).getChildNodes().getLength());
    Element failure = (Element) ((Element) cases.item(1)).getElementsByTagName("failure").item(0);
    assertEquals(nasty, failure.getAttribute("message"));
    assertEquals(nasty, failure.getTextContent());
    Element skipped = (Element) ((Element) cases.item(2)).getElementsByTagName("skipped").item(0);
    assertEquals("run with --routing to check", skipped.getAttribute("message"));
  }
}
