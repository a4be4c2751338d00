package dev.etlkit.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.operators.enrich.LookupContext;
import dev.etlkit.operators.enrich.jdbc.JdbcLookup;
import java.math.BigDecimal;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Edges of the reference job's database credentials ({@link PostgresIo}) found by a review on
 * 2026-11-24, each failing before that day's fix: {@value JobOptions#JDBC_USER_ENV} without {@value
 * JobOptions#JDBC_PASSWORD_ENV} made the exchange-rate lookup fail with a NullPointerException when
 * it opened, although a server with {@code trust}, {@code peer} or {@code cert} authentication
 * needs no password; and a password without a user was used by nobody, the job connecting as the
 * default user.
 */
class PostgresIoCredentialsTest {

  private static final String URL = "jdbc:etlkit-recording://db/shop";

  private static final String SECRET = "s3cret-never-shown";

  private RecordingDriver driver;

  @BeforeEach
  void registerDriver() throws SQLException {
    driver = new RecordingDriver();
    DriverManager.registerDriver(driver);
  }

  @AfterEach
  void deregisterDriver() throws SQLException {
    DriverManager.deregisterDriver(driver);
  }

  @Test
  void fxRates_userWithoutPassword_connectsAsTheUser_withoutAPassword() throws Exception {
    JdbcLookup<String, BigDecimal> lookup =
        PostgresIo.fxRates(URL, Map.of(JobOptions.JDBC_USER_ENV, "etl")::get);

    lookup.open(new Subtask());
    try {
      Properties connectedWith = firstConnection();

      assertThat(connectedWith.getProperty("user")).isEqualTo("etl");
      assertThat(connectedWith).as("no password at all").doesNotContainKey("password");
    } finally {
      lookup.close();
    }
  }

  @Test
  void fxRates_userAndPassword_connectsWithBoth() throws Exception {
    JdbcLookup<String, BigDecimal> lookup =
        PostgresIo.fxRates(
            URL,
            Map.of(JobOptions.JDBC_USER_ENV, "etl", JobOptions.JDBC_PASSWORD_ENV, SECRET)::get);

    lookup.open(new Subtask());
    try {
      Properties connectedWith = firstConnection();

      assertThat(connectedWith.getProperty("user")).isEqualTo("etl");
      assertThat(connectedWith.getProperty("password")).isEqualTo(SECRET);
    } finally {
      lookup.close();
    }
  }

  @Test
  void fxRates_passwordWithoutUser_failsWhenItOpens_namingBothVariables_notTheValue() {
    JdbcLookup<String, BigDecimal> lookup =
        PostgresIo.fxRates(URL, Map.of(JobOptions.JDBC_PASSWORD_ENV, SECRET)::get);

    assertThatThrownBy(() -> lookup.open(new Subtask()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "ETLKIT_JDBC_PASSWORD is set but ETLKIT_JDBC_USER is not: set ETLKIT_JDBC_USER too,"
                + " or neither for the server's default user");
    assertThat(driver.connections).as("no connection attempted").isNotDone();
  }

  @Test
  void dimensionSink_passwordWithoutUser_failsWhenTheJobIsBuilt_namingBothVariables() {
    assertThatThrownBy(
            () -> PostgresIo.dimensionSink(URL, Map.of(JobOptions.JDBC_PASSWORD_ENV, SECRET)::get))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "ETLKIT_JDBC_PASSWORD is set but ETLKIT_JDBC_USER is not: set ETLKIT_JDBC_USER too,"
                + " or neither for the server's default user");
  }

  /** The subtask the lookup opens in. */
  private static final class Subtask implements LookupContext {
    @Override
    public int subtaskIndex() {
      return 0;
    }

    @Override
    public int parallelism() {
      return 1;
    }

    @Override
    public MetricGroup metricGroup() {
      return new UnregisteredMetricsGroup();
    }
  }

  /**
   * The properties of the pool's first connection attempt, made on a thread of the pool's own:
   * waits generously (2 s was tight for a cold JVM on a loaded machine), returning as soon as it is
   * made.
   */
  private Properties firstConnection() throws Exception {
    return driver.connections.get(30, TimeUnit.SECONDS);
  }

  /** Records the properties of the first connection the lookup's pool asks for. */
  private static final class RecordingDriver extends RefusingDriver {
    final CompletableFuture<Properties> connections = new CompletableFuture<>();

    RecordingDriver() {
      super("jdbc:etlkit-recording:");
    }

    @Override
    protected void attempted(Properties info) {
      Properties copy = new Properties();
      copy.putAll(info);
      connections.complete(copy);
    }
  }
}
