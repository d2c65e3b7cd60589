package dev.sinkgate.cli.conformance;

import dev.sinkgate.cli.conformance.CheckResult.Outcome;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;

/**
 * The kit's results as JUnit XML, the format CI tools (Jenkins, GitLab, GitHub test
 * reporters) read: one {@code <testsuite>} with a {@code <testcase>} per check, holding
 * {@code <failure message="...">} for a FAIL and {@code <skipped message="..."/>} for a SKIP.
 */
public final class JUnitXml {
  private JUnitXml() {}

  /**
   * Writes {@code results} to {@code file} (replacing it) as suite {@code suite}, with
   * {@code properties} (e.g. the target) as the suite's properties.
   */
  public static void write(List<CheckResult> results, String suite, Map<String, String> properties, Path file)
      throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    if (dir != null) {
      Files.createDirectories(dir);
    }
    try (OutputStream out = Files.newOutputStream(file)) {
      XMLStreamWriter xml = XMLOutputFactory.newFactory().createXMLStreamWriter(out, "UTF-8");
      try {
        write(results, suite, properties, xml);
      } finally {
        xml.close(); // does not close the stream; try-with-resources does
      }
    } catch (XMLStreamException e) {
      throw new IOException("writing JUnit XML to " + file + ": " + e.getMessage(), e);
    }
  }

  private static void write(List<CheckResult> results, String suite, Map<String, String> properties,
      XMLStreamWriter xml) throws XMLStreamException {
    long total = results.stream().mapToLong(r -> r.elapsed().toMillis()).sum();
    xml.writeStartDocument("UTF-8", "1.0");
    xml.writeCharacters("\n");
    xml.writeStartElement("testsuite");
    xml.writeAttribute("name", suite);
    xml.writeAttribute("tests", Integer.toString(results.size()));
    xml.writeAttribute("failures", Long.toString(ResultTable.count(results, Outcome.FAIL)));
    xml.writeAttribute("errors", "0");
    xml.writeAttribute("skipped", Long.toString(ResultTable.count(results, Outcome.SKIP)));
    xml.writeAttribute("time", seconds(total));
    xml.writeCharacters("\n  ");
    xml.writeStartElement("properties");
    for (Map.Entry<String, String> p : properties.entrySet()) {
      xml.writeCharacters("\n    ");
      xml.writeEmptyElement("property");
      xml.writeAttribute("name", p.getKey());
      xml.writeAttribute("value", p.getValue());
    }
    xml.writeCharacters("\n  ");
    xml.writeEndElement();
    for (CheckResult r : results) {
      xml.writeCharacters("\n  ");
      xml.writeStartElement("testcase");
      xml.writeAttribute("classname", suite);
      xml.writeAttribute("name", r.name());
      xml.writeAttribute("time", seconds(r.elapsed().toMillis()));
      if (r.outcome() == Outcome.FAIL) {
        xml.writeCharacters("\n    ");
        xml.writeStartElement("failure");
        xml.writeAttribute("message", r.detail());
        xml.writeAttribute("type", "ContractViolation");
        xml.writeCharacters(r.detail());
        xml.writeEndElement();
        xml.writeCharacters("\n  ");
      } else if (r.outcome() == Outcome.SKIP) {
        xml.writeCharacters("\n    ");
        xml.writeEmptyElement("skipped");
        xml.writeAttribute("message", r.detail());
        xml.writeCharacters("\n  ");
      }
      xml.writeEndElement();
    }
    xml.writeCharacters("\n");
    xml.writeEndElement();
    xml.writeCharacters("\n");
    xml.writeEndDocument();
  }

  private static String seconds(long millis) {
    return String.format(Locale.ROOT, "%.3f", millis / 1000.0);
  }
}
