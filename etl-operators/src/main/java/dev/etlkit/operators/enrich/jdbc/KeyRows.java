package dev.etlkit.operators.enrich.jdbc;

import java.sql.ResultSet;
import java.sql.SQLException;
import javax.annotation.Nullable;

/**
 * How an opened {@link JdbcLookup} sends keys and reads rows: the value a key is bound to, whether
 * that value can be sent at all, the key read back from a row, and the value a row maps to. What
 * the user's {@link JdbcKey} or {@link JdbcLookup.RowMapper} throws fails the lookup with a {@link
 * JdbcLookupException} naming the part that failed.
 */
final class KeyRows<K, V> {
  private final JdbcKey<K> key;
  private final JdbcLookup.RowMapper<V> mapper;

  /** Whether the database refuses a NUL character in text it is sent (PostgreSQL). */
  private final boolean nulRefused;

  /** The label of the key column in a result set. */
  private final String keyLabel;

  KeyRows(JdbcKey<K> key, JdbcLookup.RowMapper<V> mapper, boolean nulRefused, String keyLabel) {
    this.key = key;
    this.mapper = mapper;
    this.nulRefused = nulRefused;
    this.keyLabel = keyLabel;
  }

  /** The SQL type name of the key, for arrays of keys. */
  String sqlType() {
    return key.sqlType();
  }

  /** The index of the key column in {@code rows}. */
  int keyColumn(ResultSet rows) throws SQLException {
    return rows.findColumn(keyLabel);
  }

  /**
   * The key of the current row, null when the column is SQL NULL; an extractor that throws fails.
   */
  @Nullable
  K readKey(ResultSet rows, int keyColumn) {
    try {
      return key.read(rows, keyColumn);
    } catch (SQLException | RuntimeException e) {
      throw SqlFailures.mapping("key extractor", e);
    }
  }

  /**
   * Whether a key's bound value reaches the database as it is, so that only its own rows can match
   * it. A string holding a lone UTF-16 surrogate (such as U+D800 not followed by a low surrogate)
   * does not: drivers encode it as '?', and "c-" with it would find the row of "c-?". Nor does one
   * holding a NUL character where the database refuses it (PostgreSQL fails the statement, and with
   * it every key of a batch). No text stored in the database holds either, so such a key is a miss
   * without a query.
   */
  boolean sendable(Object bound) {
    if (!(bound instanceof String)) {
      return true;
    }
    String s = (String) bound;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == 0 && nulRefused) {
        return false;
      } else if (Character.isHighSurrogate(c)
          && i + 1 < s.length()
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        return false;
      }
    }
    return true;
  }

  /** The key's value for the statement; a binder that throws fails the key's lookup. */
  Object bind(K k) {
    try {
      return key.toJdbc(k);
    } catch (RuntimeException e) {
      throw SqlFailures.mapping("key binder", e);
    }
  }

  /** The value of the current row; a mapper that throws or returns null fails the lookup. */
  V map(ResultSet row) {
    V value;
    try {
      value = mapper.map(row);
    } catch (SQLException | RuntimeException e) {
      throw SqlFailures.mapping("row mapper", e);
    }
    if (value == null) {
      throw SqlFailures.mapperReturnedNull();
    }
    return value;
  }
}
