package dev.etlkit.scd;

import static dev.etlkit.scd.Brief.brief;
import static dev.etlkit.scd.Brief.customer;
import static dev.etlkit.scd.Brief.day;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.ErrorPolicy;
import dev.etlkit.core.StepMetrics;
import dev.etlkit.testkit.StateBackendKind;
import org.junit.jupiter.api.Test;

/**
 * Edges of the inputs the SCD2 step skips ({@code -U} on every option, deletes under {@link
 * HardDeletes#IGNORE}) found by a review on 2026-11-24, each failing before that day's fixes: such
 * an input without a business key. {@link HardDeletes#IGNORE}: "A delete is dropped before its key,
 * effective time or sequence is read, so it is never late or a dead letter"; {@link
 * Scd2#trackChangelog}: "{@code -U} changes are skipped (counted as filtered)". A before-image that
 * carries only the primary key (MySQL's {@code binlog_row_image=MINIMAL}, a key-only tombstone)
 * leaves a key selector that reads another column without a key. Before, the step checked the key
 * first and dead-lettered such skipped inputs, or failed the job under {@code
 * ErrorPolicy.failJob()}; now it skips them before it reads the key.
 */
class Scd2SkippedInputsTest {

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
      assertThat(h.sideOutput(Scd2Harnesses.DEAD_LETTERS))
          .as("HardDeletes.IGNORE: an ignored delete is never a dead letter")
          .isEmpty();
      StepMetrics metrics = recipe.function().stepMetrics();
      assertThat(metrics.inCount()).isEqualTo(2);
      assertThat(metrics.outCount()).isEqualTo(1);
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

      assertThat(brief(h.output()))
          .containsExactly(
              "+I c1 v1 [d1,) current retail/555",
              "-U c1 v1 [d1,) current retail/555",
              "+U c1 v1 [d1,d2) retail/555",
              "+I c1 v2 [d2,) current vip/555");
      assertThat(h.sideOutput(Scd2Harnesses.DEAD_LETTERS))
          .as("Scd2.trackChangelog: -U changes are skipped (counted as filtered)")
          .isEmpty();
      StepMetrics metrics = recipe.function().stepMetrics();
      assertThat(metrics.inCount()).isEqualTo(3);
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

      assertThat(brief(h.output()))
          .containsExactly(
              "+I c1 v1 [d1,) current retail/555",
              "-U c1 v1 [d1,) current retail/555",
              "+U c1 v1 [d1,d3) retail/555",
              "+I c1 v2 [d3,) current vip/555");
      StepMetrics metrics = recipe.function().stepMetrics();
      assertThat(metrics.filteredCount()).isEqualTo(1);
      assertThat(metrics.deadLetteredCount()).isZero();
    }
  }

  @Test
  void deleteWithoutAKey_underInvalidate_isStillADeadLetter() throws Exception {
    var recipe = Scd2Harnesses.of(Scd2Test.customers(), Scd2Test.CHANGES);
    try (var h = recipe.open(StateBackendKind.HEAP)) {
      h.processElement(Change.insert(customer("c1", "retail", "555", 1)));
      h.processElement(Change.delete(keyless(2))); // applied, so its key is needed

      assertThat(brief(h.output())).containsExactly("+I c1 v1 [d1,) current retail/555");
      assertThat(h.sideOutput(Scd2Harnesses.DEAD_LETTERS))
          .extracting(DeadLetter::errorMessage)
          .containsExactly("the business key is null");
      StepMetrics metrics = recipe.function().stepMetrics();
      assertThat(metrics.filteredCount()).isZero();
      assertThat(metrics.deadLetteredCount()).isEqualTo(1);
    }
  }
}
