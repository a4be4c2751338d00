package dev.etlkit.scd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.StepMetrics;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A change whose comparison with the key's history throws (an attribute column whose {@code equals}
 * throws, {@link Tag#POISON}) is bad input like any other: one dead letter with the default error
 * policy, counted, its reason naming the column but not the value. Before, the exception escaped
 * the step and failed the job, again at every restart. The change leaves no output and the key's
 * state as it was, so the key's next changes emit exactly what they would have had it never come:
 * each test feeds a reference step the same changes without it and compares.
 */
class Scd2AttributeEqualsThrowsTest {

  private static Scd2Harnesses.Recipe<Tagged, Tagged> recipe(Duration horizon) {
    return Scd2Harnesses.of(
        Scd2.trackRows("tagged", Tagged::id, EffectiveTime.field(Tagged::at))
            .withChangeDetection(ChangeDetection.allExcept("at", "note", "seq"))
            .withType1Columns("phone")
            .withTieBreak(TieBreak.field(Tagged::seq))
            .withLatenessHorizon(horizon),
        Tagged.TYPE);
  }

  @ParameterizedTest
  @EnumSource(
      value = StateBackendKind.class,
      names = {"HEAP", "ROCKSDB"})
  void inOrderChange_comparedWithTheVersionInForce(StateBackendKind backend) throws Exception {
    assertRejectedAlone(
        backend,
        Duration.ofDays(10),
        List.of(Tagged.of("c1", "a", 1), Tagged.of("c1", "b", 2)),
        Tagged.of("c1", Tag.POISON, 3),
        List.of(Tagged.of("c1", "c", 4), Tagged.of("c1", "d", 3)),
        "tag");
  }

  @ParameterizedTest
  @EnumSource(
      value = StateBackendKind.class,
      names = {"HEAP", "ROCKSDB"})
  void lateChange_splicedIntoTheHistory(StateBackendKind backend) throws Exception {
    assertRejectedAlone(
        backend,
        Duration.ofDays(10),
        List.of(Tagged.of("c1", "a", 1), Tagged.of("c1", "b", 2), Tagged.of("c1", "d", 5)),
        Tagged.of("c1", Tag.POISON, 3),
        List.of(Tagged.of("c1", "c", 3), Tagged.of("c1", "e", 6)),
        "tag");
  }

  /** Before the key's first change: a key that never pruned moves its prune point back for it. */
  @ParameterizedTest
  @EnumSource(
      value = StateBackendKind.class,
      names = {"HEAP", "ROCKSDB"})
  void lateChange_beforeTheKeysFirstChange(StateBackendKind backend) throws Exception {
    assertRejectedAlone(
        backend,
        Duration.ofDays(10),
        List.of(Tagged.of("c1", "b", 5), Tagged.of("c1", "c", 6)),
        Tagged.of("c1", Tag.POISON, 4).withPhone("666"),
        List.of(Tagged.of("c1", "a", 3), Tagged.of("c1", "d", 7)),
        "tag");
  }

  /** A tie with the same sequence: compared with the kept change whole, to tell a redelivery. */
  @ParameterizedTest
  @EnumSource(
      value = StateBackendKind.class,
      names = {"HEAP", "ROCKSDB"})
  void tie_withTheSameSequence(StateBackendKind backend) throws Exception {
    assertRejectedAlone(
        backend,
        Duration.ofDays(10),
        List.of(Tagged.of("c1", "a", 1), Tagged.of("c1", "b", 2)),
        Tagged.of("c1", Tag.POISON, 2),
        List.of(Tagged.of("c1", "c", 2), Tagged.of("c1", "d", 3)),
        "tag");
  }

  /**
   * A tie that wins by its sequence, whose version differs from the one it replaces only in a
   * column neither tracked nor Type 1: the versions before and after it are compared whole.
   */
  @ParameterizedTest
  @EnumSource(
      value = StateBackendKind.class,
      names = {"HEAP", "ROCKSDB"})
  void tie_winningBySequence_comparedWithTheVersionItReplaces(StateBackendKind backend)
      throws Exception {
    assertRejectedAlone(
        backend,
        Duration.ofDays(10),
        List.of(Tagged.of("c1", "a", 1), Tagged.of("c1", "b", 2).withSeq(1)),
        Tagged.of("c1", "b", 2).withSeq(2).withNote(Tag.POISON),
        List.of(Tagged.of("c1", "b", 2).withSeq(2).withNote("fine"), Tagged.of("c1", "c", 3)),
        "note");
  }

  /** The change would prune the key (a one-day horizon): the next one does. */
  @ParameterizedTest
  @EnumSource(
      value = StateBackendKind.class,
      names = {"HEAP", "ROCKSDB"})
  void inOrderChange_thatWouldPrune(StateBackendKind backend) throws Exception {
    assertRejectedAlone(
        backend,
        Duration.ofDays(1),
        List.of(
            Tagged.of("c1", "a", 1),
            Tagged.of("c1", "b", 2),
            Tagged.of("c1", "b", 3).withPhone("666"),
            Tagged.of("c1", "c", 4)),
        Tagged.of("c1", Tag.POISON, 6),
        List.of(Tagged.of("c1", "d", 6), Tagged.of("c1", "e", 5), Tagged.of("c1", "f", 8)),
        "tag");
  }

  /**
   * Feeds {@code before}, {@code bad} and {@code after} to one step and {@code before} and {@code
   * after} to a reference step: {@code bad} is one dead letter naming {@code column}, and
   * everything else is as in the reference.
   */
  private static void assertRejectedAlone(
      StateBackendKind backend,
      Duration horizon,
      List<Tagged> before,
      Tagged bad,
      List<Tagged> after,
      String column)
      throws Exception {
    var recipe = recipe(horizon);
    var reference = recipe(horizon);
    try (OperatorHarness<Tagged, Change<Scd2Row<Tagged>>> h = recipe.open(backend);
        OperatorHarness<Tagged, Change<Scd2Row<Tagged>>> ref = reference.open(backend)) {
      for (Tagged change : before) {
        h.processElement(change);
        ref.processElement(change);
      }
      int emitted = h.output().size();

      h.processElement(bad);

      assertThat(h.output()).as("no output of the rejected change").hasSize(emitted);
      List<DeadLetter> letters = h.sideOutput(Scd2Harnesses.DEAD_LETTERS);
      assertThat(letters).hasSize(1);
      assertThat(letters.get(0).errorClass()).isEqualTo(IllegalArgumentException.class.getName());
      assertThat(letters.get(0).errorMessage())
          .contains("'" + column + "'", IllegalStateException.class.getName())
          .doesNotContain(Tag.POISON);
      assertThat(letters.get(0).payloadAsText()).contains(Tag.POISON);

      for (Tagged change : after) {
        h.processElement(change);
        ref.processElement(change);
      }
      assertThat(ref.output()).as("the changes after it emit").hasSizeGreaterThan(emitted);
      assertThat(Scd2Harnesses.show(h.output()))
          .as("as if the rejected change never came")
          .containsExactlyElementsOf(Scd2Harnesses.show(ref.output()));
      assertThat(h.sideOutput(Scd2Harnesses.DEAD_LETTERS)).hasSize(1);
      assertThat(ref.sideOutput(Scd2Harnesses.DEAD_LETTERS)).isEmpty();
      assertThat(h.sideOutput(Scd2Harnesses.lateTag(Tagged.TYPE)))
          .hasSameSizeAs(ref.sideOutput(Scd2Harnesses.lateTag(Tagged.TYPE)));

      StepMetrics metrics = recipe.function().stepMetrics();
      StepMetrics expected = reference.function().stepMetrics();
      assertThat(metrics.inCount()).isEqualTo(expected.inCount() + 1);
      assertThat(metrics.deadLetteredCount()).isEqualTo(1);
      assertThat(metrics.outCount()).isEqualTo(expected.outCount());
      assertThat(metrics.deduplicatedCount()).isEqualTo(expected.deduplicatedCount());
      assertThat(metrics.filteredCount()).isEqualTo(expected.filteredCount());
    }
  }
}
