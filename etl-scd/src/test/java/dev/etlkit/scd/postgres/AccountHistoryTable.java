package dev.etlkit.scd.postgres;

import dev.etlkit.core.Change;
import dev.etlkit.scd.Account;
import dev.etlkit.scd.Scd2PostgresTable;
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
import org.apache.flink.connector.jdbc.JdbcExactlyOnceOptions;
import org.apache.flink.connector.jdbc.JdbcExecutionOptions;
import org.apache.flink.connector.jdbc.JdbcStatementBuilder;
import org.apache.flink.connector.jdbc.core.datastream.sink.JdbcSink;
import org.apache.flink.types.RowKind;
import org.postgresql.xa.PGXADataSource;

/**
 * An SCD2 history of {@link Account}s as a PostgreSQL table ({@link Scd2PostgresTable}), one row
 * per version with the primary key {@code (account_id, valid_from)}: creating it, a Flink JDBC sink
 * that materializes an SCD2 step's output into it with the table's {@code MERGE} (or, for append
 * output, inserts its versions), and reading it back.
 */
final class AccountHistoryTable {

  private static final String SELECT =
      """
      SELECT account_id, valid_from, valid_to, is_current, version, is_deleted, plan, email, note
      FROM %s ORDER BY account_id, valid_from""";

  /**
   * Writes one version of append output: an insert that a replay of the same version leaves alone.
   * The conflict target is the table's primary key {@code (account_id, valid_from)}, not {@code
   * version_id}: the id is {@code md5(key|validFrom)}, so both name the same version, but only the
   * primary key has the unique index {@code ON CONFLICT} needs (one on {@code version_id} would be
   * a second index to maintain for nothing), and it is the key the retract and upsert {@code MERGE}
   * writes by, so every output mode fills the same table the same way. {@code DO NOTHING}, not an
   * update: a final version never changes, so a replay brings the same row again. (A plain insert
   * would fail the replay after every restore on a version written since the checkpoint.)
   */
  private static final String INSERT =
      """
      INSERT INTO %s
        (account_id, valid_from, valid_to, is_current, version, is_deleted, version_id,
         plan, email, note)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (account_id, valid_from) DO NOTHING""";

  private final String name;
  private final Scd2PostgresTable<Account> table;

  AccountHistoryTable(String name) {
    this.name = name;
    this.table =
        Scd2PostgresTable.<Account>named(name, "account_id")
            .withColumn("plan", "text", Account::plan)
            .withColumn("email", "text", Account::email)
            .withColumn("note", "text", Account::note);
  }

  String name() {
    return name;
  }

  void create(Connection connection) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.execute(table.createTableSql());
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
        .withQueryStatement(table.mergeSql(), table::bind)
        .buildAtLeastOnce(
            new JdbcConnectionOptions.JdbcConnectionOptionsBuilder()
                .withUrl(jdbcUrl)
                .withDriverName("org.postgresql.Driver")
                .build());
  }

  /**
   * A sink writing an append-output step's versions into this table with the idempotent insert
   * ({@link #INSERT}) bound by {@code binder} (normally {@link #bindInsert}): at least once, so a
   * replay after a restore inserts the versions written since the checkpoint again, which changes
   * nothing. No batching, so that every version is in the table as soon as the step emits it (a
   * failure then always finds versions written since the last checkpoint); no retries.
   */
  JdbcSink<Change<Scd2Row<Account>>> appendSink(
      String jdbcUrl, JdbcStatementBuilder<Change<Scd2Row<Account>>> binder) {
    return JdbcSink.<Change<Scd2Row<Account>>>builder()
        .withExecutionOptions(
            JdbcExecutionOptions.builder().withBatchSize(1).withMaxRetries(0).build())
        .withQueryStatement(String.format(INSERT, name), binder)
        .buildAtLeastOnce(
            new JdbcConnectionOptions.JdbcConnectionOptionsBuilder()
                .withUrl(jdbcUrl)
                .withDriverName("org.postgresql.Driver")
                .build());
  }

  /**
   * Binds {@link #INSERT} for one version of append output, which emits {@code +I} only: any other
   * change fails.
   */
  static void bindInsert(PreparedStatement statement, Change<Scd2Row<Account>> change)
      throws SQLException {
    if (change.kind() != RowKind.INSERT) {
      throw new IllegalArgumentException("append output emits +I only, got " + change);
    }
    Scd2Row<Account> row = change.value();
    statement.setString(1, row.key());
    statement.setObject(2, utc(row.validFromMillis()));
    Long validTo = row.validToMillis();
    statement.setObject(3, validTo == null ? null : utc(validTo), Types.TIMESTAMP_WITH_TIMEZONE);
    statement.setBoolean(4, row.isCurrent());
    statement.setLong(5, row.version());
    statement.setBoolean(6, row.isDeleted());
    statement.setString(7, row.versionId());
    statement.setString(8, row.value().plan());
    statement.setString(9, row.value().email());
    statement.setString(10, row.value().note());
  }

  private static OffsetDateTime utc(long millis) {
    return OffsetDateTime.ofInstant(Instant.ofEpochMilli(millis), ZoneOffset.UTC);
  }

  /**
   * The same sink exactly once: each checkpoint's batch is an XA transaction, prepared at the
   * checkpoint and committed when it completes, so a failed attempt's writes since the last
   * checkpoint are rolled back (PostgreSQL needs {@code max_prepared_transactions} above 0, and a
   * transaction per connection; Flink's XA sink takes no retries). Tested by {@link
   * Scd2PostgresExactlyOnceITCase} in a job whose input never ends: at the end of input, {@code
   * flink-connector-jdbc-core} 4.0.0-2.0's writer opens a transaction at the next checkpoint that
   * it never prepares, and fails a second checkpoint taken before that one completes ({@code
   * IllegalStateException: currentXid not null} in {@code XaTransaction.createTx}). Only one such
   * sink per job and database server: its transaction ids do not tell two sinks of a job apart.
   */
  JdbcSink<Change<Scd2Row<Account>>> exactlyOnceSink(String jdbcUrl) {
    // tag::scd2-exactly-once-sink[]
    return JdbcSink.<Change<Scd2Row<Account>>>builder()
        .withExecutionOptions(
            JdbcExecutionOptions.builder().withBatchSize(500).withMaxRetries(0).build())
        .withQueryStatement(table.mergeSql(), table::bind)
        .buildExactlyOnce(
            JdbcExactlyOnceOptions.builder().withTransactionPerConnection(true).build(),
            () -> {
              PGXADataSource dataSource = new PGXADataSource();
              dataSource.setUrl(jdbcUrl);
              return dataSource;
            });
    // end::scd2-exactly-once-sink[]
  }

  /** Applies {@code changes} in their order with the table's {@code MERGE}, as one JDBC batch. */
  void write(Connection connection, List<Change<Scd2Row<Account>>> changes) throws SQLException {
    try (PreparedStatement statement = connection.prepareStatement(table.mergeSql())) {
      for (Change<Scd2Row<Account>> change : changes) {
        table.bind(statement, change);
        statement.addBatch();
      }
      statement.executeBatch();
    }
  }

  /** Inserts the versions of append output with {@link #INSERT}, as one JDBC batch. */
  void append(Connection connection, List<Change<Scd2Row<Account>>> changes) throws SQLException {
    try (PreparedStatement statement = connection.prepareStatement(String.format(INSERT, name))) {
      for (Change<Scd2Row<Account>> change : changes) {
        bindInsert(statement, change);
        statement.addBatch();
      }
      statement.executeBatch();
    }
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
}
