package dev.etlkit.operators.enrich.jdbc;

import java.util.Arrays;
import java.util.regex.Pattern;

/**
 * The SQL a {@link JdbcLookup} prepares: one statement for a single key and one per batch size.
 * Keys are always parameters; only the table, the query and the key column, all given by the
 * developer and checked here, are part of the text.
 *
 * <p>{@code IN (?, …)} lists come in a few fixed sizes (4, 16, 64, 256, 1024, … up to the largest
 * batch) so that a driver's statement cache sees the same texts again; a batch is padded to the
 * next size by repeating its last key.
 */
final class LookupStatements {

  /** A plain or double-quoted SQL identifier. */
  private static final String PART = "(?:[A-Za-z_][A-Za-z0-9_$]*|\"[^\"\\u0000]+\")";

  private static final Pattern COLUMN = Pattern.compile(PART);
  private static final Pattern TABLE = Pattern.compile(PART + "(?:\\." + PART + "){0,2}");

  /** The alias of a query wrapped as a derived table. */
  static final String QUERY_ALIAS = "etlkit_lookup";

  private final String single;
  private final String anyArray;
  private final int[] inSizes;
  private final String[] inLists;

  LookupStatements(String source, String keyColumn, int maxBatchKeys) {
    String select = "SELECT * FROM " + source + " WHERE " + keyColumn;
    this.single = select + " = ?";
    this.anyArray = select + " = ANY(?)";
    this.inSizes = inSizes(maxBatchKeys);
    this.inLists = new String[inSizes.length];
    for (int i = 0; i < inSizes.length; i++) {
      StringBuilder sql = new StringBuilder(select).append(" IN (?");
      for (int p = 1; p < inSizes[i]; p++) {
        sql.append(", ?");
      }
      inLists[i] = sql.append(')').toString();
    }
  }

  /** The statement for one key. */
  String single() {
    return single;
  }

  /** The statement for many keys bound as one array parameter. */
  String anyArray() {
    return anyArray;
  }

  /** The number of parameters of the smallest {@code IN} list holding {@code keys} keys. */
  int inListSize(int keys) {
    return inSizes[inListIndex(keys)];
  }

  /** The smallest {@code IN} list statement holding {@code keys} keys (2..maxBatchKeys). */
  String inList(int keys) {
    return inLists[inListIndex(keys)];
  }

  private int inListIndex(int keys) {
    for (int i = 0; i < inSizes.length; i++) {
      if (inSizes[i] >= keys) {
        return i;
      }
    }
    throw new IllegalArgumentException(
        "batch of " + keys + " keys exceeds the largest IN list " + Arrays.toString(inSizes));
  }

  /** 4, 16, 64, … below {@code maxBatchKeys}, then {@code maxBatchKeys}; none for 1. */
  static int[] inSizes(int maxBatchKeys) {
    int[] sizes = new int[16];
    int n = 0;
    for (int size = 4; size < maxBatchKeys; size *= 4) {
      sizes[n++] = size;
    }
    if (maxBatchKeys > 1) {
      sizes[n++] = maxBatchKeys;
    }
    return Arrays.copyOf(sizes, n);
  }

  /** The table name, checked: a plain or quoted identifier, optionally schema-qualified. */
  static String requireTable(String table) {
    if (table == null || !TABLE.matcher(table).matches()) {
      throw new IllegalArgumentException(
          "table must be a SQL identifier such as customers, crm.customers or \"Customers\","
              + " was "
              + quoted(table));
    }
    return table;
  }

  /** The key column, checked: one plain or quoted identifier. */
  static String requireColumn(String column) {
    if (column == null || !COLUMN.matcher(column).matches()) {
      throw new IllegalArgumentException(
          "keyColumn must be a SQL identifier such as id or \"customerId\", was " + quoted(column));
    }
    return column;
  }

  /**
   * A query checked and wrapped as a derived table: it must be a SELECT (or WITH) statement without
   * parameters; one trailing semicolon is dropped. The closing parenthesis goes on a line of its
   * own, so that a query ending in a {@code --} comment does not comment it (and the key condition)
   * out.
   */
  static String wrapQuery(String query) {
    if (query == null || query.isBlank()) {
      throw new IllegalArgumentException("query must be a SELECT statement, was " + quoted(query));
    }
    String sql = query.strip();
    if (sql.endsWith(";")) {
      sql = sql.substring(0, sql.length() - 1).strip();
    }
    String head = sql.length() < 6 ? sql : sql.substring(0, 6);
    if (!head.regionMatches(true, 0, "SELECT", 0, 6)
        && !head.regionMatches(true, 0, "WITH", 0, 4)) {
      throw new IllegalArgumentException(
          "query must start with SELECT or WITH, was a query starting with " + quoted(head));
    }
    if (sql.indexOf('?') >= 0) {
      throw new IllegalArgumentException(
          "query must not contain '?': the lookup adds the key condition and its parameter");
    }
    if (sql.indexOf(';') >= 0) {
      throw new IllegalArgumentException("query must be a single statement without ';'");
    }
    return "(" + sql + "\n) " + QUERY_ALIAS;
  }

  /** The label of the key column in a result set: the identifier without quotes. */
  static String label(String column) {
    return column.startsWith("\"") ? column.substring(1, column.length() - 1) : column;
  }

  private static String quoted(String s) {
    return s == null ? "null" : "'" + s + "'";
  }
}
