package dev.etlkit.scd.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.core.Change;
import dev.etlkit.scd.Scd2PostgresTable;
import dev.etlkit.scd.Scd2Row;
import dev.etlkit.scd.postgres.OneColumnTable.Value;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import javax.annotation.Nullable;
import org.junit.jupiter.params.provider.Arguments;

/**
 * The table {@code limits} of one attribute column {@code v} of any type in a real PostgreSQL, for
 * the limits {@link Scd2PostgresTable#whyUnwritable} checks: whether a change's {@code MERGE}
 * writes its row or fails with the SQLState, beside the check's reason. Arguments are (type, value,
 * reason, SQLState), null for a value written. Unlike {@link OneColumnTable}, it leaves the
 * session's time zone as it is and compares no stored text.
 */
final class LimitsTable {

  private LimitsTable() {}

  /** Written: the statement stores the row, and the check passes it. */
  static Arguments written(String type, Object value) {
    return Arguments.of(type, value, null, null);
  }

  /**
   * The database first: a refused value fails the {@code MERGE} with the SQLState, one the check
   * passes is written; then the check says so without it.
   */
  static void check(
      PostgresDatabase database,
      String type,
      Object value,
      @Nullable String reason,
      @Nullable String sqlState)
      throws Exception {
    Scd2PostgresTable<Value> table =
        Scd2PostgresTable.<Value>named("limits", "id").withColumn("v", type, Value::v);
    Value entity = new Value("k1", value);
    Change<Scd2Row<Value>> change =
        Change.insert(Scd2Row.of("k1", entity, 1_000L, null, true, 1, false));
    try (Connection db = database.connect()) {
      try (Statement statement = db.createStatement()) {
        statement.execute("DROP TABLE IF EXISTS limits");
        statement.execute(table.createTableSql());
      }
      if (sqlState == null) {
        merge(db, table, change);
        assertThat(count(db)).isEqualTo(1);
      } else {
        assertThatThrownBy(() -> merge(db, table, change))
            .isInstanceOfSatisfying(
                SQLException.class,
                e -> assertThat(e.getSQLState()).as(e.getMessage()).isEqualTo(sqlState));
        assertThat(count(db)).isZero();
      }
    }
    assertThat(table.whyUnwritable("k1", entity)).isEqualTo(reason);
  }

  static void merge(Connection db, Scd2PostgresTable<Value> table, Change<Scd2Row<Value>> change)
      throws SQLException {
    try (PreparedStatement statement = db.prepareStatement(table.mergeSql())) {
      table.bind(statement, change);
      statement.executeUpdate();
    }
  }

  /** The rows of the table {@code limits}. */
  static int count(Connection db) throws SQLException {
    try (Statement statement = db.createStatement();
        ResultSet rs = statement.executeQuery("SELECT count(*) FROM limits")) {
      rs.next();
      return rs.getInt(1);
    }
  }
}
