package dev.etlkit.scd.postgres;

import dev.etlkit.core.Change;
import dev.etlkit.scd.Account;
import dev.etlkit.scd.Scd2Row;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.connector.jdbc.JdbcConnectionOptions;
import org.apache.flink.connector.jdbc.JdbcExecutionOptions;
import org.apache.flink.connector.jdbc.JdbcStatementBuilder;
import org.apache.flink.connector.jdbc.core.datastream.sink.JdbcSink;
import org.apache.flink.types.RowKind;

/**
 * An SCD2 history of {@link Account}s as a PostgreSQL table, one row per version with the primary
 * key {@code (account_id, valid_from)}: its DDL, a Flink JDBC sink that materializes an SCD2 step's
 * output into it, and reading it back.
 *
 * <p>The sink runs one {@code MERGE} per change, keyed by (key, validFrom): {@code +I} and {@code
 * +U} upsert the version's row, {@code -D} deletes it. {@code -U} deletes it too rather than being
 * skipped: in retract output a {@code -U} is always followed by the {@code +U} of the same version,
 * which writes the row back, so the result is the same as skipping, and the table stays right even
 * for a pair whose images differ in their key. Upsert output has no {@code -U}. A retraction of a
 * row that is not in the table changes nothing. Flink's JDBC sink takes one statement for all
 * records, so a single {@code MERGE} with a {@code retract} flag does both. The sink is at least
 * once: replaying a suffix of the changelog after a restore converges to the same table, as every
 * statement sets or deletes one row by its key.
 */
final class AccountHistoryTable {

  private static final String DDL =
      """
      CREATE TABLE %s (
        account_id text        NOT NULL,
        valid_from timestamptz NOT NULL,
        valid_to   timestamptz,
        is_current boolean     NOT NULL,
        version    bigint      NOT NULL,
        is_deleted boolean     NOT NULL,
        version_id char(32)    NOT NULL,
        plan       text,
        email      text,
        note       text,
        PRIMARY KEY (account_id, valid_from))""";

  private static final String MERGE =
      """
      MERGE INTO %s t
      USING (VALUES (?::boolean, ?::text, ?::timestamptz, ?::timestamptz, ?::boolean, ?::bigint,
                     ?::boolean, ?::text, ?::text, ?::text, ?::text))
        AS c(retract, account_id, valid_from, valid_to, is_current, version,
             is_deleted, version_id, plan, email, note)
      ON t.account_id = c.account_id AND t.valid_from = c.valid_from
      WHEN MATCHED AND c.retract THEN DELETE
      WHEN MATCHED THEN UPDATE SET
        valid_to = c.valid_to, is_current = c.is_current, version = c.version,
        is_deleted = c.is_deleted, version_id = c.version_id,
        plan = c.plan, email = c.email, note = c.note
      WHEN NOT MATCHED AND NOT c.retract THEN INSERT VALUES (
        c.account_id, c.valid_from, c.valid_to, c.is_current, c.version,
        c.is_deleted, c.version_id, c.plan, c.email, c.note)""";

  private static final String SELECT =
      """
      SELECT account_id, valid_from, valid_to, is_current, version, is_deleted, plan, email, note
      FROM %s ORDER BY account_id, valid_from""";

  private final String name;

  AccountHistoryTable(String name) {
    this.name = name;
  }

  String name() {
    return name;
  }

  void create(Connection connection) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.execute(String.format(DDL, name));
    }
  }

  /**
   * A sink writing a step's output into this table: at least once, batches of up to 500 changes
   * (flushed on checkpoints and at the end of input), no retries so a failing statement fails the
   * job.
   */
  JdbcSink<Change<Scd2Row<Account>>> sink(String jdbcUrl) {
    return JdbcSink.<Change<Scd2Row<Account>>>builder()
        .withExecutionOptions(
            JdbcExecutionOptions.builder().withBatchSize(500).withMaxRetries(0).build())
        .withQueryStatement(String.format(MERGE, name), new MergeParameters())
        .buildAtLeastOnce(
            new JdbcConnectionOptions.JdbcConnectionOptionsBuilder()
                .withUrl(jdbcUrl)
                .withDriverName("org.postgresql.Driver")
                .build());
  }

  /** Every version in the table, by key then validFrom. */
  List<Scd2Row<Account>> read(Connection connection) throws SQLException {
    List<Scd2Row<Account>> rows = new ArrayList<>();
    try (Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery(String.format(SELECT, name))) {
      while (rs.next()) {
        String id = rs.getString("account_id");
        OffsetDateTime validTo = rs.getObject("valid_to", OffsetDateTime.class);
        rows.add(
            Scd2Row.of(
                id,
                new Account(id, rs.getString("plan"), rs.getString("email"), rs.getString("note")),
                rs.getObject("valid_from", OffsetDateTime.class).toInstant().toEpochMilli(),
                validTo == null ? null : validTo.toInstant().toEpochMilli(),
                rs.getBoolean("is_current"),
                rs.getLong("version"),
                rs.getBoolean("is_deleted")));
      }
    }
    return rows;
  }

  private static OffsetDateTime utc(Instant instant) {
    return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
  }

  /** Sets the {@code MERGE} parameters of one change. */
  private static final class MergeParameters
      implements JdbcStatementBuilder<Change<Scd2Row<Account>>> {
    private static final long serialVersionUID = 1L;

    @Override
    public void accept(PreparedStatement ps, Change<Scd2Row<Account>> change) throws SQLException {
      Scd2Row<Account> row = change.value();
      Account account = row.value();
      RowKind kind = change.kind();
      ps.setBoolean(1, kind == RowKind.DELETE || kind == RowKind.UPDATE_BEFORE);
      ps.setString(2, row.key());
      ps.setObject(3, utc(row.validFrom()));
      if (row.validTo() == null) {
        ps.setNull(4, Types.TIMESTAMP_WITH_TIMEZONE);
      } else {
        ps.setObject(4, utc(row.validTo()));
      }
      ps.setBoolean(5, row.isCurrent());
      ps.setLong(6, row.version());
      ps.setBoolean(7, row.isDeleted());
      ps.setString(8, row.versionId());
      ps.setString(9, account.plan());
      ps.setString(10, account.email());
      ps.setString(11, account.note());
    }
  }
}
