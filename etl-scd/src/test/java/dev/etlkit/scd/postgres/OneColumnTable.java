package dev.etlkit.scd.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.scd.Scd2PostgresTable;
import dev.etlkit.scd.Scd2Row;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import javax.annotation.Nullable;
import org.junit.jupiter.params.provider.Arguments;

/**
 * A table of one attribute column {@code v} of any type, written one change at a time into a real
 * PostgreSQL (session time zone UTC, the {@code hstore} extension created): what the database does
 * with a value beside what {@link Scd2PostgresTable#whyUnwritable} says of it.
 */
final class OneColumnTable {

  /** An entity with one attribute of any type. */
  record Value(String id, @Nullable Object v) {}

  private OneColumnTable() {}

  /** Stored as itself (its text there), so the check passes it. */
  static Arguments stored(String type, Object value, String text) {
    return Arguments.of(type, value, "stored " + text, null);
  }

  /** Fails the statement with this SQLState, so the check refuses it. */
  static Arguments fails(String type, Object value, String sqlState, String reason) {
    return Arguments.of(type, value, "fails " + sqlState, reason);
  }

  /** Stored as another value (its text there; null for SQL NULL), so the check refuses it. */
  static Arguments silent(String type, Object value, @Nullable String text, String reason) {
    return Arguments.of(type, value, "stored " + text, reason);
  }

  /**
   * The database first ({@code outcome}: "stored " and the column's text, or "fails " and the
   * SQLState), then the check's reason (null: writable).
   */
  static void check(
      PostgresDatabase database, String type, Object value, String outcome, @Nullable String reason)
      throws Exception {
    Scd2PostgresTable<Value> table =
        Scd2PostgresTable.<Value>named("types", "id").withColumn("v", type, Value::v);
    Value entity = new Value("k1", value);
    assertThat(outcome(database, table, entity)).isEqualTo(outcome);
    assertThat(table.whyUnwritable("k1", entity)).isEqualTo(reason);
  }

  private static String outcome(
      PostgresDatabase database, Scd2PostgresTable<Value> table, Value entity) throws Exception {
    try (Connection db = database.connect();
        Statement statement = db.createStatement()) {
      statement.execute("SET TIME ZONE 'UTC'");
      statement.execute("CREATE EXTENSION IF NOT EXISTS hstore");
      statement.execute("DROP TABLE IF EXISTS types");
      statement.execute(table.createTableSql());
      try (PreparedStatement merge = db.prepareStatement(table.mergeSql())) {
        table.bind(merge, Change.insert(Scd2Row.of("k1", entity, 1_000L, null, true, 1, false)));
        merge.executeUpdate();
      } catch (SQLException e) {
        return "fails " + e.getSQLState();
      }
      try (ResultSet rs = statement.executeQuery("SELECT v::text FROM types")) {
        rs.next();
        return "stored " + rs.getString(1);
      }
    }
  }
}
