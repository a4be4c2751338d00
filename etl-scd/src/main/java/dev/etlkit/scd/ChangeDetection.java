package dev.etlkit.scd;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.apache.flink.annotation.PublicEvolving;

/**
 * Which attributes of the entity are tracked by an {@link Scd2} step: a change of a tracked
 * (Type-2) column opens a new version; a change of a {@linkplain Scd2Step#withType1Columns Type-1
 * column} alone overwrites the version in force; a change of any other column alone changes
 * nothing. Like the {@code check} strategy of a dbt snapshot with {@code check_cols}.
 *
 * <pre>{@code
 * ChangeDetection.all()                               // every column (the default)
 * ChangeDetection.only("segment", "country")          // dbt: check_cols: ['segment', 'country']
 * ChangeDetection.allExcept("loadedAt", "sourceFile") // every column but these
 * }</pre>
 *
 * <p>Columns are the fields of the attribute type's Flink type, by name: the fields of a POJO or
 * Java record (Avro specific records included), the named fields of a {@code Row}, {@code f0},
 * {@code f1}, ... of a tuple. Names are checked when the step is applied; an unknown name fails
 * with the list of valid ones. For any other type (a {@code String}, a {@code Long}) only {@link
 * #all()} applies and compares the whole value. Column values are compared with {@code equals}
 * (element-wise for arrays), so the value type does not need an {@code equals} of its own. Every
 * column, tracked or not, must have value equality: when the step is applied, a column that {@code
 * equals} would compare by identity (a class without an {@code equals} of its own, also nested in a
 * record, list or map, or an array inside a record, tuple, list or map) fails with an {@code
 * IllegalArgumentException} naming it, since it would differ on every delivery.
 */
@PublicEvolving
public final class ChangeDetection implements Serializable {
  private static final long serialVersionUID = 1L;

  /** How the tracked columns are chosen. */
  @PublicEvolving
  public enum Kind {
    /** Every column. */
    ALL,
    /** Only the listed columns. */
    ONLY,
    /** Every column but the listed ones. */
    ALL_EXCEPT
  }

  private static final ChangeDetection ALL = new ChangeDetection(Kind.ALL, List.of());

  private final Kind kind;
  private final List<String> columns;

  private ChangeDetection(Kind kind, List<String> columns) {
    this.kind = kind;
    this.columns = columns;
  }

  /** Every column is tracked (the default, dbt's {@code check_cols: all}). */
  public static ChangeDetection all() {
    return ALL;
  }

  /**
   * Only these columns are tracked.
   *
   * @throws IllegalArgumentException if no column is given, or a name is blank or repeated
   */
  public static ChangeDetection only(String... columns) {
    return new ChangeDetection(Kind.ONLY, names("only", columns));
  }

  /**
   * Every column but these is tracked: for audit columns such as a load time, which change with
   * every delivery without the entity changing.
   *
   * @throws IllegalArgumentException if no column is given, or a name is blank or repeated
   */
  public static ChangeDetection allExcept(String... columns) {
    return new ChangeDetection(Kind.ALL_EXCEPT, names("allExcept", columns));
  }

  public Kind kind() {
    return kind;
  }

  /** The listed columns ({@link Kind#ONLY}, {@link Kind#ALL_EXCEPT}); empty for {@link #all()}. */
  public List<String> columns() {
    return columns;
  }

  static List<String> names(String option, String... columns) {
    Objects.requireNonNull(columns, option);
    if (columns.length == 0) {
      throw new IllegalArgumentException(option + " needs at least one column, was none");
    }
    Set<String> seen = new LinkedHashSet<>();
    for (String column : columns) {
      if (column == null || column.isBlank()) {
        throw new IllegalArgumentException(
            option + " column names must not be blank, was '" + column + "'");
      }
      if (!seen.add(column)) {
        throw new IllegalArgumentException(option + " lists column '" + column + "' twice");
      }
    }
    return List.copyOf(new ArrayList<>(seen));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ChangeDetection
        && kind == ((ChangeDetection) o).kind
        && columns.equals(((ChangeDetection) o).columns);
  }

  @Override
  public int hashCode() {
    return Objects.hash(kind, columns);
  }

  @Override
  public String toString() {
    switch (kind) {
      case ONLY:
        return "only(" + String.join(", ", columns) + ")";
      case ALL_EXCEPT:
        return "allExcept(" + String.join(", ", columns) + ")";
      default:
        return "all()";
    }
  }
}
