package dev.etlkit.scd.postgres;

import dev.etlkit.core.Change;
import dev.etlkit.scd.Account;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.annotation.Nullable;
import org.apache.flink.types.RowKind;

/**
 * The SCD2 invariants as SQL over an {@link AccountHistoryTable}. Each check is one query listing
 * the rows that break it, so an empty result means it holds; the test asserts on the results.
 * {@code valid_to} of a current version is null or a sentinel, so ranges are built with {@code
 * tstzrange(valid_from, valid_to)}: half-open {@code [)}, a null upper bound is unbounded.
 */
final class HistorySql {

  /** The input's hard deletes, for the gap check of {@code INVALIDATE} histories. */
  static final String DELETES = "account_deletes";

  private static final String INVERTED =
      """
      SELECT account_id, valid_from, valid_to FROM %s
      WHERE valid_from >= valid_to""";

  private static final String OVERLAPS =
      """
      SELECT a.account_id, a.valid_from, a.valid_to,
             b.valid_from AS other_from, b.valid_to AS other_to
      FROM %1$s a JOIN %1$s b
        ON a.account_id = b.account_id AND a.valid_from < b.valid_from
      WHERE tstzrange(a.valid_from, a.valid_to) && tstzrange(b.valid_from, b.valid_to)""";

  private static final String CURRENT_FLAG =
      """
      SELECT account_id, valid_from, valid_to, is_current FROM %s
      WHERE is_current <> (valid_to IS NOT DISTINCT FROM %s)""";

  private static final String NEIGHBOURS =
      """
      SELECT * FROM (
        SELECT account_id, valid_from, valid_to, is_current,
               LEAD(valid_from) OVER (PARTITION BY account_id ORDER BY valid_from) AS next_from
        FROM %s) v""";

  private static final String CURRENT_NOT_LAST =
      NEIGHBOURS + "\nWHERE is_current AND next_from IS NOT NULL";

  private static final String GAPS =
      NEIGHBOURS + "\nWHERE next_from IS NOT NULL AND valid_to <> next_from";

  private static final String NOT_AT_A_DELETE =
      """

      AND NOT EXISTS (
        SELECT 1 FROM %s d WHERE d.account_id = v.account_id AND d.deleted_at = v.valid_to)""";

  private static final String CURRENT_PER_KEY =
      """
      SELECT account_id, count(*) FILTER (WHERE is_current) AS current FROM %s
      GROUP BY account_id""";

  private static final String VERSION_NUMBERS =
      """
      SELECT * FROM (
        SELECT account_id, valid_from, version,
               row_number() OVER (PARTITION BY account_id ORDER BY valid_from) AS expected
        FROM %s) v
      WHERE version <> expected""";

  private static final String VERSION_IDS =
      """
      SELECT account_id, valid_from, version_id FROM %s
      WHERE version_id <> md5(account_id || '|' || (extract(epoch FROM valid_from) * 1000)::bigint)""";

  private static final String OPEN =
      """
      SELECT account_id, valid_from, valid_to, is_current FROM %s
      WHERE is_current OR valid_to IS NULL""";

  private static final String REPEATED_VERSION_IDS =
      """
      SELECT version_id, count(*) AS rows FROM %s
      GROUP BY version_id HAVING count(*) > 1""";

  private final Connection connection;

  HistorySql(Connection connection) {
    this.connection = connection;
  }

  /** Creates {@link #DELETES} with the effective time of every hard delete in the changes. */
  void createDeletes(List<Change<Account>> changes) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.execute(
          "CREATE TABLE "
              + DELETES
              + " (account_id text NOT NULL, deleted_at timestamptz NOT NULL)");
    }
    try (PreparedStatement insert =
        connection.prepareStatement("INSERT INTO " + DELETES + " VALUES (?, ?)")) {
      for (Change<Account> change : changes) {
        if (change.kind() == RowKind.DELETE) {
          insert.setString(1, change.value().id());
          insert.setObject(
              2,
              OffsetDateTime.ofInstant(Instant.ofEpochMilli(change.eventTime()), ZoneOffset.UTC));
          insert.addBatch();
        }
      }
      insert.executeBatch();
    }
  }

  /** Versions with {@code validFrom >= validTo}. */
  List<String> inverted(String table) throws SQLException {
    return rows(String.format(INVERTED, table));
  }

  /** Pairs of versions of a key whose ranges overlap. */
  List<String> overlaps(String table) throws SQLException {
    return rows(String.format(OVERLAPS, table));
  }

  /** Versions flagged current without the open end, or with the open end and not flagged. */
  List<String> wrongCurrentFlags(String table, @Nullable Instant openEnd) throws SQLException {
    String end = openEnd == null ? "NULL" : "timestamptz '" + openEnd + "'";
    return rows(String.format(CURRENT_FLAG, table, end));
  }

  /** Current versions followed by a later version of their key. */
  List<String> currentNotLast(String table) throws SQLException {
    return rows(String.format(CURRENT_NOT_LAST, table));
  }

  /**
   * Consecutive versions of a key with a gap between them; with {@code exceptAtDeletes}, only gaps
   * that do not start at a hard delete of the key.
   */
  List<String> gaps(String table, boolean exceptAtDeletes) throws SQLException {
    String sql = String.format(GAPS, table);
    if (exceptAtDeletes) {
      sql += String.format(NOT_AT_A_DELETE, DELETES);
    }
    return rows(sql);
  }

  /** The number of current versions of every key in the table. */
  Map<String, Long> currentVersionsPerKey(String table) throws SQLException {
    Map<String, Long> counts = new LinkedHashMap<>();
    try (Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery(String.format(CURRENT_PER_KEY, table))) {
      while (rs.next()) {
        counts.put(rs.getString(1), rs.getLong(2));
      }
    }
    return counts;
  }

  /** Versions whose number is not their position in the key's history (1, 2, 3, ...). */
  List<String> wrongVersionNumbers(String table) throws SQLException {
    return rows(String.format(VERSION_NUMBERS, table));
  }

  /** Versions whose id is not {@code md5(key|validFrom millis)}. */
  List<String> wrongVersionIds(String table) throws SQLException {
    return rows(String.format(VERSION_IDS, table));
  }

  /** Versions flagged current or without an end: append output has none. */
  List<String> openVersions(String table) throws SQLException {
    return rows(String.format(OPEN, table));
  }

  /** Version ids held by more than one row. */
  List<String> repeatedVersionIds(String table) throws SQLException {
    return rows(String.format(REPEATED_VERSION_IDS, table));
  }

  /** Every row of a query as {@code column=value, ...}. */
  private List<String> rows(String sql) throws SQLException {
    List<String> rows = new ArrayList<>();
    try (Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery(sql)) {
      ResultSetMetaData meta = rs.getMetaData();
      while (rs.next()) {
        StringBuilder row = new StringBuilder();
        for (int c = 1; c <= meta.getColumnCount(); c++) {
          row.append(c > 1 ? ", " : "").append(meta.getColumnLabel(c)).append('=');
          row.append(rs.getString(c));
        }
        rows.add(row.toString());
      }
    }
    return rows;
  }
}
