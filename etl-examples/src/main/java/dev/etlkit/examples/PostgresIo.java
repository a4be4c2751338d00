package dev.etlkit.examples;

import dev.etlkit.core.Change;
import dev.etlkit.operators.enrich.jdbc.JdbcCredentials;
import dev.etlkit.operators.enrich.jdbc.JdbcKey;
import dev.etlkit.operators.enrich.jdbc.JdbcLookup;
import dev.etlkit.scd.Scd2Row;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import org.apache.flink.connector.jdbc.JdbcConnectionOptions;
import org.apache.flink.connector.jdbc.JdbcExecutionOptions;
import org.apache.flink.connector.jdbc.JdbcStatementBuilder;
import org.apache.flink.connector.jdbc.core.datastream.sink.JdbcSink;
import org.apache.flink.types.RowKind;

/**
 * The reference job's PostgreSQL side: the {@value #FX_RATES} table the exchange-rate lookup reads
 * and the {@value #DIMENSION} table the customers' SCD2 history is upserted into.
 *
 * <p>The dimension sink runs one {@code MERGE} per change of the history, by (customer, validFrom):
 * {@code +I}/{@code +U} upsert the version's row, {@code -U}/{@code -D} delete it (a {@code -U} is
 * always followed by the {@code +U} of the same version, which writes it back). Flink's JDBC sink
 * is at least once: after a restore it replays the changes since the last checkpoint, and as every
 * statement sets or deletes one row by its key, the table converges to the same content. It runs
 * chained to the SCD2 step, so each customer's changes reach the database in order.
 */
public final class PostgresIo {

  /** The table of exchange rates: {@code currency text PRIMARY KEY, eur_per_unit numeric}. */
  public static final String FX_RATES = "fx_rates";

  /** The table of the customers' SCD2 history, one row per version. */
  public static final String DIMENSION = "customer_dimension";

  /** The DDL of {@value #FX_RATES}. */
  public static final String FX_RATES_DDL =
      "CREATE TABLE IF NOT EXISTS fx_rates ("
          + " currency text PRIMARY KEY, eur_per_unit numeric(12, 6) NOT NULL)";

  /** The DDL of {@value #DIMENSION}. */
  public static final String DIMENSION_DDL =
      """
      CREATE TABLE IF NOT EXISTS customer_dimension (
        customer_id text        NOT NULL,
        valid_from  timestamptz NOT NULL,
        valid_to    timestamptz,
        is_current  boolean     NOT NULL,
        version     bigint      NOT NULL,
        is_deleted  boolean     NOT NULL,
        version_id  char(32)    NOT NULL,
        name        text,
        tier        text,
        city        text,
        PRIMARY KEY (customer_id, valid_from))""";

  private static final String MERGE =
      """
      MERGE INTO customer_dimension t
      USING (VALUES (?::boolean, ?::text, ?::timestamptz, ?::timestamptz, ?::boolean, ?::bigint,
                     ?::boolean, ?::text, ?::text, ?::text, ?::text))
        AS c(retract, customer_id, valid_from, valid_to, is_current, version,
             is_deleted, version_id, name, tier, city)
      ON t.customer_id = c.customer_id AND t.valid_from = c.valid_from
      WHEN MATCHED AND c.retract THEN DELETE
      WHEN MATCHED THEN UPDATE SET
        valid_to = c.valid_to, is_current = c.is_current, version = c.version,
        is_deleted = c.is_deleted, version_id = c.version_id,
        name = c.name, tier = c.tier, city = c.city
      WHEN NOT MATCHED AND NOT c.retract THEN INSERT VALUES (
        c.customer_id, c.valid_from, c.valid_to, c.is_current, c.version,
        c.is_deleted, c.version_id, c.name, c.tier, c.city)""";

  private PostgresIo() {}

  /** Creates both tables if they do not exist. */
  public static void createTables(Connection connection) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.execute(FX_RATES_DDL);
      statement.execute(DIMENSION_DDL);
    }
  }

  /**
   * The exchange-rate lookup: {@code SELECT * FROM fx_rates WHERE currency = ?}, credentials from
   * {@value JobOptions#JDBC_USER_ENV} / {@value JobOptions#JDBC_PASSWORD_ENV} on the TaskManager
   * when set (else none: the URL or the server's defaults).
   */
  public static JdbcLookup<String, BigDecimal> fxRates(String jdbcUrl) {
    return JdbcLookup.<String, BigDecimal>table(
            jdbcUrl, FX_RATES, "currency", JdbcKey.text(), row -> row.getBigDecimal("eur_per_unit"))
        .withCredentials(JdbcCredentials.fromSupplier(PostgresIo::credentialsFromEnv));
  }

  private static JdbcCredentials credentialsFromEnv() {
    String user = System.getenv(JobOptions.JDBC_USER_ENV);
    String password = System.getenv(JobOptions.JDBC_PASSWORD_ENV);
    return user == null ? JdbcCredentials.none() : JdbcCredentials.of(user, password);
  }

  /**
   * The sink of the customers' history into {@value #DIMENSION}: at least once and idempotent,
   * batches of up to 500 changes flushed at the latest on every checkpoint, three retries. Flink's
   * JDBC connector holds the user and password in the job graph: they are read from {@value
   * JobOptions#JDBC_USER_ENV} / {@value JobOptions#JDBC_PASSWORD_ENV} where the job is built.
   */
  public static JdbcSink<Change<Scd2Row<Customer>>> dimensionSink(String jdbcUrl) {
    JdbcConnectionOptions.JdbcConnectionOptionsBuilder connection =
        new JdbcConnectionOptions.JdbcConnectionOptionsBuilder()
            .withUrl(jdbcUrl)
            .withDriverName("org.postgresql.Driver");
    String user = System.getenv(JobOptions.JDBC_USER_ENV);
    if (user != null) {
      connection.withUsername(user).withPassword(System.getenv(JobOptions.JDBC_PASSWORD_ENV));
    }
    return JdbcSink.<Change<Scd2Row<Customer>>>builder()
        .withExecutionOptions(
            JdbcExecutionOptions.builder()
                .withBatchSize(500)
                .withBatchIntervalMs(1_000)
                .withMaxRetries(3)
                .build())
        .withQueryStatement(MERGE, new MergeParameters())
        .buildAtLeastOnce(connection.build());
  }

  private static OffsetDateTime utc(Instant instant) {
    return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
  }

  /** Sets the {@code MERGE} parameters of one change of the history. */
  static final class MergeParameters implements JdbcStatementBuilder<Change<Scd2Row<Customer>>> {
    private static final long serialVersionUID = 1L;

    @Override
    public void accept(PreparedStatement ps, Change<Scd2Row<Customer>> change) throws SQLException {
      Scd2Row<Customer> row = change.value();
      Customer customer = row.value();
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
      ps.setString(9, customer == null ? null : customer.name());
      ps.setString(10, customer == null ? null : customer.tier());
      ps.setString(11, customer == null ? null : customer.city());
    }
  }
}
