package dev.etlkit.operators.enrich.jdbc;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A real PostgreSQL for the JDBC lookup tests, started by the test (embedded PostgreSQL), with a
 * table of 2000 customers and a role {@value #READER} that logs in with a password (SCRAM) and may
 * only read it. The superuser {@code postgres} is trusted without a password.
 */
final class TestDatabase implements AutoCloseable {
  static final String READER = "etl_reader";
  static final String READER_PASSWORD = "Reader-Pa55word-7c1e";
  static final int CUSTOMERS = 2000;

  private final EmbeddedPostgres postgres;

  private TestDatabase(EmbeddedPostgres postgres) {
    this.postgres = postgres;
  }

  static TestDatabase start() throws IOException, SQLException {
    EmbeddedPostgres postgres =
        EmbeddedPostgres.builder()
            .setDataDirectoryCustomizer(TestDatabase::passwordsForTheReader)
            .setServerConfig("max_connections", "50")
            .start();
    TestDatabase db = new TestDatabase(postgres);
    db.execute(
        "CREATE TABLE customers (id text PRIMARY KEY, name text NOT NULL, tier text,"
            + " credit bigint, seq bigint NOT NULL UNIQUE, uid uuid NOT NULL UNIQUE)",
        "INSERT INTO customers SELECT 'c-' || n, 'Customer ' || n,"
            + " CASE WHEN n % 2 = 0 THEN NULL ELSE 'gold' END,"
            + " CASE WHEN n % 7 = 0 THEN NULL ELSE n * 10 END, n, md5(n::text)::uuid"
            + " FROM generate_series(1, "
            + CUSTOMERS
            + ") AS n",
        "CREATE ROLE " + READER + " LOGIN PASSWORD '" + READER_PASSWORD + "'",
        "GRANT SELECT ON customers TO " + READER);
    return db;
  }

  /** The reader logs in with a password; everyone else (the superuser) is trusted. */
  private static void passwordsForTheReader(java.io.File dataDirectory) {
    String hba =
        String.join(
            "\n",
            "local all all trust",
            "host all " + READER + " 127.0.0.1/32 scram-sha-256",
            "host all " + READER + " ::1/128 scram-sha-256",
            "host all all 127.0.0.1/32 trust",
            "host all all ::1/128 trust",
            "");
    try {
      Files.writeString(
          dataDirectory.toPath().resolve("pg_hba.conf"), hba, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The JDBC URL, without credentials. */
  String url() {
    return "jdbc:postgresql://localhost:" + postgres.getPort() + "/postgres";
  }

  /** A connection of the superuser, for a test that holds a lock or a transaction; close it. */
  Connection connect() throws SQLException {
    return postgres.getPostgresDatabase().getConnection();
  }

  void execute(String... statements) throws SQLException {
    try (Connection c = postgres.getPostgresDatabase().getConnection();
        Statement s = c.createStatement()) {
      for (String sql : statements) {
        s.execute(sql);
      }
    }
  }

  long queryLong(String sql) throws SQLException {
    try (Connection c = postgres.getPostgresDatabase().getConnection();
        Statement s = c.createStatement();
        ResultSet rows = s.executeQuery(sql)) {
      rows.next();
      return rows.getLong(1);
    }
  }

  /** Connections to this database opened with the given {@code ApplicationName}. */
  long connectionsOf(String applicationName) throws SQLException {
    return queryLong(
        "SELECT count(*) FROM pg_stat_activity WHERE application_name = '" + applicationName + "'");
  }

  /** Queries running now on connections opened with the given {@code ApplicationName}. */
  long runningQueries(String applicationName) throws SQLException {
    return queryLong(
        "SELECT count(*) FROM pg_stat_activity WHERE application_name = '"
            + applicationName
            + "' AND state = 'active'");
  }

  /**
   * Polls {@link #runningQueries} until it is {@code expected} or {@code timeout} passed; returns
   * the last count.
   */
  long awaitRunningQueries(String applicationName, long expected, Duration timeout)
      throws SQLException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    long running = runningQueries(applicationName);
    while (running != expected && System.nanoTime() - deadline < 0) {
      TimeUnit.MILLISECONDS.sleep(20); // the database has no latch to wait on
      running = runningQueries(applicationName);
    }
    return running;
  }

  @Override
  public void close() throws IOException {
    postgres.close();
  }
}
