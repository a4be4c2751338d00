package dev.etlkit.testkit;

import dev.etlkit.core.Change;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.types.RowKind;
import org.assertj.core.api.AbstractAssert;

/**
 * AssertJ assertions on a changelog ({@code List<Change<T>>}), usually the output of an operator in
 * a harness. The rules a changelog must follow are {@link Materializer}'s.
 *
 * <pre>{@code
 * assertThatChangelog(CHANGELOG)
 *     .materializesTo(Map.of("k1", "k1#v2", "k3", "k3#v1"), ChangelogGenerator::stringKey)
 *     .materializesTo(List.of("k3#v1", "k1#v2"), ChangelogGenerator::stringKey);
 * }</pre>
 *
 * @param <T> row type
 */
@PublicEvolving
public final class ChangelogAssert<T> extends AbstractAssert<ChangelogAssert<T>, List<Change<T>>> {

  /** Records listed in a failure message at most. */
  private static final int MAX_LISTED = 40;

  /** Records listed after the failing one, when a failure names one. */
  private static final int LISTED_AFTER = 5;

  private boolean keyOnlyDeletes;

  private ChangelogAssert(List<Change<T>> actual) {
    super(actual, ChangelogAssert.class);
  }

  /** Starts assertions on the changelog. */
  public static <T> ChangelogAssert<T> assertThatChangelog(List<Change<T>> actual) {
    return new ChangelogAssert<>(actual);
  }

  /** Lets {@code -D} records retract the live row by key alone (key-only tombstones). */
  public ChangelogAssert<T> withKeyOnlyDeletes() {
    keyOnlyDeletes = true;
    return myself;
  }

  /** The changelog is well formed (see {@link Materializer}) under the given key. */
  public <K> ChangelogAssert<T> isWellFormed(Function<? super T, ? extends K> keyFunction) {
    materialize(keyFunction);
    return myself;
  }

  /**
   * The changelog is well formed and its final table is exactly {@code expected}: the same keys,
   * each with an equal row (arrays by their contents, as {@link Materializer} compares them).
   */
  public <K> ChangelogAssert<T> materializesTo(
      Map<K, T> expected, Function<? super T, ? extends K> keyFunction) {
    Objects.requireNonNull(expected, "expected");
    Map<K, T> table = materialize(keyFunction);
    if (!sameTable(expected, table)) {
      failWithMessage(
          "%s",
          "Expecting the changelog to materialize to\n  "
              + text(expected)
              + "\nbut it materialized to\n  "
              + text(table)
              + "\ndifferences:\n"
              + differences(expected, table)
              + listing());
    }
    return myself;
  }

  /**
   * The changelog is well formed and its final table holds exactly the {@code expected} rows, in
   * any order.
   *
   * @throws IllegalArgumentException if two expected rows have the same key
   */
  public <K> ChangelogAssert<T> materializesTo(
      Collection<T> expected, Function<? super T, ? extends K> keyFunction) {
    Objects.requireNonNull(expected, "expected");
    Map<K, T> expectedTable = new LinkedHashMap<>();
    for (T row : expected) {
      K key = keyFunction.apply(row);
      if (expectedTable.put(key, row) != null) {
        throw new IllegalArgumentException("expected rows have the key " + key + " twice");
      }
    }
    return materializesTo(expectedTable, keyFunction);
  }

  /** Every record has one of the given kinds (for example no {@code -U} in an upsert stream). */
  public ChangelogAssert<T> containsOnlyKinds(RowKind... kinds) {
    isNotNull();
    Set<RowKind> allowed = EnumSet.noneOf(RowKind.class);
    allowed.addAll(Arrays.asList(kinds));
    for (int i = 0; i < actual.size(); i++) {
      if (!allowed.contains(actual.get(i).kind())) {
        failWithMessage(
            "%s",
            "Expecting only kinds "
                + allowed
                + " but record #"
                + i
                + " is "
                + actual.get(i)
                + listing(i));
      }
    }
    return myself;
  }

  private <K> Map<K, T> materialize(Function<? super T, ? extends K> keyFunction) {
    isNotNull();
    Materializer<K, T> materializer = Materializer.byKey(keyFunction);
    if (keyOnlyDeletes) {
      materializer = materializer.withKeyOnlyDeletes();
    }
    try {
      return materializer.materialize(actual);
    } catch (IllegalArgumentException e) {
      int failing = e instanceof Materializer.Violation v ? v.index : -1;
      failWithMessage("%s", "Malformed changelog: " + e.getMessage() + listing(failing));
      throw new AssertionError("unreachable", e);
    }
  }

  private static <K, T> boolean sameTable(Map<K, T> expected, Map<K, T> actual) {
    if (!expected.keySet().equals(actual.keySet())) {
      return false;
    }
    for (Map.Entry<K, T> e : expected.entrySet()) {
      if (!Objects.deepEquals(e.getValue(), actual.get(e.getKey()))) {
        return false;
      }
    }
    return true;
  }

  /** A table as text, {@code {k1=row, k2=row}}, rows as {@link #text(Object)} prints them. */
  private static String text(Map<?, ?> table) {
    List<String> entries = new ArrayList<>(table.size());
    table.forEach((key, row) -> entries.add(key + "=" + text(row)));
    return "{" + String.join(", ", entries) + "}";
  }

  /** A value as text, an array as its contents ({@code [1, 2]}), as {@code Change} prints it. */
  private static String text(Object value) {
    String text = Arrays.deepToString(new Object[] {value});
    return text.substring(1, text.length() - 1);
  }

  private static <K, T> String differences(Map<K, T> expected, Map<K, T> actual) {
    Set<K> keys = new LinkedHashSet<>(expected.keySet());
    keys.addAll(actual.keySet());
    List<String> lines = new ArrayList<>();
    for (K key : keys) {
      T e = expected.get(key);
      T a = actual.get(key);
      if (!actual.containsKey(key)) {
        lines.add("  key " + key + ": missing, expected " + text(e));
      } else if (!expected.containsKey(key)) {
        lines.add("  key " + key + ": unexpected " + text(a));
      } else if (!Objects.deepEquals(e, a)) {
        lines.add("  key " + key + ": expected " + text(e) + " but was " + text(a));
      }
    }
    return String.join("\n", lines);
  }

  private String listing() {
    return listing(-1);
  }

  /**
   * The changelog, at most {@link #MAX_LISTED} records: the first ones, or when {@code failing} is
   * a record's index, the ones before it, it and a few after it.
   */
  private String listing(int failing) {
    int end = Math.min(actual.size(), failing < 0 ? MAX_LISTED : failing + 1 + LISTED_AFTER);
    int start = Math.max(0, end - MAX_LISTED);
    StringBuilder sb = new StringBuilder("\nchangelog (" + actual.size() + " records):");
    if (start > 0) {
      sb.append("\n  ...");
    }
    for (int i = start; i < end; i++) {
      sb.append("\n  #").append(i).append(' ').append(actual.get(i));
    }
    if (end < actual.size()) {
      sb.append("\n  ...");
    }
    return sb.toString();
  }
}
