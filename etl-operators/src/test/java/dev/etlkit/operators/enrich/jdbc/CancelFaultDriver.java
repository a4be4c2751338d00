package dev.etlkit.operators.enrich.jdbc;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.DriverPropertyInfo;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;
import javax.annotation.Nullable;

/**
 * PostgreSQL's driver with faults injected into {@link java.sql.Statement#cancel()}: the next
 * cancels, as {@link #nextCancels} says, are ignored (return without reaching the database, as
 * PostgreSQL's driver does for a cancel that finds the statement not yet running) or throw, and
 * every cancel is counted. A cancel that throws may carry an SQLState, as a driver's failure to
 * open the cancel request's own connection does ({@code 08001}, or {@code 57P03} from a server that
 * is starting). Named with {@code withDriverClassName}; accepts {@code jdbc:postgresql:} URLs. The
 * faults are static: one test at a time uses them.
 */
public final class CancelFaultDriver implements Driver {

  /** What one cancel does. */
  enum Fault {
    IGNORE(null),
    THROW(null),
    /** The cancel request's own connection could not be made. */
    THROW_CONNECTION_FAILURE("08001"),
    /** The cancel request's own connection broke. */
    THROW_CONNECTION_LOST("08006"),
    /** The server refused the cancel request's connection: it is starting or shutting down. */
    THROW_CANNOT_CONNECT_NOW("57P03");

    @Nullable private final String sqlState;

    Fault(@Nullable String sqlState) {
      this.sqlState = sqlState;
    }

    boolean throwing() {
      return this != IGNORE;
    }
  }

  private static final Deque<Fault> FAULTS = new ArrayDeque<>();
  private static final AtomicInteger CANCELS = new AtomicInteger();

  private final Driver postgres = new org.postgresql.Driver();

  public CancelFaultDriver() {}

  /** The next cancels do {@code faults}, one each, in order; later ones reach the database. */
  static synchronized void nextCancels(Fault... faults) {
    FAULTS.clear();
    for (Fault fault : faults) {
      FAULTS.add(fault);
    }
    CANCELS.set(0);
  }

  /** Cancels called since {@link #nextCancels}. */
  static int cancels() {
    return CANCELS.get();
  }

  private static synchronized Fault nextFault() {
    return FAULTS.poll();
  }

  @Override
  public Connection connect(String url, Properties info) throws SQLException {
    Connection connection = postgres.connect(url, info);
    return connection == null ? null : proxy(Connection.class, connection);
  }

  private static <T> T proxy(Class<T> type, T target) {
    InvocationHandler handler =
        (Object self, Method method, Object[] args) -> {
          if (method.getName().equals("cancel") && method.getParameterCount() == 0) {
            CANCELS.incrementAndGet();
            Fault fault = nextFault();
            if (fault == Fault.IGNORE) {
              return null;
            } else if (fault != null && fault.throwing()) {
              throw new SQLException("cancel request failed (injected)", fault.sqlState);
            }
          }
          Object result;
          try {
            result = method.invoke(target, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
          if (result instanceof PreparedStatement) {
            return proxy(PreparedStatement.class, (PreparedStatement) result);
          }
          return result;
        };
    return type.cast(
        Proxy.newProxyInstance(
            CancelFaultDriver.class.getClassLoader(), new Class<?>[] {type}, handler));
  }

  @Override
  public boolean acceptsURL(String url) throws SQLException {
    return postgres.acceptsURL(url);
  }

  @Override
  public DriverPropertyInfo[] getPropertyInfo(String url, Properties info) throws SQLException {
    return postgres.getPropertyInfo(url, info);
  }

  @Override
  public int getMajorVersion() {
    return postgres.getMajorVersion();
  }

  @Override
  public int getMinorVersion() {
    return postgres.getMinorVersion();
  }

  @Override
  public boolean jdbcCompliant() {
    return false;
  }

  @Override
  public Logger getParentLogger() throws SQLFeatureNotSupportedException {
    return postgres.getParentLogger();
  }
}
