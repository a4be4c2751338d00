package dev.etlkit.core;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Renders rows of cells as a fixed-width table; the first row is the header. A cell's line breaks
 * become spaces, so each row stays one line.
 */
final class TextTable {
  private static final Pattern LINE_BREAKS = Pattern.compile("\\R");

  private TextTable() {}

  static String render(List<String[]> given) {
    List<String[]> rows = new ArrayList<>(given.size());
    for (String[] row : given) {
      String[] cells = new String[row.length];
      for (int c = 0; c < row.length; c++) {
        cells[c] = LINE_BREAKS.matcher(row[c]).replaceAll(" ");
      }
      rows.add(cells);
    }
    int columns = rows.get(0).length;
    int[] width = new int[columns];
    for (String[] row : rows) {
      for (int c = 0; c < columns; c++) {
        width[c] = Math.max(width[c], row[c].length());
      }
    }
    StringBuilder sb = new StringBuilder();
    for (int r = 0; r < rows.size(); r++) {
      appendRow(sb, rows.get(r), width);
      if (r == 0) {
        String[] rule = new String[columns];
        for (int c = 0; c < columns; c++) {
          rule[c] = "-".repeat(width[c]);
        }
        appendRow(sb, rule, width);
      }
    }
    return sb.toString();
  }

  private static void appendRow(StringBuilder sb, String[] row, int[] width) {
    for (int c = 0; c < row.length; c++) {
      if (c > 0) {
        sb.append(" | ");
      }
      sb.append(row[c]);
      if (c < row.length - 1) {
        sb.append(" ".repeat(width[c] - row[c].length()));
      }
    }
    sb.append('\n');
  }
}
