package dev.etlkit.operators.normalize.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.apache.flink.types.RowKind;
import org.junit.jupiter.api.Test;

/** The search for an order of batch mode's records that share a timestamp, in plain Java. */
class ChangelogGroupOrderTest {

  /** A row's hash: distinct above the two status bits. */
  private static long row(int version) {
    return (long) version << 8;
  }

  /** The status of a full changelog's key live with {@code version}. */
  private static long liveWith(int version) {
    return ChangelogRules.apply(0L, RowKind.INSERT, row(version), true);
  }

  private static List<Integer> order(ChangelogGroupOrder search) {
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < search.size(); i++) {
      order.add(search.at(i));
    }
    return order;
  }

  private static ChangelogGroupOrder full(Object... kindsAndVersions) {
    ChangelogGroupOrder search = new ChangelogGroupOrder(true);
    for (int i = 0; i < kindsAndVersions.length; i += 2) {
      search.add((RowKind) kindsAndVersions[i], row((Integer) kindsAndVersions[i + 1]), 0L);
    }
    return search;
  }

  /** The status after the records in the order found, asserting the rules accept each. */
  private static long replay(
      ChangelogGroupOrder search, RowKind[] kinds, long[] rows, long status) {
    for (int i = 0; i < search.size(); i++) {
      int record = search.at(i);
      assertThat(ChangelogRules.check(status, kinds[record], rows[record], 0L, true))
          .isEqualTo(ChangelogRules.Violation.NONE);
      status = ChangelogRules.apply(status, kinds[record], rows[record], true);
    }
    return status;
  }

  @Test
  void validArrivalOrder_isKept() {
    ChangelogGroupOrder search =
        full(RowKind.UPDATE_BEFORE, 1, RowKind.UPDATE_AFTER, 2, RowKind.DELETE, 2);

    assertThat(search.find(liveWith(1))).isTrue();
    assertThat(order(search)).containsExactly(0, 1, 2);
  }

  @Test
  void updateAfterBeforeItsUpdateBefore_isOrdered() {
    ChangelogGroupOrder search = full(RowKind.UPDATE_AFTER, 2, RowKind.UPDATE_BEFORE, 1);

    assertThat(search.find(liveWith(1))).isTrue();
    assertThat(order(search)).containsExactly(1, 0);
  }

  @Test
  void chainOfUpdates_shuffled_isOrderedByItsRows() {
    // v1 -> v2 -> v3 -> v4, then a delete, arriving mixed up
    ChangelogGroupOrder search =
        full(
            RowKind.UPDATE_AFTER, 4,
            RowKind.DELETE, 4,
            RowKind.UPDATE_BEFORE, 2,
            RowKind.UPDATE_AFTER, 2,
            RowKind.UPDATE_BEFORE, 3,
            RowKind.UPDATE_BEFORE, 1,
            RowKind.UPDATE_AFTER, 3);

    assertThat(search.find(liveWith(1))).isTrue();
    assertThat(order(search)).containsExactly(5, 3, 2, 6, 4, 0, 1);
  }

  @Test
  void orderLeavingAnUpdateBeforeWaiting_onlyWhereThereIsNoOther() {
    // after -U1 +U4 -D4 the upserts +U2 -U2 +U3 -U3 pass too, but leave -U3 waiting
    ChangelogGroupOrder ambiguous =
        full(
            RowKind.UPDATE_AFTER, 4,
            RowKind.DELETE, 4,
            RowKind.UPDATE_BEFORE, 1,
            RowKind.UPDATE_AFTER, 2,
            RowKind.UPDATE_BEFORE, 2,
            RowKind.UPDATE_AFTER, 3,
            RowKind.UPDATE_BEFORE, 3);
    ChangelogGroupOrder waiting =
        full(RowKind.UPDATE_AFTER, 2, RowKind.UPDATE_BEFORE, 1, RowKind.UPDATE_BEFORE, 2);

    assertThat(ambiguous.find(liveWith(1))).isTrue();
    assertThat(order(ambiguous)).containsExactly(2, 3, 4, 5, 6, 0, 1);
    assertThat(waiting.find(liveWith(1))).isTrue();
    assertThat(order(waiting)).containsExactly(1, 0, 2);
  }

  @Test
  void insertAfterTheDeleteOfTheKey_notFull_isOrdered() {
    ChangelogGroupOrder search = new ChangelogGroupOrder(false);
    search.add(RowKind.INSERT, 0L, 0L);
    search.add(RowKind.DELETE, 0L, 0L);

    assertThat(search.find(ChangelogRules.apply(0L, RowKind.INSERT, 0L, false))).isTrue();
    assertThat(order(search)).containsExactly(1, 0);
  }

  @Test
  void duplicateInsert_hasNoValidOrder() {
    ChangelogGroupOrder search = full(RowKind.INSERT, 1, RowKind.INSERT, 1);

    assertThat(search.find(0L)).isFalse();
  }

  @Test
  void validUpdateMixedWithARetractionOfAnotherRow_hasNoValidOrder() {
    // the -U of v9 is a real violation whatever the order: the group is applied as it came
    ChangelogGroupOrder search =
        full(RowKind.UPDATE_AFTER, 2, RowKind.UPDATE_BEFORE, 1, RowKind.UPDATE_BEFORE, 9);

    assertThat(search.find(liveWith(1))).isFalse();
  }

  @Test
  void theStatusBeforeTheGroupCounts() {
    ChangelogGroupOrder search = full(RowKind.UPDATE_AFTER, 2, RowKind.UPDATE_BEFORE, 1);

    assertThat(search.find(liveWith(7))).isFalse();
    assertThat(search.find(0L)).isFalse(); // +U of a key not live is an upsert, then -U of v1
    assertThat(search.find(liveWith(1))).isTrue();
  }

  @Test
  void searchedAgain_afterClear_startsAfresh() {
    ChangelogGroupOrder search = full(RowKind.INSERT, 1, RowKind.INSERT, 1);
    assertThat(search.find(0L)).isFalse();

    search.clear();
    search.add(RowKind.UPDATE_AFTER, row(2), 0L);
    search.add(RowKind.UPDATE_BEFORE, row(1), 0L);

    assertThat(search.find(liveWith(1))).isTrue();
    assertThat(order(search)).containsExactly(1, 0);
  }

  @Test
  void largestGroup_chainOfFiveUpdatesReversed_isOrdered() {
    RowKind[] kinds = new RowKind[ChangelogGroupOrder.MAX_SEARCHED];
    long[] rows = new long[ChangelogGroupOrder.MAX_SEARCHED];
    for (int v = 5, i = 0; v >= 1; v--, i += 2) {
      kinds[i] = RowKind.UPDATE_AFTER;
      rows[i] = row(v + 1);
      kinds[i + 1] = RowKind.UPDATE_BEFORE;
      rows[i + 1] = row(v);
    }
    ChangelogGroupOrder search = new ChangelogGroupOrder(true);
    for (int i = 0; i < kinds.length; i++) {
      search.add(kinds[i], rows[i], 0L);
    }

    assertThat(search.find(liveWith(1))).isTrue();
    // -U1 +U2 ... -U5 +U6, or the same updates in another valid order (-U1 +U5 -U5 +U4 ...):
    // where records share a timestamp, batch mode defines none
    assertThat(replay(search, kinds, rows, liveWith(1))).isEqualTo(liveWith(6));
  }

  @Test
  void largestGroup_withManyPartialOrdersButNoValidOne_isRefused() {
    // nine upserts pass in any order (9! partial orders), the INSERT of the live key never: the
    // memo of hopeless states keeps this to 2^10 * 11 states
    ChangelogGroupOrder search = new ChangelogGroupOrder(false);
    for (int i = 0; i < ChangelogGroupOrder.MAX_SEARCHED - 1; i++) {
      search.add(RowKind.UPDATE_AFTER, 0L, 0L);
    }
    search.add(RowKind.INSERT, 0L, 0L);

    assertThat(search.find(ChangelogRules.apply(0L, RowKind.INSERT, 0L, false))).isFalse();
  }

  @Test
  void groupPastTheLargest_isRefused() {
    ChangelogGroupOrder search = new ChangelogGroupOrder(true);
    for (int i = 0; i < ChangelogGroupOrder.MAX_SEARCHED; i++) {
      search.add(RowKind.UPDATE_AFTER, row(i), 0L);
    }

    assertThatThrownBy(() -> search.add(RowKind.UPDATE_AFTER, row(99), 0L))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("a group searched holds at most 10 records");
  }

  /**
   * The memo of hopeless states keys a state by its last record: sound only while the status after
   * a valid record depends on that record alone.
   */
  @Test
  void statusAfterAValidRecord_dependsOnTheRecordAlone() {
    long[] statuses = {0L, liveWith(1), liveWith(2), ChangelogRules.PENDING_UPDATE_AFTER, 1L};
    for (boolean full : new boolean[] {false, true}) {
      for (RowKind kind : RowKind.values()) {
        long first = ChangelogRules.apply(statuses[0], kind, row(3), full);
        for (long status : statuses) {
          assertThat(ChangelogRules.apply(status, kind, row(3), full)).isEqualTo(first);
        }
      }
    }
  }
}
