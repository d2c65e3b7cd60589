package dev.sinkgate.server.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict reader of Prometheus text (0.0.4) for tests: every line is a {@code # HELP},
 * a {@code # TYPE} or a {@code name{labels} value} sample; every sampled metric has had
 * its HELP and TYPE first, and no series appears twice. Samples are kept by their series
 * text as written, e.g. {@code sinkgate_records_accepted_total{route="audit"}}.
 */
public final class PrometheusScrape {
  private static final String NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
  private static final String LABEL = "[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\\\n]|\\\\[\\\\\"n])*\"";
  private static final Pattern SAMPLE =
      Pattern.compile("(" + NAME + ")((?:\\{" + LABEL + "(?:," + LABEL + ")*\\})?) (-?[0-9]+(?:\\.[0-9]+)?(?:[eE][-+]?[0-9]+)?)");
  private static final Pattern HELP = Pattern.compile("# HELP (" + NAME + ") .+");
  private static final Pattern TYPE = Pattern.compile("# TYPE (" + NAME + ") (counter|gauge|untyped|summary|histogram)");

  private final Map<String, Double> samples;

  private PrometheusScrape(Map<String, Double> samples) {
    this.samples = samples;
  }

  /** Parses {@code text}, failing the test at the first line that breaks the format. */
  public static PrometheusScrape parse(String text) {
    assertTrue(text.endsWith("\n"), "the exposition must end with a line feed");
    Set<String> helped = new HashSet<>();
    Set<String> typed = new HashSet<>();
    Map<String, Double> samples = new LinkedHashMap<>();
    int lineNo = 0;
    for (String line : text.split("\n", -1)) {
      lineNo++;
      if (line.isEmpty() && lineNo == text.split("\n", -1).length) {
        break;
      }
      Matcher h = HELP.matcher(line);
      Matcher t = TYPE.matcher(line);
      Matcher s = SAMPLE.matcher(line);
      String where = "line " + lineNo + " <" + line + ">";
      if (h.matches()) {
        assertTrue(helped.add(h.group(1)), where + ": a second HELP");
      } else if (t.matches()) {
        assertTrue(typed.add(t.group(1)), where + ": a second TYPE");
      } else {
        assertTrue(s.matches(), where + ": neither HELP, TYPE nor a name{labels} value sample");
        assertTrue(helped.contains(s.group(1)) && typed.contains(s.group(1)), where + ": a sample before its HELP and TYPE");
        assertEquals(null, samples.put(s.group(1) + s.group(2), Double.parseDouble(s.group(3))),
            where + ": a series that appeared before");
      }
    }
    assertEquals(helped, typed, "every metric has both HELP and TYPE");
    return new PrometheusScrape(samples);
  }

  /** The value of {@code series} (e.g. {@code name{route="a"}}), failing the test if it is absent. */
  public long value(String series) {
    Double v = samples.get(series);
    assertTrue(v != null, () -> "no series " + series + " in " + samples.keySet());
    return v.longValue();
  }

  public boolean has(String series) {
    return samples.containsKey(series);
  }

  public Map<String, Double> samples() {
    return samples;
  }
}
