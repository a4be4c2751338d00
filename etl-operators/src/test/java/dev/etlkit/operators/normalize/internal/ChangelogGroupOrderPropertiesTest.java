package dev.etlkit.operators.normalize.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.apache.flink.types.RowKind;

/**
 * The search of batch mode's groups against every permutation of small groups: it finds an order
 * exactly when one exists, the order it finds passes every rule, it leaves no {@code -U} waiting
 * where some valid order does not, and it keeps a valid arrival order that leaves none waiting.
 */
class ChangelogGroupOrderPropertiesTest {

  /** One record of a group: its kind and the version of its row (the row's hash). */
  record Item(RowKind kind, int version) {}

  /** A group, the key's status before it and whether the rules of a full changelog apply. */
  record Group(List<Item> items, int liveVersion, boolean full) {
    /** The key's status before the group: not live (version 0) or live with a row. */
    long status() {
      return liveVersion == 0
          ? 0L
          : ChangelogRules.apply(0L, RowKind.INSERT, row(liveVersion), full);
    }
  }

  private static long row(int version) {
    return (long) version << 8;
  }

  @Provide
  Arbitrary<Group> groups() {
    Arbitrary<Item> item =
        Combinators.combine(
                Arbitraries.of(
                    RowKind.INSERT, RowKind.UPDATE_BEFORE, RowKind.UPDATE_AFTER, RowKind.DELETE),
                Arbitraries.integers().between(1, 3))
            .as(Item::new);
    return Combinators.combine(
            item.list().ofMinSize(1).ofMaxSize(6),
            Arbitraries.integers().between(0, 3),
            Arbitraries.of(true, false))
        .as(Group::new);
  }

  @Property(tries = 400)
  void search_agreesWithEveryPermutation(@ForAll("groups") Group group) {
    ChangelogGroupOrder search = new ChangelogGroupOrder(group.full());
    for (Item item : group.items()) {
      search.add(item.kind(), group.full() ? row(item.version()) : 0L, 0L);
    }
    Outcomes all = new Outcomes();
    permute(group, new ArrayList<>(), new boolean[group.items().size()], all);

    boolean found = search.find(group.status());

    assertThat(found).as("an order is found exactly when one exists").isEqualTo(all.valid > 0);
    if (found) {
      List<Integer> order = new ArrayList<>();
      for (int i = 0; i < search.size(); i++) {
        order.add(search.at(i));
      }
      assertThat(order).as("a permutation").containsExactlyInAnyOrderElementsOf(identity(group));
      Long end = replay(group, order);
      assertThat(end).as("every record of the order found passes the rules").isNotNull();
      if (all.validEndingSettled > 0) {
        assertThat(ChangelogRules.pendingUpdateAfter(end))
            .as("no -U left waiting where some valid order leaves none")
            .isFalse();
      }
      Long arrival = replay(group, identity(group));
      if (arrival != null && !ChangelogRules.pendingUpdateAfter(arrival)) {
        assertThat(order).as("a valid arrival order is kept").isEqualTo(identity(group));
      }
    }
  }

  /** How many permutations pass every rule, and how many of those leave no {@code -U} waiting. */
  private static final class Outcomes {
    int valid;
    int validEndingSettled;
  }

  private static void permute(Group group, List<Integer> prefix, boolean[] used, Outcomes all) {
    int n = group.items().size();
    if (prefix.size() == n) {
      Long end = replay(group, prefix);
      if (end != null) {
        all.valid++;
        if (!ChangelogRules.pendingUpdateAfter(end)) {
          all.validEndingSettled++;
        }
      }
      return;
    }
    for (int i = 0; i < n; i++) {
      if (!used[i]) {
        used[i] = true;
        prefix.add(i);
        permute(group, prefix, used, all);
        prefix.remove(prefix.size() - 1);
        used[i] = false;
      }
    }
  }

  /** The status after the records in {@code order}, or null if the rules reject one. */
  private static Long replay(Group group, List<Integer> order) {
    long status = group.status();
    for (int index : order) {
      Item item = group.items().get(index);
      long hash = group.full() ? row(item.version()) : 0L;
      if (ChangelogRules.check(status, item.kind(), hash, 0L, group.full())
          != ChangelogRules.Violation.NONE) {
        return null;
      }
      status = ChangelogRules.apply(status, item.kind(), hash, group.full());
    }
    return status;
  }

  private static List<Integer> identity(Group group) {
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < group.items().size(); i++) {
      order.add(i);
    }
    return order;
  }
}
