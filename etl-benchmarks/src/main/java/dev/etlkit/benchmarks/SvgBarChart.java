package dev.etlkit.benchmarks;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import javax.annotation.Nullable;

/**
 * Horizontal bar charts written as one standalone SVG document (plain text, no dependency): panels
 * one below the other, each a list of labelled rows holding one bar or a group of bars, with error
 * whiskers, an optional target per row and a grid. Labels and numbers use a monospace font so that
 * their widths can be computed without a font engine.
 */
final class SvgBarChart {

  /** How a panel's axis reads: ratios (1.0 marked) or records per second (compact ticks). */
  enum Scale {
    RATIO,
    RATE
  }

  /** A value a bar should reach: at least (or at most) {@code value}. */
  record Target(double value, boolean atLeast) {
    boolean isMetBy(double v) {
      return atLeast ? v >= value : v <= value;
    }

    @Override
    public String toString() {
      return (atLeast ? "≥ " : "≤ ") + String.format(Locale.ROOT, "%.2f", value);
    }
  }

  /**
   * One bar.
   *
   * @param series what the bar measures (its colour and legend entry)
   * @param value the bar's length on the panel's scale
   * @param error half-width of the whisker, NaN for none
   * @param text printed right of the plot, on the bar's line
   */
  record Bar(String series, double value, double error, String text) {}

  /** One row: a label, its bars (one, or a group) and the target its first bar should reach. */
  record Row(String label, List<Bar> bars, @Nullable Target target) {
    Row {
      bars = List.copyOf(bars);
    }
  }

  /** A chart: a title, its rows and its scale. */
  record Panel(String title, List<Row> rows, Scale scale) {
    Panel {
      rows = List.copyOf(rows);
    }
  }

  static final String MET = "#2e7d32";
  static final String MISSED = "#c62828";
  private static final String[] PALETTE = {
    "#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#9c755f", "#e15759"
  };

  private static final int MIN_WIDTH = 960;
  private static final int MARGIN = 16;
  private static final double CHAR_WIDTH = 7.3; // 12 px monospace
  private static final int BAR_HEIGHT = 14;
  private static final int BAR_GAP = 2;
  private static final int ROW_GAP = 8;
  private static final int MIN_PLOT_WIDTH = 360;

  private SvgBarChart() {}

  /** The SVG document: title, subtitle lines, then the panels (empty panels are left out). */
  static String document(String title, List<String> subtitles, List<Panel> panels) {
    List<Panel> shown = new ArrayList<>();
    for (Panel panel : panels) {
      if (!panel.rows().isEmpty()) {
        shown.add(panel);
      }
    }
    int width = MIN_WIDTH;
    for (Panel panel : shown) {
      width =
          Math.max(
              width,
              (int) Math.ceil(2 * MARGIN + labelWidth(panel) + MIN_PLOT_WIDTH + textWidth(panel)));
    }
    StringBuilder body = new StringBuilder();
    int y = MARGIN + 16;
    text(body, MARGIN, y, "start", "font-size=\"16\" font-weight=\"bold\"", title);
    for (String line : subtitles) {
      y += 17;
      text(body, MARGIN, y, "start", "fill=\"#444\"", line);
    }
    y += 14;
    for (Panel panel : shown) {
      y = panel(body, panel, width, y + 12);
    }
    int height = y + MARGIN;
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        + String.format(
            Locale.ROOT,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\""
                + " viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n",
            width,
            height,
            width,
            height)
        + "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        + body
        + "</svg>\n";
  }

