package dev.etlkit.scd;

import static dev.etlkit.scd.Brief.brief;
import static dev.etlkit.scd.Brief.customer;
import static dev.etlkit.scd.Brief.day;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.testkit.StateBackendKind;
import java.time.Duration;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The documented blind spot of 16098b9 (a change before a pruned key's prune point is late), found
 * by a second review on 2026-11-24 and pinned here so that a fix shows. KeyHistory.mayHavePruned
 * takes a key for one that never pruned when its base is the start of the history and a change is
 * kept at its prune point. A prune to the candidate base gives exactly that when the key pruned
 * only a delete that found nothing in force: the prune point is the candidate's change time (a kept
 * change) and the candidate position is the start. docs/scd2.md and Scd2Step#withLatenessHorizon
 * promise that after a restore with a longer horizon "a change older than what the key kept is
 * therefore late as well ... the history left alone"; here it is spliced onto the base as if the
 * pruned delete never happened, and the history it writes is wrong (the pruned delete at d1 would
 * have closed the spliced version there, not at d3). Telling this key apart needs a "pruned" mark
 * in the key's state (a state format change): docs/scd2.md states the case. It needs a restore with
 * a longer horizon, a key whose only pruned changes were deletes of nothing, and a change older
 * than them.
 */
class Scd2PrunePointBlindSpotTest {

  private static final Scd2Harnesses.Recipe<Change<Customer>, Customer> SHORT =
      Scd2Harnesses.of(
          Scd2Test.customers().withLatenessHorizon(Duration.ofDays(2)), Scd2Test.CHANGES);
  private static final Scd2Harnesses.Recipe<Change<Customer>, Customer> LONG =
      Scd2Harnesses.of(
          Scd2Test.customers().withLatenessHorizon(Duration.ofDays(30)), Scd2Test.CHANGES);

  private static Customer at(String segment, Duration afterDay1) {
    return new Customer("c1", segment, "555", day(1).plus(afterDay1));
  }

  @ParameterizedTest
  @EnumSource(
      value = StateBackendKind.class,
      names = {"HEAP", "ROCKSDB"})
  void changeBeforeThePrunePoint_ofAKeyThatPrunedOnlyADeleteOfNothing_isSpliced_asDocumented(
      StateBackendKind backend) throws Exception {
    OperatorSubtaskState state;
    try (var h = SHORT.open(backend)) {
      h.processElement(Change.delete(customer("c1", "a", "555", 1))); // nothing to delete
      h.processElement(Change.insert(customer("c1", "b", "555", 3))); // candidate base: the start
      h.processElement(Change.updateAfter(at("c", Duration.ofHours(84)))); // d4 12:00
      // d6 + 1h: prunes to the candidate at d3 (the delete at d1 is removed)
      h.processElement(Change.updateAfter(at("d", Duration.ofHours(121))));
      assertThat(h.output()).hasSize(7);
      state = h.snapshot();
    }
    try (var h = LONG.harness().on(backend).restore(state)) {
      // within the new 30-day horizon, before the pruned delete at d1
      Change<Customer> old = Change.insert(at("x", Duration.ofHours(-12)));
      h.processElement(old);

      // Spliced onto the base as if the pruned delete at d1 had not closed x there.
      assertThat(brief(h.output()))
          .as("the blind spot: spliced, not late")
          .contains("+I c1 v1 [2023-12-31T12:00:00Z,d3) x/555");
      assertThat(h.sideOutput(Scd2Harnesses.lateTag(Scd2Test.CHANGES))).isEmpty();
      assertThat(LONG.function().lateCount()).isZero();
    }
  }
}
