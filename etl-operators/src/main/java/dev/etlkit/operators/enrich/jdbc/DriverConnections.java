package dev.etlkit.operators.enrich.jdbc;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.Collections;
import java.util.Enumeration;
import java.util.Iterator;
import java.util.Map;
import java.util.Properties;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.logging.Logger;
import javax.annotation.Nullable;
import javax.sql.DataSource;
import org.apache.flink.metrics.MetricGroup;
import org.slf4j.LoggerFactory;

/**
 * The connections a {@link JdbcLookup}'s pool opens: its driver, URL, credentials and driver
 * properties, handed to HikariCP as a data source so that HikariCP's configuration holds none of
 * them. HikariCP logs its configuration at DEBUG masking only the password, URL parameters named
 * like {@code password} and a driver property named {@code password}; the user, every other driver
 * property value (such as {@code sslpassword}) and the rest of the URL it would show. Failures name
 * the URL's driver name and the driver class, never the URL.
 *
 * <p>The driver is found as HikariCP finds it: the registered driver of the named class, else that
 * class loaded and instantiated, or without a name the driver {@link DriverManager} finds for the
 * URL, else one the job's jars provide ({@code META-INF/services/java.sql.Driver}). The last one is
 * needed after a restart: {@link DriverManager} lives as long as the TaskManager and shows a caller
 * only the drivers of its own class loader; when an earlier attempt of the job (an earlier class
 * loader) registered the driver class of the job's jar, the new attempt's copy of that class
 * registers itself while {@link DriverManager#getDriver} looks, and that call does not see it.
 *
 * <p>The login timeout HikariCP gives this data source bounds its own logins only, as PostgreSQL's
 * driver property {@code loginTimeout}; {@link DriverManager#setLoginTimeout}, which every user of
 * {@link DriverManager} in the TaskManager shares, is never called.
 *
 * <p>Loading a driver class registers it in {@link DriverManager}, which would then hold the job's
 * class loader for as long as the TaskManager runs. {@link #deregisterJobDrivers} undoes that when
 * the job's classes are released.
 */
final class DriverConnections implements DataSource {
  private static final org.slf4j.Logger LOG = LoggerFactory.getLogger(DriverConnections.class);

  /** PostgreSQL's driver property for the longest wait for a connection, in seconds. */
  private static final String PG_LOGIN_TIMEOUT = "loginTimeout";

  private final Driver driver;
  private final String url;
  private final String subprotocol;
  private final Properties properties;

  /** The login timeout HikariCP set, in seconds; 0 for none. */
  private volatile int loginTimeoutSeconds;

  private DriverConnections(Driver driver, String url, String subprotocol, Properties properties) {
    this.driver = driver;
    this.url = url;
    this.subprotocol = subprotocol;
    this.properties = properties;
  }

  /**
   * Finds the driver for {@code url}.
   *
   * @param subprotocol the URL's driver name, for messages
   * @throws JdbcLookupException (permanent) if no driver accepts the URL
   */
  static DriverConnections of(
      String url,
      String subprotocol,
      @Nullable String driverClassName,
      Map<String, String> driverProperties,
      JdbcCredentials.Resolved credentials) {
    Properties properties = new Properties();
    properties.putAll(driverProperties);
    if (credentials.user != null) {
      properties.setProperty("user", credentials.user);
    }
    if (credentials.password != null) {
      properties.setProperty("password", credentials.password);
    }
    Driver driver =
        driverClassName == null
            ? driverFor(url, subprotocol)
            : namedDriver(driverClassName, url, subprotocol);
    return new DriverConnections(driver, url, subprotocol, properties);
  }

  private static Driver driverFor(String url, String subprotocol) {
    try {
      return DriverManager.getDriver(url);
    } catch (SQLException e) {
      Driver provided = providedDriver(url, Thread.currentThread().getContextClassLoader());
      if (provided == null) {
        provided = providedDriver(url, loader());
      }
      if (provided == null) {
        throw SqlFailures.noDriver(subprotocol, e);
      }
      return provided;
    }
  }

  /** A driver for {@code url} that {@code loader}'s jars provide as a service, or null. */
  @Nullable
  private static Driver providedDriver(String url, @Nullable ClassLoader loader) {
    if (loader == null) {
      return null;
    }
    Iterator<Driver> drivers = ServiceLoader.load(Driver.class, loader).iterator();
    while (true) {
      Driver driver;
      try {
        if (!drivers.hasNext()) {
          return null;
        }
        driver = drivers.next();
      } catch (ServiceConfigurationError | LinkageError e) {
        continue; // a provider that cannot be loaded; the next one may do
      }
      try {
        if (driver.acceptsURL(url)) {
          return driver;
        }
      } catch (SQLException | RuntimeException e) {
        // does not accept it
      }
    }
  }

  /**
   * Whether {@code driver} was loaded from the job's jars: by a class loader that is neither
   * Flink's nor one of its parents (those outlive the job).
   */
  static boolean isJobDriver(Driver driver) {
    ClassLoader driverLoader = driver.getClass().getClassLoader();
    if (driverLoader == null) {
      return false;
    }
    for (ClassLoader l = MetricGroup.class.getClassLoader(); l != null; l = l.getParent()) {
      if (l == driverLoader) {
        return false;
      }
    }
    return true;
  }

