package dev.etlkit.testkit;

import dev.etlkit.core.Change;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.types.RowKind;

/**
 * Applies a changelog to an empty keyed table and returns the final table, checking on the way that
 * the changelog is well formed. The table a sink with the same key would hold at the end.
 *
 * <ul>
 *   <li>{@code +I} adds a row; its key must not be live ("duplicate INSERT").
 *   <li>{@code +U} upserts a row (live or not).
 *   <li>{@code -U} and {@code -D} retract the live row of their key; the key must be live and the
 *       retracted value must equal the live row, arrays by their contents ("retraction of unseen
 *       key", "does not match"). A null key is a key like any other. With {@link
 *       #withKeyOnlyDeletes()}, a {@code -D} matches by key alone (key-only tombstones).
 *   <li>{@code -U} must be followed immediately by {@code +U} of the same key.
 * </ul>
 *
 * <pre>{@code
 * Map<String, String> table =
 *     Materializer.<String, String>byKey(ChangelogGenerator::stringKey).materialize(changelog);
 * }</pre>
 *
 * @param <K> key type
 * @param <T> row type
 */
@PublicEvolving
public final class Materializer<K, T> {

  private final Function<? super T, ? extends K> keyFunction;
  private final boolean keyOnlyDeletes;

  private Materializer(Function<? super T, ? extends K> keyFunction, boolean keyOnlyDeletes) {
    this.keyFunction = Objects.requireNonNull(keyFunction, "keyFunction");
    this.keyOnlyDeletes = keyOnlyDeletes;
  }

  /** A materializer keying rows with the given function (the sink's primary key). */
  public static <K, T> Materializer<K, T> byKey(Function<? super T, ? extends K> keyFunction) {
    return new Materializer<>(keyFunction, false);
  }

  /** This materializer, with {@code -D} matching the live row by key only. */
  public Materializer<K, T> withKeyOnlyDeletes() {
    return new Materializer<>(keyFunction, true);
  }

  /**
   * The final table: a new modifiable map from key to live row.
   *
   * @throws IllegalArgumentException naming the first record (by index) that breaks a rule above
   */
  public Map<K, T> materialize(List<? extends Change<T>> changelog) {
    Map<K, T> table = new LinkedHashMap<>();
    Set<K> seen = new HashSet<>();
    K pendingKey = null; // of the UPDATE_BEFORE at pendingIndex, if >= 0; may be null
    int pendingIndex = -1;
    for (int i = 0; i < changelog.size(); i++) {
      Change<T> change = changelog.get(i);
      K key = keyFunction.apply(change.value());
      if (pendingIndex >= 0
          && (change.kind() != RowKind.UPDATE_AFTER || !Objects.equals(pendingKey, key))) {
        throw violation(
            changelog,
            pendingIndex,
            "UPDATE_BEFORE of key "
                + pendingKey
                + " is not followed by an UPDATE_AFTER for the same key; next is #"
                + i
                + " "
                + change);
      }
      pendingKey = null;
      pendingIndex = -1;
      switch (change.kind()) {
        case INSERT:
          if (table.containsKey(key)) {
            throw violation(
                changelog,
                i,
                "duplicate INSERT of live key " + key + " (live: " + table.get(key) + ")");
          }
          table.put(key, change.value());
          break;
        case UPDATE_AFTER:
          table.put(key, change.value());
          break;
        case UPDATE_BEFORE:
          retract(changelog, i, key, table, seen, false);
          pendingKey = key;
          pendingIndex = i;
          break;
        case DELETE:
          retract(changelog, i, key, table, seen, keyOnlyDeletes);
          break;
        default:
          throw violation(changelog, i, "unknown kind " + change.kind());
      }
      seen.add(key);
    }
    if (pendingIndex >= 0) {
      throw violation(
          changelog,
          pendingIndex,
          "UPDATE_BEFORE of key " + pendingKey + " is the last record; no UPDATE_AFTER follows");
    }
    return table;
  }

  private void retract(
      List<? extends Change<T>> changelog,
      int index,
      K key,
      Map<K, T> table,
      Set<K> seen,
      boolean byKeyOnly) {
    T live = table.get(key);
    if (live == null) {
      throw violation(
          changelog,
          index,
          seen.contains(key)
              ? "retraction of key " + key + ", which is not live (already retracted)"
              : "retraction of unseen key " + key);
    }
    T retracted = changelog.get(index).value();
    if (!byKeyOnly && !Objects.deepEquals(live, retracted)) {
      throw violation(
          changelog,
          index,
          "retraction does not match the live row of key " + key + ": live " + live);
    }
    table.remove(key);
  }

  private static IllegalArgumentException violation(
      List<? extends Change<?>> changelog, int index, String reason) {
    return new Violation(
        index, "changelog record #" + index + " " + changelog.get(index) + ": " + reason);
  }

  /** A broken rule, with the index of the record that breaks it (for {@link ChangelogAssert}). */
  static final class Violation extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    final int index;

    Violation(int index, String message) {
      super(message);
      this.index = index;
    }
  }
}
