package dev.etlkit.scd;

import dev.etlkit.core.Change;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.RandomAccess;
import java.util.function.BiConsumer;
import javax.annotation.Nullable;
import org.apache.flink.api.common.functions.FilterFunction;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.types.RowKind;

/**
 * The values {@link Scd2PostgresTable} binds as text that PostgreSQL cannot store: text with a NUL
 * character ({@code U+0000}), which it refuses with SQLState {@code 22021} whatever the column's
 * type, and JSON with the escape of one for a {@code jsonb} column ({@link JsonbEscape}).
 */
final class PostgresText {
  private static final char NUL = '\0';

  /**
   * Stops a map's {@code forEach} at its first NUL, naming the part that holds it. Made once and
   * without a stack trace: a map is walked by its {@code forEach} (which for {@code HashMap},
   * {@code LinkedHashMap} and {@code TreeMap} allocates nothing, unlike an iterator), whose action
   * can only stop it by throwing.
   */
  private static final class NulInMap extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private static final NulInMap KEY = new NulInMap("a key");
    private static final NulInMap VALUE = new NulInMap("a value");

    private NulInMap(String part) {
      super(part, null, false, false);
    }
  }

  /** Captures nothing, so it is made once. */
  private static final BiConsumer<Object, Object> MAP_ENTRY =
      (key, value) -> {
        if (nulIn(key) >= 0) {
          throw NulInMap.KEY;
        }
        if (nulIn(value) >= 0) {
          throw NulInMap.VALUE;
        }
      };

  private PostgresText() {}

  /**
   * Where {@code value}, as {@link Scd2PostgresTable#bind} sends it, holds a NUL, or null: a {@code
   * String}, a {@code Character}, an element of a collection or an object array (bound as an
   * array), a {@code String} or {@code Character} key or value of a map (bound as {@code hstore}
   * text). Enum names and {@code java.time} text never hold one. Names the column ({@code what} and
   * {@code column}: "key column 'id'") and the index, or the map's key or value, never the value;
   * builds no text unless it finds a NUL.
   */
  @Nullable
  static String whyNul(String what, String column, @Nullable Object value) {
    int at = nulIn(value);
    if (at >= 0) {
      return nul(what + " '" + column + "'", at);
    }
    if (value instanceof List<?> elements && elements instanceof RandomAccess) {
      for (int i = 0; i < elements.size(); i++) { // no iterator on the hot path
        String why = whyNul(what, column, i, elements.get(i));
        if (why != null) {
          return why;
        }
      }
    } else if (value instanceof Collection<?> elements) {
      int i = 0;
      for (Object element : elements) {
        String why = whyNul(what, column, i++, element);
        if (why != null) {
          return why;
        }
      }
    } else if (value instanceof Object[] elements) {
      for (int i = 0; i < elements.length; i++) {
        String why = whyNul(what, column, i, elements[i]);
        if (why != null) {
          return why;
        }
      }
    } else if (value instanceof Map<?, ?> map) {
      try {
        map.forEach(MAP_ENTRY);
      } catch (NulInMap nul) {
        return what
            + " '"
            + column
            + "' holds a map with a NUL character (U+0000) in "
            + nul.getMessage()
            + ", which PostgreSQL cannot store in text";
      }
    }
    return null;
  }

  @Nullable
  private static String whyNul(String what, String column, int index, @Nullable Object element) {
    int at = nulIn(element);
    return at < 0 ? null : nul(what + " '" + column + "', element " + index + ",", at);
  }

  /** The index of the first NUL of a {@code String} or {@code Character}, else -1. */
  private static int nulIn(@Nullable Object value) {
    if (value instanceof String text) {
      return text.indexOf(NUL);
    }
    return value instanceof Character character && character == NUL ? 0 : -1;
  }

  private static String nul(String where, int at) {
    return where
        + " holds a NUL character (U+0000) at index "
        + at
        + ", which PostgreSQL cannot store in text";
  }

  /**
   * {@code jsonb}: PostgreSQL refuses the JSON escape <code>&#92;u0000</code> in a string (SQLState
   * {@code 22P05}), as it cannot store a NUL in text; {@code json}, kept as written, takes it. The
   * escape is a backslash that is not itself escaped (the last of an odd number of them) before
   * {@code u0000}; as a backslash is only valid inside a JSON string, wherever it stands the
   * statement fails. Checks a {@code String}, the form {@code bind} sends JSON in.
   */
  static final class JsonbEscape extends PostgresLimit {
    private static final long serialVersionUID = 1L;

    private static final String ESCAPE = "\\u0000";

    JsonbEscape(String type, boolean array) {
      super(type, array);
    }

    @Override
    @Nullable
    String whyNot(Object value) {
      int at = value instanceof String json ? nulEscape(json) : -1;
      return at < 0
          ? null
          : "holds the JSON escape \\u0000 (a NUL character) at index "
              + at
              + ", which PostgreSQL cannot store in "
              + type;
    }

    /**
     * The index of the first escape <code>&#92;u0000</code>'s backslash, or -1. Each backslash is
     * counted once: the run counted back from one occurrence ends after the previous one's {@code
     * u}.
     */
    static int nulEscape(String json) {
      for (int at = json.indexOf(ESCAPE); at >= 0; at = json.indexOf(ESCAPE, at + 1)) {
        int backslashes = 1;
        while (at - backslashes >= 0 && json.charAt(at - backslashes) == '\\') {
          backslashes++;
        }
        if (backslashes % 2 == 1) {
          return at;
        }
      }
      return -1;
    }
  }

  /** The predicate of {@link Scd2PostgresTable#rejectUnwritable}: true, or throws the reason. */
  static final class WritableCheck<T> implements FilterFunction<Change<T>> {
    private static final long serialVersionUID = 1L;

    private final Scd2PostgresTable<T> table;
    private final KeySelector<T, String> key;

    WritableCheck(Scd2PostgresTable<T> table, KeySelector<T, String> key) {
      this.table = table;
      this.key = key;
    }

    @Override
    public boolean filter(Change<T> change) throws Exception {
      String value = key.getKey(change.value());
      if (value == null) {
        return true; // the SCD2 step makes it a dead letter, saying the key is missing
      }
      RowKind kind = change.kind();
      String why =
          kind == RowKind.INSERT || kind == RowKind.UPDATE_AFTER
              ? table.whyUnwritable(value, change.value())
              : table.whyKeyUnwritable(value);
      if (why != null) {
        throw new IllegalArgumentException(why);
      }
      return true;
    }
  }
}
