package dev.sinkgate.bench.grpc;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.Polygon;
import java.awt.RenderingHints;
import java.awt.Shape;
import java.awt.geom.AffineTransform;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import javax.imageio.ImageIO;

/**
 * The benchmark's chart: throughput (MB/s) by record size, one line per series (gateway,
 * floor, loopback bandwidth, …), both axes logarithmic, as a 1000×600 PNG drawn with Java2D
 * (no display needed; run with {@code -Djava.awt.headless=true} on a machine that has one).
 *
 * <p>The x axis is labelled at each record size the series hold ("100 B", "1 KiB",
 * "64 KiB", "1 MiB"), the y axis at every power of ten. Each series has its own colour
 * (a colour-blind-safe palette) and marker shape. A point whose y is not positive has no
 * place on a log scale: it is left out and its series' line is broken there.
 */
public final class Chart {
  /** The image's size in pixels. */
  public static final int WIDTH = 1000;
  public static final int HEIGHT = 600;

  /** One measurement: {@code x} is the record size in bytes, {@code y} the throughput in MB/s. */
  public record Point(double x, double y) {}

  /** A named line of points, drawn in the order of increasing x. */
  public record Series(String name, List<Point> points) {
    public Series {
      points = List.copyOf(points);
    }
  }

  /** Okabe and Ito's palette without its yellow, which is unreadable on white. */
  private static final Color[] PALETTE = {
      new Color(0x0072B2), new Color(0xD55E00), new Color(0x009E73), new Color(0xCC79A7),
      new Color(0xE69F00), new Color(0x56B4E9), new Color(0x000000)};
  private static final int MARKERS = 6;
  private static final int MARKER_SIZE = 11;
  private static final Color GRID = new Color(0xE3E3E3);
  private static final Color MINOR_GRID = new Color(0xF2F2F2);
  private static final Color AXIS = new Color(0x555555);
  private static final Font TITLE_FONT = new Font(Font.SANS_SERIF, Font.BOLD, 20);
  private static final Font LABEL_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 14);
  private static final Font TICK_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 13);
  /** The default x ticks when no series has a point: the benchmark's record sizes. */
  private static final List<Double> RECORD_SIZES = List.of(100.0, 1024.0, 65536.0, 1048576.0);

  private Chart() {}

  /** The colour of the series at {@code index} in the list given to {@link #writePng}. */
  static Color colour(int index) {
    return PALETTE[index % PALETTE.length];
  }

  /** Draws the chart and writes it to {@code png} (replacing it). */
  public static void writePng(Path png, String title, List<Series> series) throws IOException {
    BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, WIDTH, HEIGHT);
      Plot plot = new Plot(series);
      drawTitle(g, title);
      drawAxes(g, plot);
      drawSeries(g, plot, series);
      drawLegend(g, series);
    } finally {
      g.dispose();
    }
    if (!ImageIO.write(image, "png", png.toFile())) {
      throw new IOException("no PNG writer in this JDK's ImageIO (expected: every JDK has one)");
    }
  }

  /**
   * Where things go: the plot area and the log-scale mapping from data to pixels. The
   * legend sits right of the plot area, so it never hides a line.
   */
  static final class Plot {
    static final int LEFT = 96;
    static final int TOP = 64;
    static final int LEGEND_WIDTH = 230;
    static final int RIGHT = WIDTH - LEGEND_WIDTH - 24;
    static final int BOTTOM = HEIGHT - 76;

    final List<Double> xTicks;
    final double xMin;
    final double xMax;
    final double yMin;
    final double yMax;

    Plot(List<Series> series) {
      TreeSet<Double> xs = new TreeSet<>();
      double lo = Double.POSITIVE_INFINITY;
      double hi = Double.NEGATIVE_INFINITY;
      for (Series s : series) {
        for (Point p : s.points()) {
          if (plottable(p)) {
            xs.add(p.x());
            lo = Math.min(lo, p.y());
            hi = Math.max(hi, p.y());
          }
        }
      }
      xTicks = xs.isEmpty() ? RECORD_SIZES : List.copyOf(xs);
      // A third of a decade each side, so the first and last markers clear the axes.
      xMin = Math.log10(xTicks.get(0)) - 0.3;
      xMax = Math.log10(xTicks.get(xTicks.size() - 1)) + 0.3;
      if (lo > hi) { // nothing to plot: an empty frame of 1 to 1000 MB/s
        lo = 1;
        hi = 1000;
      }
      yMin = Math.floor(Math.log10(lo));
      yMax = Math.max(Math.ceil(Math.log10(hi)), yMin + 1);
    }

    static boolean plottable(Point p) {
      return p.x() > 0 && p.y() > 0 && Double.isFinite(p.x()) && Double.isFinite(p.y());
    }

    double px(double x) {
      return LEFT + (Math.log10(x) - xMin) / (xMax - xMin) * (RIGHT - LEFT);
    }

    double py(double y) {
      return BOTTOM - (Math.log10(y) - yMin) / (yMax - yMin) * (BOTTOM - TOP);
    }
  }

  private static void drawTitle(Graphics2D g, String title) {
    g.setFont(TITLE_FONT);
    g.setColor(Color.BLACK);
    FontMetrics m = g.getFontMetrics();
    g.drawString(title, (Plot.LEFT + Plot.RIGHT - m.stringWidth(title)) / 2, 38);
  }

  private static void drawAxes(Graphics2D g, Plot plot) {
    g.setFont(TICK_FONT);
    FontMetrics m = g.getFontMetrics();
    g.setStroke(new BasicStroke(1f));
    for (int decade = (int) plot.yMin; decade <= (int) plot.yMax; decade++) {
      for (int step : new int[] {1, 2, 5}) {
        double y = step * Math.pow(10, decade);
        if (Math.log10(y) > plot.yMax + 1e-9) {
          break;
        }
        int py = (int) Math.round(plot.py(y));
        g.setColor(step == 1 ? GRID : MINOR_GRID);
        g.drawLine(Plot.LEFT, py, Plot.RIGHT, py);
        if (step == 1) {
          String label = rate(y);
          g.setColor(AXIS);
          g.drawString(label, Plot.LEFT - 8 - m.stringWidth(label), py + m.getAscent() / 2 - 1);
        }
      }
    }
    for (double x : plot.xTicks) {
      int px = (int) Math.round(plot.px(x));
      g.setColor(GRID);
      g.drawLine(px, Plot.TOP, px, Plot.BOTTOM);
      String label = size(x);
      g.setColor(AXIS);
      g.drawLine(px, Plot.BOTTOM, px, Plot.BOTTOM + 5);
      g.drawString(label, px - m.stringWidth(label) / 2, Plot.BOTTOM + 8 + m.getAscent());
    }
    g.setColor(AXIS);
    g.drawRect(Plot.LEFT, Plot.TOP, Plot.RIGHT - Plot.LEFT, Plot.BOTTOM - Plot.TOP);

    g.setFont(LABEL_FONT);
    m = g.getFontMetrics();
    g.setColor(Color.BLACK);
    String xLabel = "record size (log scale)";
    g.drawString(xLabel, (Plot.LEFT + Plot.RIGHT - m.stringWidth(xLabel)) / 2, Plot.BOTTOM + 52);
    String yLabel = "MB/s (log scale)";
    AffineTransform saved = g.getTransform();
    g.rotate(-Math.PI / 2);
    g.drawString(yLabel, -(Plot.TOP + Plot.BOTTOM + m.stringWidth(yLabel)) / 2, 24);
    g.setTransform(saved);
  }

  private static void drawSeries(Graphics2D g, Plot plot, List<Series> series) {
    g.setStroke(new BasicStroke(2.5f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
    for (int i = 0; i < series.size(); i++) { // every line first, so no line covers a marker
      g.setColor(colour(i));
      Path2D.Double line = new Path2D.Double();
      boolean open = false;
      for (Point p : sorted(series.get(i))) {
        if (!Plot.plottable(p)) {
          open = false; // a gap in the line
        } else if (open) {
          line.lineTo(plot.px(p.x()), plot.py(p.y()));
        } else {
          line.moveTo(plot.px(p.x()), plot.py(p.y()));
          open = true;
        }
      }
      g.draw(line);
    }
    for (int i = 0; i < series.size(); i++) {
      for (Point p : series.get(i).points()) {
        if (Plot.plottable(p)) {
          drawMarker(g, i, plot.px(p.x()), plot.py(p.y()));
        }
      }
    }
  }

  private static List<Point> sorted(Series s) {
    List<Point> points = new ArrayList<>(s.points());
    points.sort(Comparator.comparingDouble(Point::x));
    return points;
  }

  private static void drawMarker(Graphics2D g, int index, double x, double y) {
    Shape shape = marker(index, x, y); // with 7 colours and 6 shapes, the first 42 series all differ
    g.setColor(colour(index));
    g.fill(shape);
    g.setColor(Color.WHITE);
    g.setStroke(new BasicStroke(1.2f));
    g.draw(shape); // a white rim keeps overlapping markers apart
  }

  /** Circle, square, triangle, diamond, inverted triangle, hexagon, by {@code kind} modulo 6. */
  private static Shape marker(int kind, double x, double y) {
    double r = MARKER_SIZE / 2.0;
    return switch (kind % MARKERS) {
      case 0 -> new Ellipse2D.Double(x - r, y - r, 2 * r, 2 * r);
      case 1 -> new Rectangle2D.Double(x - r * 0.9, y - r * 0.9, 1.8 * r, 1.8 * r);
      case 2 -> polygon(x, y, r * 1.2, 3, -Math.PI / 2);
      case 3 -> polygon(x, y, r * 1.2, 4, 0);
      case 4 -> polygon(x, y, r * 1.2, 3, Math.PI / 2);
      default -> polygon(x, y, r * 1.1, 6, 0);
    };
  }

  private static Shape polygon(double x, double y, double r, int corners, double rotation) {
    Polygon p = new Polygon();
    for (int k = 0; k < corners; k++) {
      double a = rotation + 2 * Math.PI * k / corners;
      p.addPoint((int) Math.round(x + r * Math.cos(a)), (int) Math.round(y + r * Math.sin(a)));
    }
    return p;
  }

  private static void drawLegend(Graphics2D g, List<Series> series) {
    int left = Plot.RIGHT + 24;
    int textLeft = left + 46;
    g.setFont(LABEL_FONT);
    FontMetrics m = g.getFontMetrics();
    int lineHeight = m.getHeight();
    int y = Plot.TOP + 14; // the centre of the first line of the entry
    for (int i = 0; i < series.size(); i++) {
      g.setColor(colour(i));
      g.setStroke(new BasicStroke(2.5f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
      g.drawLine(left, y, left + 36, y);
      drawMarker(g, i, left + 18, y);
      g.setColor(Color.BLACK);
      List<String> lines = wrap(series.get(i).name(), m, WIDTH - textLeft - 16, 3);
      for (int k = 0; k < lines.size(); k++) {
        g.drawString(lines.get(k), textLeft, y + k * lineHeight + m.getAscent() / 2 - 1);
      }
      y += lines.size() * lineHeight + 10;
    }
  }

  /**
   * {@code text} broken at spaces into lines of at most {@code width} pixels, at most
   * {@code maxLines} of them; what does not fit is cut with an ellipsis.
   */
  static List<String> wrap(String text, FontMetrics m, int width, int maxLines) {
    List<String> lines = new ArrayList<>();
    String line = "";
    for (String word : text.split(" ")) {
      String longer = line.isEmpty() ? word : line + " " + word;
      if (m.stringWidth(longer) <= width || line.isEmpty()) {
        line = longer;
      } else {
        lines.add(line);
        line = word;
      }
    }
    lines.add(line);
    List<String> kept = new ArrayList<>();
    for (String l : lines.subList(0, Math.min(maxLines, lines.size()))) {
      kept.add(fit(l, m, width)); // cuts a single word wider than a whole line
    }
    if (lines.size() > maxLines) {
      kept.set(maxLines - 1, fit(kept.get(maxLines - 1) + "…", m, width));
    }
    return kept;
  }

  /** {@code text}, cut with an ellipsis to at most {@code width} pixels. */
  private static String fit(String text, FontMetrics m, int width) {
    if (m.stringWidth(text) <= width) {
      return text;
    }
    String cut = text;
    while (!cut.isEmpty() && m.stringWidth(cut + "…") > width) {
      cut = cut.substring(0, cut.length() - 1);
    }
    return cut + "…";
  }

  /** A record size for an axis: {@code 100 B}, {@code 1 KiB}, {@code 1.5 KiB}, {@code 1 MiB}. */
  static String size(double bytes) {
    String[] units = {"B", "KiB", "MiB", "GiB"};
    int unit = 0;
    double value = bytes;
    while (value >= 1024 && unit < units.length - 1) {
      value /= 1024;
      unit++;
    }
    return number(value) + " " + units[unit];
  }

  /** A rate for an axis: {@code 0.01}, {@code 1}, {@code 1,000}. */
  static String rate(double mbPerSecond) {
    return mbPerSecond >= 1 ? String.format(Locale.ROOT, "%,.0f", mbPerSecond) : number(mbPerSecond);
  }

  private static String number(double value) {
    String s = String.format(Locale.ROOT, "%.3f", value);
    s = s.replaceAll("0+$", "");
    return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
  }
}
