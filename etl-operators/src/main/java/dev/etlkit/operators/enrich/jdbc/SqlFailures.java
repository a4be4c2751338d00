package dev.etlkit.operators.enrich.jdbc;

import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTimeoutException;
import java.sql.SQLTransientException;
import javax.annotation.Nullable;

/**
 * Turns what went wrong into a {@link JdbcLookupException}: retryable or not, by SQLState class
 * first and exception type second, with a message that names classes and states but copies no
 * driver message (those quote keys, values and sometimes URLs).
 */
final class SqlFailures {
  private SqlFailures() {}

  /** How many exceptions of a cause chain a message names. */
  private static final int MAX_CHAIN = 4;

  static JdbcLookupException query(SQLException e) {
    String state = e.getSQLState();
    boolean retryable = retryable(state, e);
    return withTraceOf(
        e,
        new JdbcLookupException(
            "JDBC lookup failed: "
                + chain(e)
                + (state == null ? "" : ", SQLState " + state)
                + (retryable ? " (retryable)" : " (permanent)"),
            retryable,
            state));
  }

  static JdbcLookupException mapping(String what, Throwable e) {
    String state = e instanceof SQLException ? ((SQLException) e).getSQLState() : null;
    return withTraceOf(
        e,
        new JdbcLookupException(
            "JDBC lookup "
                + what
                + " failed: "
                + chain(e)
                + (state == null ? "" : ", SQLState " + state),
            false,
            state));
  }

  static JdbcLookupException mapperReturnedNull() {
    return new JdbcLookupException("JDBC lookup row mapper returned null", false, null);
  }

  static JdbcLookupException unexpected(Throwable e) {
    return withTraceOf(
        e, new JdbcLookupException("JDBC lookup failed unexpectedly: " + chain(e), false, null));
  }

  /** No driver on the class path accepts the URL (whose driver name only is shown). */
  static JdbcLookupException noDriver(String subprotocol, SQLException e) {
    return withTraceOf(
        e,
        new JdbcLookupException(
            "JDBC lookup cannot start its pool: no driver on the class path accepts the jdbc:"
                + subprotocol
                + ": URL ("
                + chain(e)
                + "); add the driver to the job, or name it with withDriverClassName",
            false,
            e.getSQLState()));
  }

  /** The driver named with {@code withDriverClassName} does not accept the URL. */
  static JdbcLookupException driverRefusesUrl(String driverClassName, String subprotocol) {
    return new JdbcLookupException(
        "JDBC lookup cannot start its pool: driver "
            + driverClassName
            + " does not accept the jdbc:"
            + subprotocol
            + ": URL",
        false,
        null);
  }

  /** The driver named with {@code withDriverClassName} cannot be loaded or instantiated. */
  static JdbcLookupException driverNotLoadable(String driverClassName, Throwable e) {
    return withTraceOf(
        e,
        new JdbcLookupException(
            "JDBC lookup cannot start its pool: cannot load driver "
                + driverClassName
                + " ("
                + chain(e)
                + ")",
            false,
            null));
  }

  static JdbcLookupException overloaded(int threads, int queueCapacity) {
    return new JdbcLookupException(
        "JDBC lookup overloaded: "
            + threads
            + " queries running and "
            + queueCapacity
            + " queued (poolSize, queueCapacity); lower the step's capacity or raise them",
        true,
        null);
  }

  static JdbcLookupException closed() {
    return new JdbcLookupException("JDBC lookup is closed", false, null);
  }

  /** A statement not started because its lookup's future was cancelled: it completes nothing. */
  static JdbcLookupException cancelled() {
    return new JdbcLookupException("JDBC lookup was cancelled", false, null);
  }

  static JdbcLookupException notOpen() {
    return new JdbcLookupException("JDBC lookup is not open: call open() first", false, null);
  }

  static JdbcLookupException nullKey() {
    return new JdbcLookupException("JDBC lookup key is null", false, null);
  }

  /**
   * Connection problems (08), transaction rollbacks such as deadlocks and serialization failures
   * (40), insufficient resources (53), operator intervention such as a cancelled statement or a
   * shutting-down server (57), system errors (58) and driver timeouts (HYT) can pass; data errors,
   * constraint violations, bad credentials and syntax or access errors cannot. Timeouts pass
   * whatever their class: PostgreSQL's lock and transaction timeouts (55P03, 25P04), an operation
   * cancelled (HY008, SQL Server's query timeout) and any {@link SQLTimeoutException} (Oracle's
   * carries 72000). Two states of those classes do not: a database dropped (57P04; reconnecting
   * finds none) and a configuration limit exceeded (53400, such as {@code temp_file_limit}, which
   * the same query exceeds again), whatever the exception. A failure thrown as an {@link
   * SQLTransientException} or an {@link SQLRecoverableException} (JDBC's word that trying again, or
   * again on a new connection, can succeed) can pass without a state or with one of a class the SQL
   * standard leaves to implementations (first character 5-9 or I-Z, and ODBC's HY), whose meaning
   * only the driver knows; a standard class keeps its meaning (HikariCP throws a failed login as an
   * {@code SQLTransientConnectionException} of state 28P01).
   */
  static boolean retryable(@Nullable String sqlState, SQLException e) {
    if (e instanceof SQLTimeoutException) {
      return true;
    }
    if (sqlState != null) {
      switch (sqlState) {
        case "55P03": // lock_not_available: lock_timeout
        case "25P04": // transaction_timeout
        case "HY008": // operation cancelled
          return true;
        case "57P04": // database_dropped
        case "53400": // configuration_limit_exceeded
          return false;
        default:
          break;
      }
    }
    if ((e instanceof SQLTransientException || e instanceof SQLRecoverableException)
        && (sqlState == null || sqlState.length() < 2 || implementationDefined(sqlState))) {
      return true;
    }
    if (sqlState != null && sqlState.length() >= 2) {
      switch (sqlState.substring(0, 2)) {
        case "08":
        case "40":
        case "53":
        case "57":
        case "58":
          return true;
        case "HY":
          return sqlState.startsWith("HYT");
        default:
          return false;
      }
    }
    return false;
  }

  /** Whether a state's class is one the SQL standard leaves to implementations. */
  private static boolean implementationDefined(String sqlState) {
    char first = sqlState.charAt(0);
    return (first >= '5' && first <= '9')
        || (first >= 'I' && first <= 'Z')
        || sqlState.startsWith("HY");
  }

  /** "SQLTransientConnectionException <- PSQLException <- ConnectException". */
  static String chain(Throwable e) {
    StringBuilder names = new StringBuilder(name(e));
    Throwable cause = e.getCause();
    for (int i = 1; cause != null && cause != e && i < MAX_CHAIN; i++) {
      names.append(" <- ").append(name(cause));
      e = cause;
      cause = cause.getCause();
    }
    return names.toString();
  }

  /** The simple name of the class, or its full name when it has none (anonymous classes). */
  private static String name(Throwable e) {
    String simple = e.getClass().getSimpleName();
    return simple.isEmpty() ? e.getClass().getName() : simple;
  }

  private static JdbcLookupException withTraceOf(Throwable underlying, JdbcLookupException e) {
    e.setStackTrace(underlying.getStackTrace());
    return e;
  }
}
