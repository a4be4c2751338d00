package dev.etlkit.examples;

import java.sql.Connection;
import java.sql.Driver;
import java.sql.DriverPropertyInfo;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.Properties;
import java.util.logging.Logger;

/**
 * A JDBC driver without a database, for a lookup's pool: it accepts the URLs that start with its
 * prefix and refuses every connection, so nothing is ever queried. {@link #attempted} sees what
 * each connection was asked with.
 */
public class RefusingDriver implements Driver {
  private final String prefix;

  protected RefusingDriver(String prefix) {
    this.prefix = prefix;
  }

  /** Called with the connection properties (user, password, ...) of every connection asked for. */
  protected void attempted(Properties info) {}

  @Override
  public Connection connect(String url, Properties info) throws SQLException {
    if (!acceptsURL(url)) {
      return null;
    }
    attempted(info);
    throw new SQLException("no database behind " + getClass().getSimpleName());
  }

  @Override
  public boolean acceptsURL(String url) {
    return url.startsWith(prefix);
  }

  @Override
  public DriverPropertyInfo[] getPropertyInfo(String url, Properties info) {
    return new DriverPropertyInfo[0];
  }

  @Override
  public int getMajorVersion() {
    return 1;
  }

  @Override
  public int getMinorVersion() {
    return 0;
  }

  @Override
  public boolean jdbcCompliant() {
    return false;
  }

  @Override
  public Logger getParentLogger() throws SQLFeatureNotSupportedException {
    throw new SQLFeatureNotSupportedException();
  }
}
