package dev.etlkit.operators.enrich.jdbc;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Properties;
import javax.annotation.Nullable;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.util.function.SerializableSupplier;

/**
 * The user name and password a {@link JdbcLookup} connects with, and where they come from.
 *
 * <p>A lookup is serialized into the job graph, which the client submits and the JobManager stores:
 * anything held in it can be read by whoever sees the job's artifacts. So credentials are best
 * <b>resolved on the TaskManager</b>, when the lookup is opened: from environment variables ({@link
 * #fromEnv}), from a properties file such as a mounted Kubernetes secret ({@link
 * #fromPropertiesFile}), or from your own code, for example a vault client ({@link #fromSupplier}).
 * Only those names travel with the job. {@link #of} puts the password itself into the job graph:
 * for tests and local runs.
 *
 * <p>Credentials are never logged, never part of {@code toString()} and never in an exception
 * message; a failed resolution names the variable, file or key, not a value.
 */
@PublicEvolving
public final class JdbcCredentials implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The keys {@link #fromPropertiesFile} reads. */
  public static final String USER_PROPERTY = "user";

  public static final String PASSWORD_PROPERTY = "password";

  private enum Source {
    NONE,
    LITERAL,
    ENV,
    FILE,
    SUPPLIER
  }

  private final Source source;
  @Nullable private final String first;
  @Nullable private final String second;
  @Nullable private final SerializableSupplier<JdbcCredentials> supplier;

  private JdbcCredentials(
      Source source,
      @Nullable String first,
      @Nullable String second,
      @Nullable SerializableSupplier<JdbcCredentials> supplier) {
    this.source = source;
    this.first = first;
    this.second = second;
    this.supplier = supplier;
  }

  /** No credentials: the driver's defaults, or what the JDBC URL or driver properties say. */
  public static JdbcCredentials none() {
    return new JdbcCredentials(Source.NONE, null, null, null);
  }

  /**
   * A user and password held in the lookup itself, and so in the serialized job graph: for tests
   * and local runs. Prefer {@link #fromEnv}, {@link #fromPropertiesFile} or {@link #fromSupplier}.
   */
  public static JdbcCredentials of(String user, String password) {
    return new JdbcCredentials(
        Source.LITERAL,
        Objects.requireNonNull(user, "user"),
        Objects.requireNonNull(password, "password"),
        null);
  }

  /**
   * A user without a password: the driver gets no password at all, for servers that authenticate
   * the user otherwise (PostgreSQL's {@code trust}, {@code peer} or {@code cert} authentication). A
   * server that asks for a password refuses the connection. The user name is part of the serialized
   * job graph.
   */
  public static JdbcCredentials ofUser(String user) {
    return new JdbcCredentials(Source.LITERAL, Objects.requireNonNull(user, "user"), null, null);
  }

  /**
   * Reads user and password from the TaskManager's environment variables when the lookup opens.
   * Opening fails (naming the variable) when one is not set.
   */
  public static JdbcCredentials fromEnv(String userVariable, String passwordVariable) {
    return new JdbcCredentials(
        Source.ENV,
        requireName(userVariable, "userVariable"),
        requireName(passwordVariable, "passwordVariable"),
        null);
  }

  /**
   * Reads the properties {@value #USER_PROPERTY} and {@value #PASSWORD_PROPERTY} from a file on the
   * TaskManager when the lookup opens (a mounted secret). Opening fails (naming the file and key)
   * when the file cannot be read or a key is missing.
   */
  public static JdbcCredentials fromPropertiesFile(String path) {
    return new JdbcCredentials(Source.FILE, requireName(path, "path"), null, null);
  }

  /**
   * Calls {@code supplier} on the TaskManager when the lookup opens, for example to ask a secret
   * store; it returns the credentials to use, typically {@link #of}. Only the supplier (its class
   * and captured fields) is part of the job graph.
   */
  public static JdbcCredentials fromSupplier(SerializableSupplier<JdbcCredentials> supplier) {
    return new JdbcCredentials(
        Source.SUPPLIER, null, null, Objects.requireNonNull(supplier, "supplier"));
  }

  /**
   * The credentials to connect with; null user and password for {@link #none()}, a null password
   * for {@link #ofUser}.
   */
  Resolved resolve() {
    switch (source) {
      case NONE:
        return new Resolved(null, null);
      case LITERAL:
        return new Resolved(first, second);
      case ENV:
        return new Resolved(env(first), env(second));
      case FILE:
        return fromFile(Path.of(first));
      case SUPPLIER:
        JdbcCredentials supplied = supplier.get();
        if (supplied == null || supplied.source == Source.SUPPLIER) {
          throw new IllegalStateException(
              "the credentials supplier must return credentials that are not a supplier, was "
                  + (supplied == null ? "null" : "a supplier"));
        }
        return supplied.resolve();
      default:
        throw new AssertionError(source);
    }
  }

  private static String env(String variable) {
    String value = System.getenv(variable);
    if (value == null) {
      throw new IllegalStateException(
          "environment variable '" + variable + "' with JDBC credentials is not set");
    }
    return value;
  }

  private static Resolved fromFile(Path file) {
    Properties properties = new Properties();
    try (InputStream in = Files.newInputStream(file)) {
      properties.load(in);
    } catch (IOException e) {
      throw new IllegalStateException(
          "cannot read JDBC credentials file " + file + ": " + e.getClass().getSimpleName());
    }
    return new Resolved(
        property(properties, USER_PROPERTY, file), property(properties, PASSWORD_PROPERTY, file));
  }

  private static String property(Properties properties, String key, Path file) {
    String value = properties.getProperty(key);
    if (value == null) {
      throw new IllegalStateException("JDBC credentials file " + file + " has no '" + key + "'");
    }
    return value;
  }

  private static String requireName(String name, String option) {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException(option + " must not be blank, was '" + name + "'");
    }
    return name;
  }

  /** Says where the credentials come from, never what they are. */
  @Override
  public String toString() {
    switch (source) {
      case ENV:
        return "JdbcCredentials{env " + first + ", " + second + "}";
      case FILE:
        return "JdbcCredentials{file " + first + "}";
      default:
        return "JdbcCredentials{" + source.name().toLowerCase(java.util.Locale.ROOT) + "}";
    }
  }

  /** Resolved credentials, handed to the pool and dropped. Its toString hides them. */
  static final class Resolved {
    @Nullable final String user;
    @Nullable final String password;

    Resolved(@Nullable String user, @Nullable String password) {
      this.user = user;
      this.password = password;
    }

    @Override
    public String toString() {
      return "Resolved{***}";
    }
  }
}
