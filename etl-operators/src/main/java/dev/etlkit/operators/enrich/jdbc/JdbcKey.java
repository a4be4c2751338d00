package dev.etlkit.operators.enrich.jdbc;

import java.io.Serializable;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Objects;
import java.util.UUID;
import javax.annotation.Nullable;
import org.apache.flink.annotation.PublicEvolving;

/**
 * How a {@link JdbcLookup} passes its key to the database and reads it back from a result row: the
 * value bound to the statement's parameter (and used as element of the key array in {@code =
 * ANY(?)} batches), the SQL type name of that array, and how to read the key column of a row, so
 * that the rows of a batched query find their keys.
 *
 * <p>A batch sends each distinct bound value once and gives each row to every key of the call bound
 * to the same value as the key read back from the row (bound again unless it is one of the call's),
 * so each key gets the row its single lookup gets, also when the binder changes keys: with a
 * lower-casing binder "C-1" and "c-1" are both sent as "c-1" and both get its row. Bound values are
 * the same when they are numbers of equal value, whatever their types ({@code 1}, {@code 1L},
 * {@code BigDecimal} {@code 1.00}, {@code 1.0d}); {@code byte[]} of equal content; anything else
 * when {@code equals}, so strings exactly. That matches the database for {@code text} and {@code
 * varchar} columns in a database comparing strings exactly (as PostgreSQL does). With a
 * case-insensitive collation or a blank-padded {@code char(n)} column, rows read back keys bound to
 * values the call did not send; a batch that sees one asks each of its keys left without a row
 * alone, so each gets the row its single lookup gets, but of two keys of one call the database
 * takes as one ("acme" and "ACME") only the one spelled as the row finds it. A binder giving such
 * keys one form (upper-casing for a case-insensitive column) makes the batch match as the database
 * does.
 *
 * <p>A key bound as a string holding a lone UTF-16 surrogate is a miss without a query: no database
 * stores one, and a driver would send {@code ?} in its place and find another key's row. So is one
 * holding a NUL character on {@code jdbc:postgresql:} URLs: PostgreSQL refuses NUL in text, and
 * would fail the statement, and with it every other key of a batch.
 *
 * <pre>{@code
 * JdbcKey.text()                                            // String keys
 * JdbcKey.of("text", CustomerId::value, (row, column) -> new CustomerId(row.getString(column)))
 * }</pre>
 *
 * @param <K> the lookup key
 */
@PublicEvolving
public final class JdbcKey<K> implements Serializable {
  private static final long serialVersionUID = 1L;

  /**
   * Turns a key into the value given to {@link java.sql.PreparedStatement#setObject}. One that
   * throws fails that key's lookup with a {@link JdbcLookupException} ("key binder failed", {@code
   * retryable()} false); in a batch, that key alone. A batch also binds the keys it reads back from
   * rows, to find the keys bound to the same value; when it throws there, the batch asks its keys
   * left without a row alone.
   */
  @FunctionalInterface
  @PublicEvolving
  public interface Binder<K> extends Serializable {
    Object toJdbc(K key);
  }

  /** Reads the key from the current row; null when the column is SQL NULL. */
  @FunctionalInterface
  @PublicEvolving
  public interface Extractor<K> extends Serializable {
    @Nullable
    K read(ResultSet row, int column) throws SQLException;
  }

  private final String sqlType;
  private final Binder<K> binder;
  private final Extractor<K> extractor;

  private JdbcKey(String sqlType, Binder<K> binder, Extractor<K> extractor) {
    this.sqlType = sqlType;
    this.binder = binder;
    this.extractor = extractor;
  }

  /** {@link String} keys; arrays of SQL type {@code text}. */
  public static JdbcKey<String> text() {
    return new JdbcKey<>("text", JdbcKey::identity, ResultSet::getString);
  }

  /** {@link Long} keys ({@code bigint}; also matches {@code integer} columns in PostgreSQL). */
  public static JdbcKey<Long> int64() {
    return new JdbcKey<>("bigint", JdbcKey::identity, JdbcKey::readLong);
  }

  /** {@link Integer} keys ({@code integer}). */
  public static JdbcKey<Integer> int32() {
    return new JdbcKey<>("integer", JdbcKey::identity, JdbcKey::readInt);
  }

  /** {@link UUID} keys ({@code uuid}). */
  public static JdbcKey<UUID> uuid() {
    return new JdbcKey<>("uuid", JdbcKey::identity, JdbcKey::readUuid);
  }

  /**
   * Keys of any type: {@code binder} gives the JDBC value of a key, {@code extractor} reads a key
   * back from a row.
   *
   * @param sqlType the SQL name of the key column's type, used to build key arrays for {@code =
   *     ANY(?)} ({@link java.sql.Connection#createArrayOf})
   */
  public static <K> JdbcKey<K> of(String sqlType, Binder<K> binder, Extractor<K> extractor) {
    if (sqlType == null || !sqlType.matches("[A-Za-z_][A-Za-z0-9_ ]{0,62}")) {
      throw new IllegalArgumentException(
          "sqlType must be a SQL type name (letters, digits, '_', ' '), was " + sqlType);
    }
    return new JdbcKey<>(
        sqlType,
        Objects.requireNonNull(binder, "binder"),
        Objects.requireNonNull(extractor, "extractor"));
  }

  String sqlType() {
    return sqlType;
  }

  Object toJdbc(K key) {
    return binder.toJdbc(key);
  }

  @Nullable
  K read(ResultSet row, int column) throws SQLException {
    return extractor.read(row, column);
  }

  private static <T> Object identity(T key) {
    return key;
  }

  @Nullable
  private static Long readLong(ResultSet row, int column) throws SQLException {
    long value = row.getLong(column);
    return row.wasNull() ? null : value;
  }

  @Nullable
  private static Integer readInt(ResultSet row, int column) throws SQLException {
    int value = row.getInt(column);
    return row.wasNull() ? null : value;
  }

  @Nullable
  private static UUID readUuid(ResultSet row, int column) throws SQLException {
    return row.getObject(column, UUID.class);
  }

  @Override
  public String toString() {
    return "JdbcKey{" + sqlType + "}";
  }
}
