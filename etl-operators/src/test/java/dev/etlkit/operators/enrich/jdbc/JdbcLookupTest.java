package dev.etlkit.operators.enrich.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.operators.LogCapture;
import java.nio.file.Path;
import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTimeoutException;
import java.sql.SQLTransactionRollbackException;
import java.sql.SQLTransientConnectionException;
import java.sql.SQLTransientException;
import java.time.Duration;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The JDBC lookup's options, statements and failure classification, without a database. */
class JdbcLookupTest {

  private static final String URL = "jdbc:postgresql://db.example.com:5432/crm";

  private static JdbcLookup<String, Customer> customers() {
    return JdbcLookup.table(URL, "customers", "id", JdbcKey.text(), Customer::fromRow);
  }

  private static void rejects(
      Function<JdbcLookup<String, Customer>, JdbcLookup<String, Customer>> option, String message) {
    assertThatThrownBy(() -> option.apply(customers()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(message);
  }

  @Test
  void defaults_areTheDocumentedConstants() {
    assertThat(customers().toString())
        .isEqualTo(
            "JdbcLookup{jdbc:postgresql, table=customers, keyColumn=id, key=JdbcKey{text},"
                + " credentials=JdbcCredentials{none}, poolSize=4, queueCapacity=1000,"
                + " connectionTimeout=PT5S, validationTimeout=PT2S, queryTimeout=PT10S,"
                + " maxLifetime=PT30M, keepaliveTime=PT2M, batchQuery=AUTO, maxBatchKeys=500,"
                + " driverProperties=[], connectionCheckOnOpen=false}");
  }

  @Test
  void withX_returnsANewLookup_andLeavesTheOriginalAsItWas() {
    JdbcLookup<String, Customer> original = customers();
    JdbcLookup<String, Customer> changed =
        original
            .withPoolSize(8)
            .withQueueCapacity(0)
            .withConnectionTimeout(Duration.ofSeconds(1))
            .withValidationTimeout(Duration.ofMillis(250))
            .withQueryTimeout(Duration.ofSeconds(3))
            .withMaxLifetime(Duration.ofMinutes(10))
            .withKeepaliveTime(Duration.ZERO)
            .withBatchQuery(JdbcLookup.BatchQuery.IN_LIST)
            .withMaxBatchKeys(64)
            .withDriverProperty("sslmode", "verify-full")
            .withDriverClassName("org.postgresql.Driver")
            .withConnectionCheckOnOpen(true);

    assertThat(changed).isNotSameAs(original);
    assertThat(original.toString()).isEqualTo(customers().toString());
    assertThat(changed.toString())
        .contains(
            "poolSize=8",
            "queueCapacity=0",
            "connectionTimeout=PT1S",
            "validationTimeout=PT0.25S",
            "queryTimeout=PT3S",
            "maxLifetime=PT10M",
            "keepaliveTime=PT0S",
            "batchQuery=IN_LIST",
            "maxBatchKeys=64",
            "driverProperties=[sslmode]",
            "driverClassName=org.postgresql.Driver",
            "connectionCheckOnOpen=true")
        .doesNotContain("verify-full");
  }

  @Test
  void withBatchQuery_defaultAgainOnADerivedLookup_isTheLookupThatNeverSetIt() {
    JdbcLookup<String, Customer> inList = customers().withBatchQuery(JdbcLookup.BatchQuery.IN_LIST);

    assertThat(inList.withBatchQuery(JdbcLookup.DEFAULT_BATCH_QUERY))
        .hasToString(customers().toString());
    assertThat(inList.toString()).contains("batchQuery=IN_LIST");
  }

  @Test
  void toString_showsNeitherTheUrlNorCredentials() {
    String secret = "SECRET-MARKER-5";
    JdbcLookup<String, Customer> lookup =
        JdbcLookup.table(
                "jdbc:postgresql://db:5432/crm?password=" + secret,
                "customers",
                "id",
                JdbcKey.text(),
                Customer::fromRow)
            .withCredentials(JdbcCredentials.of("etl-user", secret))
            .withDriverProperty("sslpassword", secret);

    assertThat(lookup.toString())
        .doesNotContain(secret)
        .doesNotContain("etl-user")
        .doesNotContain("db:5432")
        .contains("credentials=JdbcCredentials{literal}");
  }

  @ParameterizedTest
  @CsvSource({
    "'', no driver on the class path accepts the jdbc:etlkit-none: URL (SQLException)",
    "org.postgresql.Driver, driver org.postgresql.Driver does not accept the jdbc:etlkit-none: URL",
    "com.example.NoDriver, cannot load driver com.example.NoDriver (ClassNotFoundException)"
  })
  void open_noDriverForTheUrl_failsWithoutTheUrl(String driverClassName, String why) {
    // HikariCP's own message quotes the URL, masking password parameters only.
    String secret = "SECRET-MARKER-10";
    JdbcLookup<String, Customer> lookup =
        JdbcLookup.table(
            "jdbc:etlkit-none://db.example.com/crm?token=" + secret,
            "customers",
            "id",
            JdbcKey.text(),
            Customer::fromRow);
    JdbcLookup<String, Customer> named =
        driverClassName.isEmpty() ? lookup : lookup.withDriverClassName(driverClassName);

    assertThatThrownBy(() -> named.open(new RecordingLookupContext()))
        .isInstanceOfSatisfying(JdbcLookupException.class, e -> assertThat(e.retryable()).isFalse())
        .hasMessageStartingWith("JDBC lookup cannot start its pool: " + why)
        .hasMessageNotContaining(secret)
        .hasMessageNotContaining("db.example.com")
        .hasNoCause();
  }

  @Test
  void openAndLookup_logNeitherUrlNorCredentialsNorDriverPropertyValues_atAnyLevel()
      throws Exception {
    // HikariCP logs its configuration at DEBUG, masking only the password, password parameters of
    // the URL and a driver property named password; the URL parameter stands for any other.
    // Nothing listens on port 1: the lookup fails, and HikariCP logs why.
    String secret = "SECRET-MARKER-11";
    JdbcLookup<String, Customer> lookup =
        JdbcLookup.table(
                "jdbc:postgresql://127.0.0.1:1/crm?ApplicationName=" + secret,
                "customers",
                "id",
                JdbcKey.text(),
                Customer::fromRow)
            .withCredentials(JdbcCredentials.of("user-" + secret, secret))
            .withDriverProperty("sslpassword", secret)
            .withConnectionTimeout(Duration.ofMillis(250));
    LookupTesting lookups = new LookupTesting();

    try (LogCapture logs = LogCapture.capture()) {
      try {
        lookups.open(lookup);
        LookupTesting.failure(lookup.lookup("c-1"), JdbcLookupException.class);
      } finally {
        lookups.closeAll();
      }

      assertThat(logs.all()).contains("etlkit-jdbc-lookup-0").doesNotContain(secret);
    }
  }

  @Test
  void factories_rejectBadArguments() {
    assertThatThrownBy(
            () ->
                JdbcLookup.table(
                    "postgresql://db?password=SECRET-6", "t", "id", JdbcKey.text(), r -> ""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "jdbcUrl must look like jdbc:<driver>:<address>, was a string of 33 characters");
    assertThatThrownBy(
            () -> JdbcLookup.table(URL, "t; DROP TABLE t", "id", JdbcKey.text(), r -> ""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("table must be a SQL identifier");
    assertThatThrownBy(() -> JdbcLookup.table(URL, "t", "id = 1 OR id", JdbcKey.text(), r -> ""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("keyColumn must be a SQL identifier");
    assertThatThrownBy(() -> JdbcLookup.table(URL, "t", "id", null, r -> ""))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("key");
    assertThatThrownBy(() -> JdbcLookup.table(URL, "t", "id", JdbcKey.text(), null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("mapper");
  }

  @ParameterizedTest
  @ValueSource(strings = {"customers", "crm.customers", "db.crm.customers", "\"Customers\""})
  void table_acceptsPlainQualifiedAndQuotedNames(String table) {
    assertThat(JdbcLookup.table(URL, table, "id", JdbcKey.text(), r -> "").toString())
        .contains("table=" + table);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "DELETE FROM customers|query must start with SELECT or WITH, was a query starting with"
            + " 'DELETE'",
        "SELECT * FROM customers WHERE id = ?|query must not contain '?': the lookup adds the key"
            + " condition and its parameter",
        "SELECT 1; DROP TABLE customers|query must be a single statement without ';'",
        "'   '|query must be a SELECT statement, was '   '"
      })
  void query_rejectsWhatIsNotOneSelect(String query, String message) {
    assertThatThrownBy(() -> JdbcLookup.query(URL, query, "id", JdbcKey.text(), r -> ""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(message);
  }

  @Test
  void query_dropsOneTrailingSemicolon_andWrapsTheQueryAsADerivedTable() {
    assertThat(LookupStatements.wrapQuery(" with x as (select 1 as id) select * from x ; "))
        .isEqualTo("(with x as (select 1 as id) select * from x\n) etlkit_lookup");
  }

  @Test
  void options_rejectValuesOutOfRange() {
    rejects(l -> l.withPoolSize(0), "poolSize must be in 1..256, was 0");
    rejects(l -> l.withQueueCapacity(-1), "queueCapacity must be in 0..1000000, was -1");
    rejects(
        l -> l.withConnectionTimeout(Duration.ofMillis(100)),
        "connectionTimeout must be in [PT0.25S, PT1H], was PT0.1S");
    rejects(
        l -> l.withValidationTimeout(Duration.ofHours(2)),
        "validationTimeout must be in [PT0.25S, PT1H], was PT2H");
    rejects(
        l -> l.withQueryTimeout(Duration.ofMillis(200)),
        "queryTimeout must be in [PT1S, PT1H], was PT0.2S");
    rejects(
        l -> l.withMaxLifetime(Duration.ofSeconds(10)),
        "maxLifetime must be in [PT30S, PT24H], was PT10S");
    rejects(
        l -> l.withKeepaliveTime(Duration.ofSeconds(-1)),
        "keepaliveTime must be in [PT30S, PT24H], was PT-1S");
    rejects(l -> l.withMaxBatchKeys(10_001), "maxBatchKeys must be in 1..10000, was 10001");
    rejects(
        l -> l.withDriverProperty("Password", "x"),
        "driver property 'Password' is not allowed: pass credentials with withCredentials()");
    rejects(l -> l.withDriverProperty(" ", "x"), "driver property name must not be blank, was ' '");
    rejects(l -> l.withDriverClassName(""), "driverClassName must not be blank, was ''");
    rejects(l -> l.withDriverClassName(null), "driverClassName must not be blank, was null");
    assertThatThrownBy(() -> customers().withBatchQuery(null))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> customers().withCredentials(null))
        .isInstanceOf(NullPointerException.class);
  }

  @Test
  void statements_useParametersOnly_andAFewInListSizes() {
    LookupStatements statements = new LookupStatements("customers", "id", 100);

    assertThat(statements.single()).isEqualTo("SELECT * FROM customers WHERE id = ?");
    assertThat(statements.anyArray()).isEqualTo("SELECT * FROM customers WHERE id = ANY(?)");
    assertThat(statements.inList(2)).isEqualTo("SELECT * FROM customers WHERE id IN (?, ?, ?, ?)");
    assertThat(statements.inListSize(5)).isEqualTo(16);
    assertThat(statements.inListSize(17)).isEqualTo(64);
    assertThat(statements.inListSize(65)).isEqualTo(100);
    assertThat(LookupStatements.inSizes(500)).containsExactly(4, 16, 64, 256, 500);
    assertThat(LookupStatements.inSizes(4)).containsExactly(4);
    assertThat(LookupStatements.inSizes(1)).isEmpty();
    assertThatThrownBy(() -> statements.inList(101)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void keyLabel_isTheIdentifierWithoutQuotes() {
    assertThat(LookupStatements.label("\"customerId\"")).isEqualTo("customerId");
    assertThat(LookupStatements.label("id")).isEqualTo("id");
  }

  @ParameterizedTest
  @CsvSource({
    "08001, true", // cannot connect
    "08006, true", // connection failure
    "40001, true", // serialization failure
    "40P01, true", // deadlock
    "53300, true", // too many connections
    "57014, true", // query cancelled (statement timeout)
    "57P01, true", // admin shutdown
    "57P05, true", // idle session timeout
    "58030, true", // I/O error
    "HYT00, true", // driver timeout
    "HY008, true", // operation cancelled: SQL Server's query timeout
    "55P03, true", // lock not available: lock_timeout (a migration holding the table)
    "25P04, true", // transaction_timeout, which bounds a single statement too (PostgreSQL 17)
    "57P04, false", // database dropped: reconnecting finds no database (3D000)
    "53400, false", // configuration limit exceeded: temp_file_limit, the same query exceeds it
    // again
    "3D000, false", // no such database
    "55000, false", // object not in prerequisite state
    "HY000, false",
    "22P02, false", // invalid text representation
    "23505, false",
    "28P01, false", // wrong password
    "42P01, false", // no such table
    "42703, false" // no such column
  })
  void sqlState_decidesWhetherAFailureIsRetryable(String state, boolean retryable) {
    assertThat(SqlFailures.query(new SQLException("m", state)).retryable()).isEqualTo(retryable);
  }

  /** Oracle's driver times a query out with an SQLTimeoutException of SQLState 72000. */
  @Test
  void queryTimeout_isRetryable_whateverTheDriversState() {
    assertThat(SqlFailures.query(new SQLTimeoutException("ORA-01013", "72000", 1013)).retryable())
        .isTrue();
  }

  @Test
  void failureWithoutState_isRetryableWhenTransient() {
    assertThat(SqlFailures.query(new SQLTransientConnectionException("m")).retryable()).isTrue();
    assertThat(SqlFailures.query(new SQLException("m")).retryable()).isFalse();
  }

  /**
   * A driver that says a failure is transient or recoverable (JDBC's own signal that trying again,
   * or again on a new connection, can succeed) is believed for a state of a class the SQL standard
   * leaves to implementations (first character 5-9 or I-Z, and ODBC's HY), whose meaning only the
   * driver knows: with the default retry a permanent failure is final at once. A standard class
   * keeps its meaning: HikariCP throws a failed login as a transient failure of state 28P01.
   */
  @Test
  void failureTheDriverCallsTransientOrRecoverable_isRetryable_forAnImplementationDefinedState() {
    assertThat(SqlFailures.query(new SQLTransactionRollbackException("m", "61000")).retryable())
        .isTrue();
    assertThat(SqlFailures.query(new SQLRecoverableException("m", "HY000")).retryable()).isTrue();
    assertThat(SqlFailures.query(new SQLTransientConnectionException("m", "JZ006", 0)).retryable())
        .isTrue();
    assertThat(SqlFailures.query(new SQLException("m", "61000")).retryable()).isFalse();
    assertThat(SqlFailures.query(new SQLTransientConnectionException("m", "28P01")).retryable())
        .isFalse();
    assertThat(SqlFailures.query(new SQLRecoverableException("m", "42P01")).retryable()).isFalse();
    // the states named permanent stay so: a dropped database, a configuration limit
    assertThat(SqlFailures.query(new SQLRecoverableException("m", "57P04")).retryable()).isFalse();
    assertThat(SqlFailures.query(new SQLTransientException("m", "53400")).retryable()).isFalse();
  }

  @Test
  void failureMessage_namesClassesAndState_butNotTheDriversMessage() {
    SQLException driver =
        new SQLException(
            "invalid input syntax for type bigint: \"SECRET-MARKER-7\"",
            "22P02",
            new IllegalStateException("SECRET-MARKER-8"));

    JdbcLookupException failure = SqlFailures.query(driver);

    assertThat(failure)
        .hasMessage(
            "JDBC lookup failed: SQLException <- IllegalStateException, SQLState 22P02"
                + " (permanent)")
        .hasNoCause();
    assertThat(failure.getStackTrace()).isEqualTo(driver.getStackTrace());
  }

  @Test
  void jdbcKeyOf_rejectsABadSqlTypeName() {
    assertThatThrownBy(() -> JdbcKey.of("text); DROP TABLE x; --", k -> k, (r, c) -> "k"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "sqlType must be a SQL type name (letters, digits, '_', ' '), was text); DROP TABLE x;"
                + " --");
  }

  @Test
  void credentials_documentedSources_resolveOnlyWhenOpened() {
    // tag::jdbc-credentials[]
    JdbcCredentials fromEnvironment = JdbcCredentials.fromEnv("CRM_DB_USER", "CRM_DB_PASSWORD");
    JdbcCredentials fromMountedSecret =
        JdbcCredentials.fromPropertiesFile("/etc/secrets/crm-db.properties");
    JdbcCredentials fromVault = JdbcCredentials.fromSupplier(VaultCredentials::crmReader);
    JdbcCredentials forTestsOnly = JdbcCredentials.of("etl_reader", "in-the-job-graph");
    // end::jdbc-credentials[]

    assertThat(fromEnvironment).hasToString("JdbcCredentials{env CRM_DB_USER, CRM_DB_PASSWORD}");
    assertThat(fromMountedSecret)
        .hasToString("JdbcCredentials{file /etc/secrets/crm-db.properties}");
    assertThat(fromVault.resolve().user).isEqualTo("vault-user");
    assertThat(forTestsOnly.resolve().password).isEqualTo("in-the-job-graph");
  }

  /** Stands in for a secret store client called on the TaskManager. */
  static final class VaultCredentials {
    static JdbcCredentials crmReader() {
      return JdbcCredentials.of("vault-user", "vault-password");
    }
  }

  @Test
  void credentials_neverShowTheirValues(@TempDir Path dir) {
    assertThat(JdbcCredentials.of("u", "SECRET-MARKER-9").toString())
        .isEqualTo("JdbcCredentials{literal}");
    assertThat(JdbcCredentials.fromEnv("DB_USER", "DB_PASSWORD").toString())
        .isEqualTo("JdbcCredentials{env DB_USER, DB_PASSWORD}");
    assertThat(JdbcCredentials.fromSupplier(() -> JdbcCredentials.none()).toString())
        .isEqualTo("JdbcCredentials{supplier}");
    assertThat(JdbcCredentials.of("u", "SECRET-MARKER-9").resolve().toString())
        .doesNotContain("SECRET");
  }

  @Test
  void credentials_thatCannotBeResolved_nameWhereTheyWereLookedFor(@TempDir Path dir) {
    assertThatThrownBy(
            () -> JdbcCredentials.fromEnv("ETLKIT_NO_SUCH_USER_VAR", "ETLKIT_NO_SUCH_PW").resolve())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "environment variable 'ETLKIT_NO_SUCH_USER_VAR' with JDBC credentials is not set");
    Path missing = dir.resolve("missing.properties");
    assertThatThrownBy(() -> JdbcCredentials.fromPropertiesFile(missing.toString()).resolve())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("cannot read JDBC credentials file " + missing + ": NoSuchFileException");
    assertThatThrownBy(() -> JdbcCredentials.fromSupplier(() -> null).resolve())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("was null");
    assertThatThrownBy(() -> JdbcCredentials.fromEnv(" ", "X"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("userVariable must not be blank, was ' '");
  }

  @Test
  void credentialsFile_withoutPassword_namesTheMissingKey(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("db.properties");
    java.nio.file.Files.writeString(file, "user=etl\n");

    assertThatThrownBy(() -> JdbcCredentials.fromPropertiesFile(file.toString()).resolve())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("JDBC credentials file " + file + " has no 'password'");
  }
}