  /** Draws one panel from {@code top}; returns the y below it. */
  private static int panel(StringBuilder svg, Panel panel, int width, int top) {
    double x0 = MARGIN + labelWidth(panel);
    double x1 = width - MARGIN - textWidth(panel);
    double max = axisMax(panel);
    svg.append("<g class=\"panel\">\n");
    int y = top + 14;
    text(svg, MARGIN, y, "start", "font-size=\"13\" font-weight=\"bold\"", panel.title());
    y = legend(svg, panel, y + 8);

    int rowsTop = y;
    int rowsBottom = rowsTop;
    for (Row row : panel.rows()) {
      rowsBottom += rowHeight(row);
    }
    double step = niceStep(max / 5);
    for (double tick = 0; tick <= max * (1 + 1e-9); tick += step) {
      double x = scale(tick, max, x0, x1);
      line(svg, x, rowsTop - 4, x, rowsBottom - ROW_GAP + 4, "stroke=\"#e0e0e0\"");
      text(
          svg,
          x,
          rowsBottom + 8,
          "middle",
          "font-size=\"11\" fill=\"#666\"",
          tickLabel(tick, step, panel.scale()));
    }
    if (panel.scale() == Scale.RATIO) {
      double one = scale(1.0, max, x0, x1);
      line(
          svg,
          one,
          rowsTop - 6,
          one,
          rowsBottom - ROW_GAP + 6,
          "stroke=\"#555\" stroke-width=\"1.5\"");
    }
    int rowTop = rowsTop;
    for (Row row : panel.rows()) {
      row(svg, panel, row, rowTop, max, x0, x1);
      rowTop += rowHeight(row);
    }
    svg.append("</g>\n");
    return rowsBottom + 14;
  }

  private static void row(
      StringBuilder svg, Panel panel, Row row, int top, double max, double x0, double x1) {
    int height = rowHeight(row) - ROW_GAP;
    text(svg, x0 - 8, top + height / 2.0 + 4, "end", "font-family=\"monospace\"", row.label());
    int barTop = top;
    boolean first = true;
    for (Bar bar : row.bars()) {
      String fill = color(panel, bar.series());
      String cssClass = "bar";
      if (first && row.target() != null) {
        boolean met = row.target().isMetBy(bar.value());
        fill = met ? MET : MISSED;
        cssClass = met ? "bar met" : "bar missed";
      }
      double end = scale(bar.value(), max, x0, x1);
      svg.append(
          String.format(
              Locale.ROOT,
              "<rect class=\"%s\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\">"
                  + "<title>%s</title></rect>\n",
              cssClass,
              x0,
              barTop,
              Math.max(bar.value() > 0 ? 1.0 : 0.0, end - x0),
              BAR_HEIGHT,
              fill,
              escape(row.label() + " · " + bar.series() + ": " + bar.text())));
      double middle = barTop + BAR_HEIGHT / 2.0;
      if (Double.isFinite(bar.error()) && bar.error() > 0) {
        double lo = scale(Math.max(0, bar.value() - bar.error()), max, x0, x1);
        double hi = scale(bar.value() + bar.error(), max, x0, x1);
        String stroke = "stroke=\"#222\"";
        line(svg, lo, middle, hi, middle, stroke);
        line(svg, lo, middle - 4, lo, middle + 4, stroke);
        line(svg, hi, middle - 4, hi, middle + 4, stroke);
      }
      text(svg, x1 + 10, middle + 4, "start", "font-family=\"monospace\"", bar.text());
      barTop += BAR_HEIGHT + BAR_GAP;
      first = false;
    }
    if (row.target() != null) {
      double x = scale(row.target().value(), max, x0, x1);
      line(
          svg,
          x,
          top - 3,
          x,
          top + height + 3,
          "class=\"target\" stroke=\"" + MISSED + "\" stroke-width=\"2\" stroke-dasharray=\"4 2\"");
    }
  }

  /** Colour squares of the series (when there are several) and the meaning of the marks. */
  private static int legend(StringBuilder svg, Panel panel, int top) {
    List<String> series = series(panel);
    boolean targets = panel.rows().stream().anyMatch(r -> r.target() != null);
    if (series.size() < 2 && !targets) {
      return top + 4;
    }
    double x = MARGIN;
    int y = top + 10;
    if (series.size() > 1) {
      for (String name : series) {
        svg.append(
            String.format(
                Locale.ROOT,
                "<rect x=\"%.1f\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/>\n",
                x,
                y - 9,
                color(panel, name)));
        text(svg, x + 14, y, "start", "", name);
        x += 14 + name.length() * CHAR_WIDTH + 16;
      }
    }
    if (targets) {
      line(
          svg,
          x + 4,
          y - 10,
          x + 4,
          y + 2,
          "stroke=\"" + MISSED + "\" stroke-width=\"2\" stroke-dasharray=\"4 2\"");
      text(svg, x + 12, y, "start", "", "target (BENCHMARKS.md): bar green when met, red when not");
    }
    return y + 10;
  }

