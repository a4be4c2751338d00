package dev.etlkit.scd;

import static dev.etlkit.scd.Brief.brief;
import static dev.etlkit.scd.Brief.customer;
import static dev.etlkit.scd.Brief.day;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.core.ErrorPolicy;
import dev.etlkit.core.StepMetrics;
import dev.etlkit.testkit.StateBackendKind;
import org.junit.jupiter.api.Test;

/**
 * Review: inputs the step documents as skipped ({@code -U} on every option, deletes under {@code
 * HardDeletes.IGNORE}) are filtered before anything of them is read. {@link HardDeletes#IGNORE}'s
 * Javadoc: "Deletes are ignored (counted as filtered) ... A delete is dropped before its effective
 * time or sequence is read, so it is never late or a dead letter"; {@link Scd2#trackChangelog}:
 * "{@code -U} changes are skipped (counted as filtered)". A before-image that carries only the
 * primary key (MySQL's {@code binlog_row_image=MINIMAL}, a key-only tombstone) can leave a key
 * selector that reads another column without a key; the step reads the key first and dead-letters
 * such skipped inputs, or fails the job under {@code ErrorPolicy.failJob()}.
 */
class ReviewScd2SkippedInputsTest {

  /** A before-image without the business key column. */
  private static Customer keyless(int day) {
    return new Customer(null, "retail", "555", day(day));
  }

  @Test
  void ignoredDelete_withoutAKey_isFiltered_notADeadLetter() throws Exception {
    var recipe =
        Scd2Harnesses.of(
            Scd2Test.customers().withHardDeletes(HardDeletes.IGNORE), Scd2Test.CHANGES);
    try (var h = recipe.open(StateBackendKind.HEAP)) {
      h.processElement(Change.insert(customer("c1", "retail", "555", 1)));
      h.processElement(Change.delete(keyless(2)));

      assertThat(brief(h.output())).containsExactly("+I c1 v1 [d1,) current retail/555");
      StepMetrics metrics = recipe.function().stepMetrics();
      assertThat(h.sideOutput(Scd2Harnesses.DEAD_LETTERS))
          .as("HardDeletes.IGNORE: an ignored delete is never a dead letter")
          .isEmpty();
      assertThat(metrics.filteredCount()).isEqualTo(1);
      assertThat(metrics.deadLetteredCount()).isZero();
    }
  }

  @Test
  void updateBefore_withoutAKey_isSkipped_notADeadLetter() throws Exception {
    var recipe = Scd2Harnesses.of(Scd2Test.customers(), Scd2Test.CHANGES);
    try (var h = recipe.open(StateBackendKind.HEAP)) {
      h.processElement(Change.insert(customer("c1", "retail", "555", 1)));
      h.processElement(Change.updateBefore(keyless(1)));
      h.processElement(Change.updateAfter(customer("c1", "vip", "555", 2)));

      assertThat(h.output()).hasSize(4);
      StepMetrics metrics = recipe.function().stepMetrics();
      assertThat(h.sideOutput(Scd2Harnesses.DEAD_LETTERS))
          .as("Scd2.trackChangelog: -U changes are skipped (counted as filtered)")
          .isEmpty();
      assertThat(metrics.filteredCount()).isEqualTo(1);
      assertThat(metrics.deadLetteredCount()).isZero();
    }
  }

  @Test
  void ignoredDelete_withoutAKey_doesNotFailAJobWhosePolicyFailsOnBadRecords() throws Exception {
    var recipe =
        Scd2Harnesses.of(Scd2Test.customers().withHardDeletes(HardDeletes.IGNORE), Scd2Test.CHANGES)
            .withErrorPolicy(ErrorPolicy.failJob());
    try (var h = recipe.open(StateBackendKind.HEAP)) {
      h.processElement(Change.insert(customer("c1", "retail", "555", 1)));
      h.processElement(Change.delete(keyless(2))); // ignored: must not fail the job
      h.processElement(Change.updateAfter(customer("c1", "vip", "555", 3)));

      assertThat(h.output()).hasSize(4);
      assertThat(recipe.function().stepMetrics().filteredCount()).isEqualTo(1);
    }
  }
}
