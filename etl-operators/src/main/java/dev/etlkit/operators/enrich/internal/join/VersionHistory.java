package dev.etlkit.operators.enrich.internal.join;

import java.util.Arrays;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;

/**
 * The versions of one key's dimension row for a point-in-time join: times ascending, each with its
 * row, or none for a delete, and whether earlier versions were pruned. Immutable; changes return a
 * new history.
 *
 * <p>The rules:
 *
 * <ul>
 *   <li>the version <b>in force</b> at time {@code t} is the one with the greatest time {@code <=
 *       t}; a version at an existing time replaces it (the later arrival wins);
 *   <li>versions older than the one in force at the <b>horizon</b> (watermark minus allowed
 *       lateness) are dropped when a version is added: facts before the horizon are rejected as
 *       late, facts at or after it need the version in force at the horizon or a newer one;
 *   <li>a history that lost versions to pruning is marked <b>earlier versions pruned</b>, for good:
 *       the version in force before its oldest version is unknown (pruned), where an unmarked
 *       history had none (the row did not exist yet). Histories written before the mark existed
 *       read as unmarked until their next prune.
 * </ul>
 *
 * <p>Kept sorted, so lookups are a binary search whatever order the versions arrived in.
 *
 * @param <D> row type
 */
@Internal
public final class VersionHistory<D> {

  private static final VersionHistory<?> EMPTY =
      new VersionHistory<>(new long[0], new Object[0], false);

  private final long[] times;
  private final Object[] rows;
  private final boolean earlierPruned;

  /**
   * @param earlierPruned whether versions before the first were pruned; only with a version kept
   */
  VersionHistory(long[] times, Object[] rows, boolean earlierPruned) {
    if (times.length != rows.length) {
      throw new IllegalArgumentException("times and rows differ in length");
    }
    if (earlierPruned && times.length == 0) {
      throw new IllegalArgumentException("a pruned history keeps at least one version");
    }
    this.times = times;
    this.rows = rows;
    this.earlierPruned = earlierPruned;
  }

  @SuppressWarnings("unchecked")
  public static <D> VersionHistory<D> empty() {
    return (VersionHistory<D>) EMPTY;
  }

  public int size() {
    return times.length;
  }

  public long time(int index) {
    return times[index];
  }

  /** The row of a version, or null if the version is a delete. */
  @Nullable
  @SuppressWarnings("unchecked")
  public D row(int index) {
    return (D) rows[index];
  }

  /**
   * Whether versions before the first were pruned: then a time before the first version had a
   * version in force that is gone, not none.
   */
  public boolean earlierPruned() {
    return earlierPruned;
  }

  /**
   * The index of the version in force at {@code time}, or -1 if there is none (or it was pruned).
   */
  public int inForce(long time) {
    int i = Arrays.binarySearch(times, time);
    return i >= 0 ? i : -i - 2;
  }

  /**
   * This history with a version added (replacing one at the same time), then pruned at the horizon.
   *
   * @param row the row, or null for a delete
   */
  public VersionHistory<D> with(long time, @Nullable D row, long horizon) {
    int i = Arrays.binarySearch(times, time);
    long[] newTimes;
    Object[] newRows;
    if (i >= 0) {
      newTimes = times.clone();
      newRows = rows.clone();
      newRows[i] = row;
    } else {
      int at = -i - 1;
      newTimes = new long[times.length + 1];
      newRows = new Object[rows.length + 1];
      System.arraycopy(times, 0, newTimes, 0, at);
      System.arraycopy(rows, 0, newRows, 0, at);
      newTimes[at] = time;
      newRows[at] = row;
      System.arraycopy(times, at, newTimes, at + 1, times.length - at);
      System.arraycopy(rows, at, newRows, at + 1, rows.length - at);
    }
    return new VersionHistory<D>(newTimes, newRows, earlierPruned).prunedAt(horizon);
  }

  /**
   * This history without the versions older than the one in force at the horizon, marked {@link
   * #earlierPruned()} if that drops any.
   */
  public VersionHistory<D> prunedAt(long horizon) {
    int first = inForce(horizon);
    if (first <= 0) {
      return this;
    }
    return new VersionHistory<>(
        Arrays.copyOfRange(times, first, times.length),
        Arrays.copyOfRange(rows, first, rows.length),
        true);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof VersionHistory<?> that
        && earlierPruned == that.earlierPruned
        && Arrays.equals(times, that.times)
        && Arrays.equals(rows, that.rows);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * Arrays.hashCode(times) + Arrays.hashCode(rows))
        + Boolean.hashCode(earlierPruned);
  }

  @Override
  public String toString() {
    StringBuilder sb =
        new StringBuilder("VersionHistory[").append(earlierPruned ? "earlier pruned, " : "");
    for (int i = 0; i < times.length; i++) {
      sb.append(i == 0 ? "" : ", ").append(times[i]).append(rows[i] == null ? ":deleted" : "");
    }
    return sb.append(']').toString();
  }
}