  /**
   * Deregisters from {@link DriverManager} the drivers of the job's jars that it shows this class
   * (those loaded by this class's loader or by its parents below Flink's): run when the job's
   * classes are released, so that nothing of the job is used any more. Drivers of Flink's class
   * loader stay. Returns how many were deregistered.
   */
  static int deregisterJobDrivers() {
    int deregistered = 0;
    for (Driver driver : Collections.list(DriverManager.getDrivers())) {
      if (isJobDriver(driver)) {
        try {
          DriverManager.deregisterDriver(driver);
          deregistered++;
        } catch (SQLException | SecurityException e) {
          LOG.warn(
              "JDBC driver {} of the job could not be deregistered ({})",
              driver.getClass().getName(),
              e.getClass().getName());
        }
      }
    }
    return deregistered;
  }

  private static Driver namedDriver(String className, String url, String subprotocol) {
    Driver driver = registered(className);
    if (driver == null) {
      driver = instantiate(className);
    }
    boolean accepts;
    try {
      accepts = driver.acceptsURL(url);
    } catch (SQLException e) {
      accepts = false;
    }
    if (!accepts) {
      throw SqlFailures.driverRefusesUrl(className, subprotocol);
    }
    return driver;
  }

  @Nullable
  private static Driver registered(String className) {
    Enumeration<Driver> drivers = DriverManager.getDrivers();
    while (drivers.hasMoreElements()) {
      Driver driver = drivers.nextElement();
      if (driver.getClass().getName().equals(className)) {
        return driver;
      }
    }
    return null;
  }

  private static Driver instantiate(String className) {
    ClassLoader context = Thread.currentThread().getContextClassLoader();
    Class<?> type;
    try {
      type = Class.forName(className, true, context != null ? context : loader());
    } catch (ClassNotFoundException notInContext) {
      try {
        type = Class.forName(className, true, loader());
      } catch (ClassNotFoundException e) {
        throw SqlFailures.driverNotLoadable(className, e);
      }
    }
    try {
      return (Driver) type.getDeclaredConstructor().newInstance();
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw SqlFailures.driverNotLoadable(className, e);
    }
  }

  private static ClassLoader loader() {
    return DriverConnections.class.getClassLoader();
  }

  /** The driver the connections come from. */
  Driver driver() {
    return driver;
  }

  @Override
  public Connection getConnection() throws SQLException {
    Connection connection = driver.connect(url, withLoginTimeout(properties));
    if (connection == null) {
      throw refused();
    }
    return connection;
  }

  /**
   * {@code properties} with the login timeout as PostgreSQL's driver property {@code loginTimeout}
   * (unless given; one in the URL wins over both). Other drivers have no common property for it.
   */
  private Properties withLoginTimeout(Properties properties) {
    int seconds = loginTimeoutSeconds;
    if (seconds <= 0
        || !"postgresql".equals(subprotocol)
        || properties.containsKey(PG_LOGIN_TIMEOUT)) {
      return properties;
    }
    Properties withTimeout = (Properties) properties.clone();
    withTimeout.setProperty(PG_LOGIN_TIMEOUT, Integer.toString(seconds));
    return withTimeout;
  }

  private SQLException refused() {
    return new SQLException(
        "driver " + driver.getClass().getName() + " does not accept the URL", "08001");
  }

  @Override
  public Connection getConnection(String username, String password) throws SQLException {
    Properties withUser = (Properties) properties.clone();
    withUser.setProperty("user", username);
    withUser.setProperty("password", password);
    Connection connection = driver.connect(url, withLoginTimeout(withUser));
    if (connection == null) {
      throw refused();
    }
    return connection;
  }

  /**
   * Sets the login timeout of this data source's connections only: passed to PostgreSQL's driver as
   * a property, not set in {@link DriverManager} (where HikariCP's own driver data source sets it),
   * whose value every user of {@code DriverManager} in the TaskManager shares.
   */
  @Override
  public void setLoginTimeout(int seconds) {
    loginTimeoutSeconds = seconds;
  }

  @Override
  public int getLoginTimeout() {
    return loginTimeoutSeconds;
  }

  @Override
  public PrintWriter getLogWriter() throws SQLException {
    throw new SQLFeatureNotSupportedException();
  }

  @Override
  public void setLogWriter(PrintWriter out) throws SQLException {
    throw new SQLFeatureNotSupportedException();
  }

  @Override
  public Logger getParentLogger() throws SQLFeatureNotSupportedException {
    return driver.getParentLogger();
  }

  @Override
  public <T> T unwrap(Class<T> type) throws SQLException {
    throw new SQLFeatureNotSupportedException();
  }

  @Override
  public boolean isWrapperFor(Class<?> type) {
    return false;
  }

  /** What HikariCP logs as its data source: the URL's driver name only. */
  @Override
  public String toString() {
    return "DriverConnections{jdbc:" + subprotocol + ", " + driver.getClass().getName() + "}";
  }
}