  private static List<String> series(Panel panel) {
    Set<String> names = new LinkedHashSet<>();
    for (Row row : panel.rows()) {
      for (Bar bar : row.bars()) {
        names.add(bar.series());
      }
    }
    return new ArrayList<>(names);
  }

  private static String color(Panel panel, String series) {
    int i = series(panel).indexOf(series);
    return PALETTE[Math.max(0, i) % PALETTE.length];
  }

  private static double axisMax(Panel panel) {
    double max = panel.scale() == Scale.RATIO ? 1.0 : 0.0;
    for (Row row : panel.rows()) {
      for (Bar bar : row.bars()) {
        double error = Double.isFinite(bar.error()) ? bar.error() : 0;
        max = Math.max(max, bar.value() + error);
      }
      if (row.target() != null) {
        max = Math.max(max, row.target().value());
      }
    }
    if (!(max > 0) || !Double.isFinite(max)) {
      return 1.0;
    }
    double step = niceStep(max * 1.05 / 5);
    return Math.ceil(max * 1.05 / step) * step;
  }

  /** 1, 2 or 5 times a power of ten, at least {@code raw}. */
  static double niceStep(double raw) {
    double power = Math.pow(10, Math.floor(Math.log10(raw)));
    for (double m : new double[] {1, 2, 5, 10}) {
      if (m * power >= raw * (1 - 1e-9)) {
        return m * power;
      }
    }
    return 10 * power;
  }

  private static String tickLabel(double tick, double step, Scale scale) {
    if (scale == Scale.RATE && step >= 1000) {
      return tick >= 1e6 || step >= 1e6 ? compact(tick / 1e6) + "M" : compact(tick / 1e3) + "k";
    }
    int decimals = step >= 1 ? 0 : (int) Math.ceil(-Math.log10(step) - 1e-9);
    return String.format(Locale.ROOT, "%." + decimals + "f", tick);
  }

  private static String compact(double v) {
    String s = String.format(Locale.ROOT, "%.1f", v);
    return s.endsWith(".0") ? s.substring(0, s.length() - 2) : s;
  }

  private static double scale(double v, double max, double x0, double x1) {
    return x0 + Math.max(0, Math.min(v, max)) / max * (x1 - x0);
  }

  private static int rowHeight(Row row) {
    int bars = Math.max(1, row.bars().size());
    return bars * BAR_HEIGHT + (bars - 1) * BAR_GAP + ROW_GAP;
  }

  private static double labelWidth(Panel panel) {
    int chars = 0;
    for (Row row : panel.rows()) {
      chars = Math.max(chars, row.label().length());
    }
    return chars * CHAR_WIDTH + 16;
  }

  private static double textWidth(Panel panel) {
    int chars = 0;
    for (Row row : panel.rows()) {
      for (Bar bar : row.bars()) {
        chars = Math.max(chars, bar.text().length());
      }
    }
    return chars * CHAR_WIDTH + 16;
  }

  private static void text(
      StringBuilder svg, double x, double y, String anchor, String attributes, String content) {
    svg.append(
        String.format(
            Locale.ROOT,
            "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\"%s>%s</text>\n",
            x,
            y,
            anchor,
            attributes.isEmpty() ? "" : " " + attributes,
            escape(content)));
  }

  private static void line(
      StringBuilder svg, double x1, double y1, double x2, double y2, String attributes) {
    svg.append(
        String.format(
            Locale.ROOT,
            "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" %s/>\n",
            x1,
            y1,
            x2,
            y2,
            attributes));
  }

  /** Escapes text for XML content and attribute values. */
  static String escape(String text) {
    StringBuilder out = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '&' -> out.append("&amp;");
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&apos;");
        default -> {
          if (c >= 0x20 || c == '\t' || c == '\n') {
            out.append(c);
          }
        }
      }
    }
    return out.toString();
  }
}
