package dev.etlkit.operators.enrich.jdbc;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.annotation.Nullable;

/**
 * The checks of a {@link JdbcLookup}'s options, each naming the option, the bad value (never a URL
 * or a property value, which may hold a password) and the valid range, and what the options resolve
 * to when it opens: the URL's driver name, the driver properties sent, the query timeout in whole
 * seconds.
 */
final class JdbcLookupOptions {
  private static final Pattern SUBPROTOCOL = Pattern.compile("jdbc:([A-Za-z0-9_.-]+):.*");

  /** PostgreSQL's driver property that makes {@code setReadOnly} hold under auto-commit. */
  private static final String PG_READ_ONLY_MODE = "readOnlyMode";

  private JdbcLookupOptions() {}

  static String requireJdbcUrl(String url) {
    if (url == null || !SUBPROTOCOL.matcher(url).matches()) {
      // The URL is not shown: it may hold a password.
      throw new IllegalArgumentException(
          "jdbcUrl must look like jdbc:<driver>:<address>, was "
              + (url == null ? "null" : "a string of " + url.length() + " characters"));
    }
    return url;
  }

  /** The URL's driver name, lower-case: {@code postgresql} for {@code jdbc:postgresql://…}. */
  static String subprotocol(String jdbcUrl) {
    Matcher m = SUBPROTOCOL.matcher(jdbcUrl);
    return m.matches() ? m.group(1).toLowerCase(Locale.ROOT) : "";
  }

  static int inRange(int value, int min, int max, String option) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(
          option + " must be in " + min + ".." + max + ", was " + value);
    }
    return value;
  }

  static Duration inRange(Duration value, Duration min, Duration max, String option) {
    if (value == null || value.compareTo(min) < 0 || value.compareTo(max) > 0) {
      throw new IllegalArgumentException(
          option + " must be in [" + min + ", " + max + "], was " + value);
    }
    return value;
  }

  /** A driver property name: not blank, and neither {@code user} nor {@code password}. */
  static String requireDriverPropertyName(String name) {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException(
          "driver property name must not be blank, was " + quoted(name));
    }
    String lower = name.toLowerCase(Locale.ROOT);
    if (lower.equals("user") || lower.equals("password")) {
      throw new IllegalArgumentException(
          "driver property '" + name + "' is not allowed: pass credentials with withCredentials()");
    }
    return name;
  }

  static String requireDriverClassName(String driverClassName) {
    if (driverClassName == null || driverClassName.isBlank()) {
      throw new IllegalArgumentException(
          "driverClassName must not be blank, was " + quoted(driverClassName));
    }
    return driverClassName;
  }

  private static String quoted(@Nullable String text) {
    return text == null ? "null" : "'" + text + "'";
  }

  /**
   * The driver properties, plus PostgreSQL's {@code readOnlyMode=always} unless set: its driver
   * otherwise makes only explicit transactions read-only, and these connections auto-commit. A
   * {@code readOnlyMode} in the URL wins over this, as URL parameters do in that driver.
   */
  static Map<String, String> effectiveDriverProperties(
      String subprotocol, TreeMap<String, String> driverProperties) {
    if (!"postgresql".equals(subprotocol) || driverProperties.containsKey(PG_READ_ONLY_MODE)) {
      return driverProperties;
    }
    TreeMap<String, String> properties = new TreeMap<>(driverProperties);
    properties.put(PG_READ_ONLY_MODE, "always");
    return properties;
  }

  /** The query timeout in the whole seconds JDBC counts, rounded up. */
  static int queryTimeoutSeconds(Duration queryTimeout) {
    return (int) Math.max(1, (queryTimeout.toMillis() + 999) / 1000);
  }
}
