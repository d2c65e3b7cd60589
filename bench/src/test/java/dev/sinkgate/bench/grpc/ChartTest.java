package dev.sinkgate.bench.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The chart as a real PNG file, read back with ImageIO. */
class ChartTest {
  private static final List<Double> SIZES = List.of(100.0, 1024.0, 65536.0, 1048576.0);

  @TempDir
  Path tmp;

  @Test
  void writePng_threeSeries_eachPointIsAMarkerInItsSeriesColour() throws Exception {
    List<Chart.Series> series = List.of(
        series("gateway → discard", 8, 60, 700, 1100),
        series("floor (bare grpc-java)", 15, 110, 1200, 1500),
        series("loopback bandwidth", 4000, 4000, 4000, 4000));
    Path png = tmp.resolve("chart.png");

    Chart.writePng(png, "Throughput by record size", series);

    BufferedImage image = ImageIO.read(png.toFile());
    assertNotNull(image, "ImageIO reads it back");
    assertEquals(Chart.WIDTH, image.getWidth());
    assertEquals(Chart.HEIGHT, image.getHeight());
    Chart.Plot plot = new Chart.Plot(series);
    for (int i = 0; i < series.size(); i++) {
      for (Chart.Point p : series.get(i).points()) {
        int x = (int) Math.round(plot.px(p.x()));
        int y = (int) Math.round(plot.py(p.y()));
        assertEquals(Chart.colour(i), new Color(image.getRGB(x, y)),
            series.get(i).name() + " at " + p + ", pixel (" + x + ", " + y + ")");
      }
    }
  }

  @Test
  void writePng_noPointsOrOnlyNonPositiveOnes_stillDrawsAFrameAndLegend() throws Exception {
    Path png = tmp.resolve("empty.png");

    Chart.writePng(png, "nothing measured", List.of(new Chart.Series("failed run", List.of(new Chart.Point(100, 0))),
        new Chart.Series("empty", List.of())));

    BufferedImage image = ImageIO.read(png.toFile());
    assertEquals(Chart.WIDTH, image.getWidth());
    assertTrue(contains(image, Chart.colour(1)), "the legend shows the second series' colour");
  }

  @Test
  void plot_axes_spanTheDataInWholeDecadesAndTickAtEachRecordSize() {
    Chart.Plot plot = new Chart.Plot(List.of(series("s", 8, 60, 700, 1100)));

    assertEquals(SIZES, plot.xTicks);
    assertEquals(0, plot.yMin, "8 MB/s is in the decade from 1");
    assertEquals(4, plot.yMax, "1100 MB/s is in the decade up to 10,000");
    assertTrue(plot.px(100) > Chart.Plot.LEFT && plot.px(1048576) < Chart.Plot.RIGHT, "markers clear the axes");
  }

  @Test
  void labels_readAsSizesAndRates() {
    assertEquals(List.of("100 B", "1 KiB", "64 KiB", "1 MiB", "1.5 KiB"),
        List.of(Chart.size(100), Chart.size(1024), Chart.size(65536), Chart.size(1048576), Chart.size(1536)));
    assertEquals(List.of("0.01", "1", "1,000"), List.of(Chart.rate(0.01), Chart.rate(1), Chart.rate(1000)));
  }

  @Test
  void wrap_longLegendNames_breakAtSpacesWithinTheWidthAndCutWhatIsLeft() {
    Graphics2D g = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB).createGraphics();
    FontMetrics m = g.getFontMetrics(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
    g.dispose();
    String name = "gateway → file fsync: never (unary, 64 clients)";

    List<String> wrapped = Chart.wrap(name, m, 130, 3);
    List<String> cut = Chart.wrap(name + " with a remote hop on two cores, second run", m, 130, 3);

    assertEquals(name, String.join(" ", wrapped), "every word kept, in order");
    assertEquals(3, cut.size());
    assertTrue(cut.get(2).endsWith("…"), cut.toString());
    for (String line : concat(wrapped, cut)) {
      assertTrue(m.stringWidth(line) <= 130, "'" + line + "' is " + m.stringWidth(line) + " px");
    }
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> all = new java.util.ArrayList<>(a);
    all.addAll(b);
    return all;
  }

  private static Chart.Series series(String name, double... mbPerSecond) {
    List<Chart.Point> points = new java.util.ArrayList<>();
    for (int i = 0; i < mbPerSecond.length; i++) {
      points.add(new Chart.Point(SIZES.get(i), mbPerSecond[i]));
    }
    return new Chart.Series(name, points);
  }

  private static boolean contains(BufferedImage image, Color colour) {
    for (int y = 0; y < image.getHeight(); y++) {
      for (int x = 0; x < image.getWidth(); x++) {
        if (image.getRGB(x, y) == colour.getRGB()) {
          return true;
        }
      }
    }
    return false;
  }
}
