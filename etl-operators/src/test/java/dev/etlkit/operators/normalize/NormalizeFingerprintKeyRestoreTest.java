package dev.etlkit.operators.normalize;

import static dev.etlkit.operators.normalize.NormalizeHarnesses.DEAD_LETTERS;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.checkerWithKey;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.normalizerWithKey;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.stringCheck;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.operators.internal.FingerprintKey;
import dev.etlkit.operators.normalize.NormalizeHarnesses.Normalizer;
import dev.etlkit.testkit.KeyedHarness;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The row hashes in state are keyed with the key the step stored, not the one a resubmitted job
 * graph draws: after a restore, identical rows are still recognised. Restored with several keys
 * (state put together from several jobs), rows hashed under another key than the one used are
 * emitted again, never taken for no-ops.
 */
class NormalizeFingerprintKeyRestoreTest {

  private static final FingerprintKey FIRST = new FingerprintKey(1, 2);
  private static final FingerprintKey SECOND = new FingerprintKey(3, 4);
  private static final FingerprintKey RESUBMITTED = new FingerprintKey(5, 6);

  private static final Customer ADA = new Customer("c1", "Ada", "ada@one", 1);
  private static final Customer ADA_RENAMED = new Customer("c1", "Ada L.", "ada@one", 1);

  private static UpsertNormalize<Customer, String> projected() {
    return Normalize.upserts("normalize-customers", Customer::id, Types.STRING)
        .withProjectedState(CustomerKey::of, CustomerKey.TYPE, CustomerKey::toCustomer);
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void projected_restoredByAJobThatDrewAnotherKey_recognisesIdenticalRows(StateBackendKind backend)
      throws Exception {
    OperatorSubtaskState state;
    try (OperatorHarness<Change<Customer>, Change<Customer>> harness =
        normalizerWithKey(projected(), Customer.TYPE, FIRST).recipe.on(backend).open()) {
      harness.processElement(Change.insert(ADA), 1);
      state = harness.snapshot();
    }
    Normalizer<Customer, String> resubmitted =
        normalizerWithKey(projected(), Customer.TYPE, RESUBMITTED);

    try (OperatorHarness<Change<Customer>, Change<Customer>> harness =
        resubmitted.recipe.on(backend).restore(state)) {
      harness.processElement(Change.updateAfter(ADA), 2); // identical: a no-op
      harness.processElement(Change.updateAfter(ADA_RENAMED), 3);

      assertThat(harness.output())
          .containsExactly(
              Change.updateBefore(new Customer("c1", null, "ada@one", 0)),
              Change.updateAfter(ADA_RENAMED));
    }
    assertThat(resubmitted.function().stepMetrics().deduplicatedCount()).isEqualTo(1);
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void fullChangelogCheck_restoredByAJobThatDrewAnotherKey_recognisesTheLiveRow(
      StateBackendKind backend) throws Exception {
    ChangelogCheck<String, String> check = stringCheck().withFullChangelog();
    OperatorSubtaskState state;
    try (OperatorHarness<Change<String>, Change<String>> harness =
        checkerWithKey(check, Types.STRING, FIRST).recipe.on(backend).open()) {
      harness.processElement(Change.insert("k1#v1"), 1);
      harness.processElement(Change.insert("k2#v1"), 2);
      state = harness.snapshot();
    }

    try (OperatorHarness<Change<String>, Change<String>> harness =
        checkerWithKey(check, Types.STRING, RESUBMITTED).recipe.on(backend).restore(state)) {
      harness.processElement(Change.updateBefore("k1#v1"), 3);
      harness.processElement(Change.delete("k2#v0"), 4); // not k2's live row

      assertThat(harness.output()).containsExactly(Change.updateBefore("k1#v1"));
      assertThat(harness.sideOutput(DEAD_LETTERS)).hasSize(1);
    }
  }

  /**
   * Two subtasks that drew different keys (which one job graph never does), restored on one: it
   * takes the smaller key, so the rows of the other subtask's keys are not recognised and their
   * identical rows are emitted again as updates.
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void projected_restoredWithSeveralKeys_emitsAnIdenticalRowAgainRatherThanDropAChange(
      StateBackendKind backend) throws Exception {
    List<Customer> rows = new ArrayList<>();
    List<OperatorSubtaskState> subtasks = new ArrayList<>();
    FingerprintKey[] drawn = {FIRST, SECOND};
    for (int subtask = 0; subtask < 2; subtask++) {
      KeyedHarness<String, Change<Customer>, Change<Customer>> recipe =
          normalizerWithKey(projected(), Customer.TYPE, drawn[subtask]).recipe.on(backend);
      Customer row = rowOfSubtask(recipe, subtask);
      rows.add(row);
      try (OperatorHarness<Change<Customer>, Change<Customer>> harness =
          recipe.openSubtask(2, subtask)) {
        harness.processElement(Change.insert(row), 1);
        subtasks.add(harness.snapshot());
      }
    }

    try (OperatorHarness<Change<Customer>, Change<Customer>> harness =
        normalizerWithKey(projected(), Customer.TYPE, RESUBMITTED)
            .recipe
            .on(backend)
            .restoreSubtask(subtasks, 1, 0)) {
      harness.processElement(Change.updateAfter(rows.get(0)), 2); // under FIRST, the key taken
      harness.processElement(Change.updateAfter(rows.get(1)), 3); // under SECOND

      assertThat(harness.output())
          .containsExactly(
              Change.updateBefore(CustomerKey.of(rows.get(1)).toCustomer()),
              Change.updateAfter(rows.get(1)));
    }
  }

  /** A customer whose key the given subtask of two owns. */
  private static Customer rowOfSubtask(
      KeyedHarness<String, Change<Customer>, Change<Customer>> recipe, int subtask)
      throws Exception {
    for (int i = 0; ; i++) {
      Customer row = new Customer("c" + i, "Name " + i, "c" + i + "@one", 1);
      if (recipe.subtaskOf(Change.insert(row), 2) == subtask) {
        return row;
      }
    }
  }
}
