package dev.etlkit.examples;

import dev.etlkit.core.Change;
import dev.etlkit.operators.enrich.jdbc.JdbcCredentials;
import dev.etlkit.operators.enrich.jdbc.JdbcKey;
import dev.etlkit.operators.enrich.jdbc.JdbcLookup;
import dev.etlkit.scd.Scd2PostgresTable;
import dev.etlkit.scd.Scd2Row;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.apache.flink.connector.jdbc.JdbcConnectionOptions;
import org.apache.flink.connector.jdbc.JdbcExecutionOptions;
import org.apache.flink.connector.jdbc.core.datastream.sink.JdbcSink;

/**
 * The reference job's PostgreSQL side: the {@value #FX_RATES} table the exchange-rate lookup reads
 * and the {@value #DIMENSION} table the customers' SCD2 history is upserted into.
 *
 * <p>The dimension sink runs the {@code MERGE} of {@link Scd2PostgresTable} per change of the
 * history, by (customer, validFrom): {@code +I}/{@code +U} upsert the version's row, {@code
 * -U}/{@code -D} delete it (a {@code -U} is always followed by the {@code +U} of the same version,
 * which writes it back). Flink's JDBC sink is at least once: after a restore it replays the changes
 * since the last checkpoint, and as every statement sets or deletes one row by its key, the table
 * converges to the same content. It runs chained to the SCD2 step, so each customer's changes reach
 * the database in order.
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

  /** The history table of {@value #DIMENSION}: one row per version of a customer. */
  // tag::scd2-postgres-table[]
  public static final Scd2PostgresTable<Customer> DIMENSION_TABLE =
      Scd2PostgresTable.<Customer>named(DIMENSION, "customer_id")
          .withColumn("name", "text", Customer::name)
          .withColumn("tier", "text", Customer::tier)
          .withColumn("city", "text", Customer::city);

  // end::scd2-postgres-table[]

  /** The DDL of {@value #DIMENSION}. */
  public static final String DIMENSION_DDL = DIMENSION_TABLE.createTableSql();

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
    // tag::scd2-postgres-sink[]
    return JdbcSink.<Change<Scd2Row<Customer>>>builder()
        .withExecutionOptions(
            JdbcExecutionOptions.builder()
                .withBatchSize(500)
                .withBatchIntervalMs(1_000)
                .withMaxRetries(3)
                .build())
        .withQueryStatement(DIMENSION_TABLE.mergeSql(), DIMENSION_TABLE::bind)
        .buildAtLeastOnce(connection.build());
    // end::scd2-postgres-sink[]
  }
}
