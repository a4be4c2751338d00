package dev.etlkit.scd;

import dev.etlkit.core.Change;
import dev.etlkit.testkit.Materializer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import javax.annotation.Nullable;

/**
 * The invariants every SCD2 history must hold, checked per key on a materialized output (or any set
 * of version rows, such as a database table read back):
 *
 * <ul>
 *   <li>{@code validFrom < validTo} for every closed version; the current version's validTo is null
 *       (or the configured sentinel) and only the current one's;
 *   <li>consecutive versions never overlap, and leave no gap unless the earlier one was closed by a
 *       delete ({@code INVALIDATE} only: with {@code NEW_RECORD} the delete marker fills it);
 *   <li>exactly one current version, and it is the last one, unless the key was deleted ({@code
 *       INVALIDATE}: then none); append output holds no current versions at all;
 *   <li>version numbers count 1, 2, 3, ... in validity order; version ids are {@link
 *       Scd2Row#versionIdOf} of key and validFrom;
 *   <li>delete markers only under {@code NEW_RECORD}, never two in a row, carrying the attributes
 *       of the version before them.
 * </ul>
 *
 * <pre>{@code
 * Scd2Invariants.of(HardDeletes.INVALIDATE, Scd2Output.RETRACT, null).check(rows);
 * Map<String, Scd2Row<T>> table = Scd2Invariants.materialize(output); // by (key, validFrom)
 * }</pre>
 */
public final class Scd2Invariants {

  private final HardDeletes hardDeletes;
  private final Scd2Output output;
  @Nullable private final Instant validToCurrent;

  private Scd2Invariants(
      HardDeletes hardDeletes, Scd2Output output, @Nullable Instant validToCurrent) {
    this.hardDeletes = hardDeletes;
    this.output = output;
    this.validToCurrent = validToCurrent;
  }

  /** The invariants for a step with these options. */
  public static Scd2Invariants of(
      HardDeletes hardDeletes, Scd2Output output, @Nullable Instant validToCurrent) {
    return new Scd2Invariants(hardDeletes, output, validToCurrent);
  }

  /** The key of a version in a materialized table: {@code key@validFromMillis}. */
  public static String versionKey(Scd2Row<?> row) {
    return row.key() + "@" + row.validFromMillis();
  }

  /**
   * The table a step's output materializes to, keyed by {@link #versionKey}: with the testkit's
   * {@link Materializer} rules, so a malformed changelog (a {@code -U} of a row not live, an insert
   * of a live version) fails here.
   */
  public static <T> Map<String, Scd2Row<T>> materialize(List<Change<Scd2Row<T>>> output) {
    return Materializer.<String, Scd2Row<T>>byKey(Scd2Invariants::versionKey).materialize(output);
  }

  /**
   * Checks every invariant on the rows.
   *
   * @throws AssertionError naming the key, the rule and the rows
   */
  public <T> void check(Collection<Scd2Row<T>> rows) {
    Map<String, List<Scd2Row<T>>> byKey = new TreeMap<>();
    for (Scd2Row<T> row : rows) {
      byKey.computeIfAbsent(row.key(), k -> new ArrayList<>()).add(row);
    }
    for (Map.Entry<String, List<Scd2Row<T>>> entry : byKey.entrySet()) {
      List<Scd2Row<T>> versions = entry.getValue();
      versions.sort(Comparator.comparingLong(Scd2Row::validFromMillis));
      checkKey(entry.getKey(), versions);
    }
  }

  private <T> void checkKey(String key, List<Scd2Row<T>> versions) {
    int current = 0;
    for (int i = 0; i < versions.size(); i++) {
      Scd2Row<T> v = versions.get(i);
      require(v.version() == i + 1, key, "version numbers count 1, 2, 3, ...", versions);
      require(
          v.versionId().equals(Scd2Row.versionIdOf(key, v.validFrom())),
          key,
          "version id is md5(key|validFrom)",
          versions);
      boolean openEnd = Objects.equals(v.validTo(), validToCurrent);
      require(v.isCurrent() == openEnd, key, "current exactly when validTo is open", versions);
      if (v.isCurrent()) {
        current++;
        require(i == versions.size() - 1, key, "the current version is the last one", versions);
      } else {
        require(
            v.validTo() != null && v.validFromMillis() < v.validToMillis(),
            key,
            "validFrom < validTo",
            versions);
      }
      if (v.isDeleted()) {
        require(
            hardDeletes == HardDeletes.NEW_RECORD,
            key,
            "delete markers only with NEW_RECORD",
            versions);
        require(i > 0 || output == Scd2Output.APPEND, key, "a marker follows a version", versions);
        if (i > 0) {
          require(!versions.get(i - 1).isDeleted(), key, "no two markers in a row", versions);
          require(
              Objects.deepEquals(versions.get(i - 1).value(), v.value()),
              key,
              "a marker carries the attributes of the version it closed",
              versions);
        }
      }
      if (i > 0) {
        Scd2Row<T> previous = versions.get(i - 1);
        require(
            previous.validToMillis() != null && previous.validToMillis() <= v.validFromMillis(),
            key,
            "versions never overlap",
            versions);
        require(
            previous.validToMillis() == v.validFromMillis()
                || hardDeletes == HardDeletes.INVALIDATE,
            key,
            "no gap between versions unless a delete",
            versions);
      }
    }
    if (output == Scd2Output.APPEND) {
      require(current == 0, key, "append output holds no current version", versions);
    } else if (hardDeletes == HardDeletes.INVALIDATE) {
      require(current <= 1, key, "at most one current version", versions);
      if (current == 0) {
        require(!versions.isEmpty(), key, "a key has versions", versions);
      }
    } else {
      require(current == 1, key, "exactly one current version", versions);
    }
  }

  private static void require(boolean holds, String key, String rule, List<?> versions) {
    if (!holds) {
      StringBuilder shown = new StringBuilder();
      for (Object v : versions) {
        shown.append("\n  ").append(v);
      }
      throw new AssertionError("SCD2 invariant broken for key " + key + ": " + rule + shown);
    }
  }
}
