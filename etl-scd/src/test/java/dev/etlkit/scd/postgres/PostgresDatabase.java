package dev.etlkit.scd.postgres;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import javax.annotation.Nullable;
import javax.sql.DataSource;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ExtensionContext.Namespace;

/**
 * A database of its own for one test class, in the one embedded PostgreSQL that all test classes of
 * this JVM share: {@code @RegisterExtension static final PostgresDatabase DATABASE = new
 * PostgresDatabase();}.
 *
 * <p>The server starts when the first class needs it and is kept in JUnit's root store, which stops
 * it when the test run ends (the embedded server's own shutdown hook stops it if the JVM ends
 * first). Before its tests, each class gets a new, empty database named after it (dropped first if
 * a rerun left one), so no class sees another's tables, rows or extensions. Session settings such
 * as the time zone stay per connection, as the tests set them; the server's own defaults are the
 * embedded server's (time zone UTC).
 */
final class PostgresDatabase implements BeforeAllCallback {
  private static final Namespace NAMESPACE = Namespace.create(PostgresDatabase.class);

  @Nullable private volatile DataSource dataSource;
  @Nullable private volatile String jdbcUrl;

  @Override
  public void beforeAll(ExtensionContext context) throws SQLException {
    if (context.getRequiredTestClass().isAnnotationPresent(Nested.class)) {
      return; // a nested class uses its outer class's database
    }
    Server server =
        context
            .getRoot()
            .getStore(NAMESPACE)
            .getOrComputeIfAbsent(Server.class, key -> Server.start(), Server.class);
    String name = context.getRequiredTestClass().getSimpleName().toLowerCase(Locale.ROOT);
    try (Connection admin = server.postgres.getPostgresDatabase().getConnection();
        Statement statement = admin.createStatement()) {
      statement.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
      statement.execute("CREATE DATABASE " + name);
    }
    dataSource = server.postgres.getDatabase("postgres", name);
    jdbcUrl = server.postgres.getJdbcUrl("postgres", name);
  }

  /** A new connection of the superuser to this class's database; close it. */
  Connection connect() throws SQLException {
    DataSource source = dataSource;
    if (source == null) {
      throw new IllegalStateException("register PostgresDatabase with @RegisterExtension");
    }
    return source.getConnection();
  }

  /** The JDBC URL of this class's database, user {@code postgres} (trusted, no password). */
  String jdbcUrl() {
    String url = jdbcUrl;
    if (url == null) {
      throw new IllegalStateException("register PostgresDatabase with @RegisterExtension");
    }
    return url;
  }

  /** The shared server; closed with the root store at the end of the test run. */
  private static final class Server implements AutoCloseable {
    final EmbeddedPostgres postgres;

    private Server(EmbeddedPostgres postgres) {
      this.postgres = postgres;
    }

    static Server start() {
      try {
        // Scd2PostgresExactlyOnceITCase's XA sink prepares a transaction per checkpoint and subtask
        return new Server(
            EmbeddedPostgres.builder().setServerConfig("max_prepared_transactions", "20").start());
      } catch (IOException e) {
        throw new UncheckedIOException("cannot start the embedded PostgreSQL", e);
      }
    }

    @Override
    public void close() throws IOException {
      postgres.close();
    }
  }
}
