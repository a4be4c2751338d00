package dev.etlkit.operators.enrich.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.sql.Connection;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.DriverPropertyInfo;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.Map;
import java.util.Properties;
import java.util.logging.Logger;
import javax.annotation.Nullable;
import org.junit.jupiter.api.Test;

/**
 * The login timeout HikariCP gives the lookup's data source bounds that pool's logins only: {@link
 * DriverManager#setLoginTimeout} is one value for the whole TaskManager, read by every other user
 * of {@link DriverManager} (other lookups, Flink's JDBC connector, other jobs).
 */
class DriverConnectionsTest {

  @Test
  void loginTimeout_reachesPostgresAsItsDriverProperty_andLeavesDriverManagerAlone()
      throws Exception {
    int before = DriverManager.getLoginTimeout();
    DriverConnections connections = connections("jdbc:postgresql://db.invalid/crm", Map.of());

    connections.setLoginTimeout(before + 17);
    Properties sent = connect(connections);

    assertThat(DriverManager.getLoginTimeout())
        .as("DriverManager's login timeout")
        .isEqualTo(before);
    assertThat(connections.getLoginTimeout()).isEqualTo(before + 17);
    assertThat(sent.getProperty("loginTimeout")).isEqualTo(Integer.toString(before + 17));
  }

  @Test
  void loginTimeout_ofTheUser_wins() throws Exception {
    DriverConnections connections =
        connections("jdbc:postgresql://db.invalid/crm", Map.of("loginTimeout", "42"));

    connections.setLoginTimeout(6);

    assertThat(connect(connections).getProperty("loginTimeout")).isEqualTo("42");
  }

  @Test
  void loginTimeout_ofOtherDrivers_isNotADriverProperty() throws Exception {
    int before = DriverManager.getLoginTimeout();
    DriverConnections connections = connections("jdbc:other://db.invalid/crm", Map.of());

    connections.setLoginTimeout(before + 17);

    assertThat(connect(connections)).doesNotContainKey("loginTimeout");
    assertThat(DriverManager.getLoginTimeout())
        .as("DriverManager's login timeout")
        .isEqualTo(before);
  }

  private static DriverConnections connections(String url, Map<String, String> properties) {
    return DriverConnections.of(
        url,
        url.substring(5, url.indexOf(':', 5)),
        RecordingDriver.class.getName(),
        properties,
        JdbcCredentials.none().resolve());
  }

  /** The properties the driver was asked to connect with. */
  private static Properties connect(DriverConnections connections) {
    RecordingDriver.connected = null;
    assertThat(catchThrowable(connections::getConnection)).isInstanceOf(SQLException.class);
    assertThat(RecordingDriver.connected).as("properties the driver got").isNotNull();
    return RecordingDriver.connected;
  }

  /** Accepts jdbc:postgresql: and jdbc:other: URLs, records what it is asked, connects nowhere. */
  public static final class RecordingDriver implements Driver {
    @Nullable static volatile Properties connected;

    public RecordingDriver() {}

    @Override
    @Nullable
    public Connection connect(String url, Properties info) {
      connected = (Properties) info.clone();
      return null;
    }

    @Override
    public boolean acceptsURL(String url) {
      return url.startsWith("jdbc:postgresql:") || url.startsWith("jdbc:other:");
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
}
