package dev.etlkit.examples;

import dev.etlkit.core.Change;
import dev.etlkit.operators.enrich.jdbc.JdbcCredentials;
import dev.etlkit.operators.enrich.jdbc.JdbcKey;
import dev.etlkit.operators.enrich.jdbc.JdbcLookup;
import dev.etlkit.scd.Scd2PostgresTable;
import dev.etlkit.scd.Scd2Row;
import java.io.Serializable;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import javax.annotation.Nullable;
import org.apache.flink.connector.jdbc.JdbcConnectionOptions;
import org.apache.flink.connector.jdbc.JdbcExecutionOptions;
import org.apache.flink.connector.jdbc.core.datastream.sink.JdbcSink;

/**
 * The reference job's PostgreSQL side: the {@value #FX_RATES} table the exchange-rate lookup reads
 * and the {@value #DIMENSION} table the customers' SCD2 history is upserted into.
 *
 * <p>The dimension sink runs the {@code MERGE} of {@link Scd2PostgresTable} per change of the
 * history, by (customer, validFrom): {@code +I}/{@code +U} upsert the version's row, {@code -D}
 * deletes it, {@code -U} changes nothing (it is always followed by the {@code +U} of the same
 * version). Flink's JDBC sink is at least once: after a restore it replays the changes since the
 * last checkpoint, and as every statement sets or deletes one row by its key, the table converges
 * to the same content. It runs chained to the SCD2 step, so each customer's changes reach the
 * database in order.
 */
public final class PostgresIo {

  /** The table of exchange rates: {@code currency text PRIMARY KEY, eur_per_unit numeric}. */
  public static final String FX_RATES = "fx_rates";

  /** The table of the customers' SCD2 history, one row per version. */
  public static final String DIMENSION = CustomerHistoryTable.DIMENSION;

  /** The DDL of {@value #FX_RATES}. */
  public static final String FX_RATES_DDL =
      "CREATE TABLE IF NOT EXISTS fx_rates ("
          + " currency text PRIMARY KEY, eur_per_unit numeric(12, 6) NOT NULL)";

  /** The history table of {@value #DIMENSION} ({@link CustomerHistoryTable#DIMENSION_TABLE}). */
  public static final Scd2PostgresTable<Customer> DIMENSION_TABLE =
      CustomerHistoryTable.DIMENSION_TABLE;

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
   * when it opens ({@link #credentials}).
   */
  public static JdbcLookup<String, BigDecimal> fxRates(String jdbcUrl) {
    return fxRates(jdbcUrl, System::getenv);
  }

  /** {@link #fxRates(String)} with the credentials' variables read from {@code environment}. */
  static JdbcLookup<String, BigDecimal> fxRates(String jdbcUrl, Environment environment) {
    return JdbcLookup.<String, BigDecimal>table(
            jdbcUrl, FX_RATES, "currency", JdbcKey.text(), row -> row.getBigDecimal("eur_per_unit"))
        .withCredentials(JdbcCredentials.fromSupplier(() -> credentials(environment)));
  }

  /** Where the job reads {@value JobOptions#JDBC_USER_ENV} and its password from. */
  @FunctionalInterface
  interface Environment extends Serializable {
    /** The variable's value, or null when it is not set. */
    @Nullable
    String get(String variable);
  }

  /**
   * The database credentials from {@code environment}: user and password when both are set; the
   * user alone when only {@value JobOptions#JDBC_USER_ENV} is (the server authenticates it without
   * a password: PostgreSQL's {@code trust}, {@code peer} or {@code cert}); none when neither is
   * (the URL's or the server's defaults).
   *
   * @throws IllegalArgumentException naming both variables (never a value) when only the password
   *     is set, which would otherwise connect as the default user and leave the password unused
   */
  static JdbcCredentials credentials(Environment environment) {
    String user = user(environment);
    if (user == null) {
      return JdbcCredentials.none();
    }
    String password = environment.get(JobOptions.JDBC_PASSWORD_ENV);
    return password == null ? JdbcCredentials.ofUser(user) : JdbcCredentials.of(user, password);
  }

  /** {@value JobOptions#JDBC_USER_ENV}, or null; fails when only the password is set. */
  @Nullable
  private static String user(Environment environment) {
    String user = environment.get(JobOptions.JDBC_USER_ENV);
    if (user == null && environment.get(JobOptions.JDBC_PASSWORD_ENV) != null) {
      throw new IllegalArgumentException(
          JobOptions.JDBC_PASSWORD_ENV
              + " is set but "
              + JobOptions.JDBC_USER_ENV
              + " is not: set "
              + JobOptions.JDBC_USER_ENV
              + " too, or neither for the server's default user");
    }
    return user;
  }

  /**
   * The sink of the customers' history into {@value #DIMENSION}: at least once and idempotent,
   * batches of up to 500 changes flushed at the latest on every checkpoint, three retries. Flink's
   * JDBC connector holds the user and password in the job graph: they are read from {@value
   * JobOptions#JDBC_USER_ENV} / {@value JobOptions#JDBC_PASSWORD_ENV} where the job is built, as
   * {@link #credentials} reads them (a user without a password connects without one).
   *
   * @throws IllegalArgumentException naming both variables when only the password is set
   */
  public static JdbcSink<Change<Scd2Row<Customer>>> dimensionSink(String jdbcUrl) {
    return dimensionSink(jdbcUrl, System::getenv);
  }

  /**
   * {@link #dimensionSink(String)} with the credentials' variables read from {@code environment}.
   */
  static JdbcSink<Change<Scd2Row<Customer>>> dimensionSink(
      String jdbcUrl, Environment environment) {
    JdbcConnectionOptions.JdbcConnectionOptionsBuilder connection =
        new JdbcConnectionOptions.JdbcConnectionOptionsBuilder()
            .withUrl(jdbcUrl)
            .withDriverName("org.postgresql.Driver");
    String user = user(environment);
    if (user != null) { // a null password sets none
      connection.withUsername(user).withPassword(environment.get(JobOptions.JDBC_PASSWORD_ENV));
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
