package dev.etlkit.operators.normalize.internal;

import java.util.Arrays;
import org.apache.flink.annotation.Internal;
import org.apache.flink.types.RowKind;

/**
 * Batch mode: finds an order of one key's records that share a timestamp in which {@link
 * ChangelogRules} accept every one, starting from the key's status before them. Batch mode's sort
 * gives such records in no defined order (an update's {@code -U} and {@code +U} share one), so the
 * check judges them by what the mode defines, the order of timestamps.
 *
 * <p>A depth-first search that tries the records in arrival order first (a group that already comes
 * in a valid order costs one pass), remembering the states it found hopeless: a state is the set of
 * records applied and the last one, which alone gives the status ({@link ChangelogRules#apply} of a
 * valid record does not depend on the status before it). Groups of up to {@link #MAX_SEARCHED}
 * records are searched: at most 2^10 * 11 states of 10 steps each, so a group that no order can
 * pass costs at most about 10^5 rule checks. One instance per subtask, reused for every group: it
 * allocates nothing per group.
 */
@Internal
public final class ChangelogGroupOrder {

  /** The largest group searched for an order; a larger group is applied in arrival order. */
  public static final int MAX_SEARCHED = 10;

  private final boolean full;
  private final RowKind[] kinds = new RowKind[MAX_SEARCHED];
  private final long[] rowHashes = new long[MAX_SEARCHED];
  private final long[] legacyRowHashes = new long[MAX_SEARCHED];
  private final int[] order = new int[MAX_SEARCHED];

  /** One bit per search state (applied set, last record applied or none): found hopeless. */
  private final long[] hopeless = new long[((1 << MAX_SEARCHED) * (MAX_SEARCHED + 1) + 63) / 64];

  private int size;

  /**
   * Whether the search under way accepts an order that leaves a {@code -U} waiting for its {@code
   * +U}.
   */
  private boolean mayEndPending;

  /** A search under the rules of a full changelog if {@code full} (rule 4), else rules 1 to 3. */
  public ChangelogGroupOrder(boolean full) {
    this.full = full;
  }

  /** Empties the group. */
  public void clear() {
    size = 0;
  }

  /**
   * Adds the group's next record in arrival order.
   *
   * @param rowHash as {@link ChangelogRules#check} takes it
   * @param legacyRowHash as {@link ChangelogRules#check} takes it, for the status the search starts
   *     from
   * @throws IllegalStateException if the group holds {@link #MAX_SEARCHED} records already
   */
  public void add(RowKind kind, long rowHash, long legacyRowHash) {
    if (size == MAX_SEARCHED) {
      throw new IllegalStateException(
          "a group searched holds at most " + MAX_SEARCHED + " records");
    }
    kinds[size] = kind;
    rowHashes[size] = rowHash;
    legacyRowHashes[size] = legacyRowHash;
    size++;
  }

  /** The records added since {@link #clear}. */
  public int size() {
    return size;
  }

  /**
   * Whether some order of the group breaks no rule, starting from {@code status}; if so, {@link
   * #at} gives it. An order that leaves no {@code -U} waiting for its {@code +U} wins (a changelog
   * gives an update's two records one timestamp; where an upsert lets a group pass in an order that
   * ends waiting, the next group of the key would be misread); among those, arrival order where it
   * is valid, else the first one found trying the earlier records first. An order that ends waiting
   * is taken only where there is no other.
   */
  public boolean find(long status) {
    return search(status, false) || search(status, true);
  }

  private boolean search(long status, boolean mayEndPending) {
    this.mayEndPending = mayEndPending;
    int states = (1 << size) * (size + 1);
    Arrays.fill(hopeless, 0, (states + 63) / 64, 0L);
    return search(0, -1, status, 0);
  }

  /** The arrival index of the record at {@code position} of the order {@link #find} found. */
  public int at(int position) {
    return order[position];
  }

  private boolean search(int applied, int last, long status, int depth) {
    if (depth == size) {
      return mayEndPending || !ChangelogRules.pendingUpdateAfter(status);
    }
    int state = applied * (size + 1) + last + 1;
    if ((hopeless[state >>> 6] & (1L << state)) != 0) {
      return false;
    }
    for (int i = 0; i < size; i++) {
      if ((applied & (1 << i)) == 0
          && ChangelogRules.check(status, kinds[i], rowHashes[i], legacyRowHashes[i], full)
              == ChangelogRules.Violation.NONE) {
        order[depth] = i;
        long after = ChangelogRules.apply(status, kinds[i], rowHashes[i], full);
        if (search(applied | (1 << i), i, after, depth + 1)) {
          return true;
        }
      }
    }
    hopeless[state >>> 6] |= 1L << state;
    return false;
  }
}
