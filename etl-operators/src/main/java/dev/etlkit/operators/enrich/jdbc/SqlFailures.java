package dev.etlkit.operators.enrich.jdbc;

import java.sql.SQLException;
import java.sql.SQLRecoverableException;
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

  /**
   * HikariCP could not set up the pool, typically its driver: none on the class path accepts the
   * URL, or the one named does not. HikariCP's messages quote the URL, so they are read, not
   * copied; only the URL's driver name is shown.
   */
  static JdbcLookupException poolStart(RuntimeException e, String subprotocol) {
    String original = e.getMessage();
    String why;
    if (original != null && original.startsWith("Failed to get driver instance")) {
      why = "no driver on the class path accepts the jdbc:" + subprotocol + ": URL";
    } else if (original != null && original.contains("claims to not accept jdbcUrl")) {
      why =
          "the driver named with withDriverClassName does not accept the jdbc:"
              + subprotocol
              + ": URL";
    } else {
      why = "HikariCP failed";
    }
    return withTraceOf(
        e,
        new JdbcLookupException(
            "JDBC lookup cannot start its pool: " + why + " (" + chain(e) + ")", false, null));
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
   * constraint violations, bad credentials and syntax or access errors cannot. Without a state, the
   * exception type decides.
   */
  static boolean retryable(@Nullable String sqlState, SQLException e) {
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
    return e instanceof SQLTransientException || e instanceof SQLRecoverableException;
  }

  /** "SQLTransientConnectionException <- PSQLException <- ConnectException". */
  static String chain(Throwable e) {
    StringBuilder names = new StringBuilder(e.getClass().getSimpleName());
    Throwable cause = e.getCause();
    for (int i = 1; cause != null && cause != e && i < MAX_CHAIN; i++) {
      names.append(" <- ").append(cause.getClass().getSimpleName());
      e = cause;
      cause = cause.getCause();
    }
    return names.toString();
  }

  private static JdbcLookupException withTraceOf(Throwable underlying, JdbcLookupException e) {
    e.setStackTrace(underlying.getStackTrace());
    return e;
  }
}
