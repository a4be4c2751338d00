package dev.etlkit.scd.internal;

import dev.etlkit.scd.Scd2Row;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;

/**
 * One version of a key's history as a replay derives it; {@link #validTo} is {@link #OPEN} for the
 * version in force at the end.
 */
@Internal
public final class Version<T> {

  /** validTo of an open-ended version. */
  public static final long OPEN = Long.MAX_VALUE;

  public final long validFrom;
  public final long validTo;
  public final long number;
  @Nullable public final T row;
  public final boolean deleted;

  Version(long validFrom, long validTo, long number, @Nullable T row, boolean deleted) {
    this.validFrom = validFrom;
    this.validTo = validTo;
    this.number = number;
    this.row = row;
    this.deleted = deleted;
  }

  public boolean isOpen() {
    return validTo == OPEN;
  }

  /** The output row of this version of {@code key}; an open end becomes {@code validToCurrent}. */
  public Scd2Row<T> toRow(String key, @Nullable Long validToCurrent) {
    return toRow(key, validToCurrent, validFrom, validTo, number, row, deleted);
  }

  /** The output row of a version of {@code key} given by its fields. */
  static <T> Scd2Row<T> toRow(
      String key,
      @Nullable Long validToCurrent,
      long validFrom,
      long validTo,
      long number,
      @Nullable T row,
      boolean deleted) {
    boolean open = validTo == OPEN;
    long end = open ? (validToCurrent == null ? 0L : validToCurrent) : validTo;
    return Scd2Row.ofMillis(
        key, row, validFrom, end, !open || validToCurrent != null, open, number, deleted);
  }

  /** Same interval, number, flag and attributes (by {@link Columns#sameRow}). */
  boolean sameAs(Version<T> other, Columns<T> columns) {
    return validFrom == other.validFrom
        && validTo == other.validTo
        && number == other.number
        && deleted == other.deleted
        && (row == other.row || columns.sameRow(row, other.row));
  }

  @Override
  public String toString() {
    return "v"
        + number
        + "["
        + validFrom
        + ", "
        + (isOpen() ? "open" : String.valueOf(validTo))
        + ")"
        + (deleted ? " deleted" : "")
        + " "
        + row;
  }
}
