package dev.etlkit.operators.normalize;

import static dev.etlkit.operators.normalize.NormalizeHarnesses.DEAD_LETTERS;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.normalizer;
import static dev.etlkit.operators.normalize.UpsertNormalizeTest.assertBalanced;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.operators.normalize.NormalizeHarnesses.Normalizer;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Projected state whose projection or retraction function returns {@code null}: the change is a
 * dead letter, the key's state is unchanged (it survives a snapshot and restore), and the key's
 * next change is normalized against it, with or without a sequence.
 */
class ProjectedNullResultTest {

  private static final Customer ADA_1 = new Customer("c1", "Ada", "ada@one", 1);
  private static final Customer ADA_2 = new Customer("c1", "Ada", "ada@two", 2);
  private static final Customer ADA_3 = new Customer("c1", "Ada", "ada@three", 3);
  private static final Customer ADA_1_AGAIN = new Customer("c1", "Ada", "ada@one", 5);

  /** Keeps the email, or null for the email {@code ada@two}. */
  private static String keep(Customer customer) {
    return "ada@two".equals(customer.email()) ? null : customer.email();
  }

  /** Builds the retraction, or null for the kept email {@code ada@three}. */
  private static Customer retraction(String email) {
    return "ada@three".equals(email) ? null : new Customer("c1", null, email, 0L);
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void nullProjectionOrRetraction_isADeadLetter_stateUnchanged(StateBackendKind backend)
      throws Exception {
    for (boolean versioned : new boolean[] {false, true}) {
      UpsertNormalize<Customer, String> spec =
          Normalize.upserts("normalize-customers", Customer::id, Types.STRING)
              .withProjectedState(
                  ProjectedNullResultTest::keep, Types.STRING, ProjectedNullResultTest::retraction);
      if (versioned) {
        spec = spec.withSequence(change -> change.value().version());
      }
      Normalizer<Customer, String> normalize = normalizer(spec, Customer.TYPE, null);
      OperatorSubtaskState state;
      try (OperatorHarness<Change<Customer>, Change<Customer>> harness =
          normalize.recipe.on(backend).open()) {
        harness.processElement(Change.insert(ADA_1), 1);
        harness.processElement(Change.updateAfter(ADA_2), 2); // projection returns null

        assertThat(harness.sideOutput(DEAD_LETTERS))
            .extracting(l -> l.errorMessage())
            .containsExactly("state projection returned null");
        state = harness.snapshot();
      }
      try (OperatorHarness<Change<Customer>, Change<Customer>> harness =
          normalize.recipe.on(backend).restore(state)) {
        harness.processElement(Change.updateAfter(ADA_3), 3); // against ADA_1's projection
        harness.processElement(Change.delete(new Customer("c1", null, null, 4)), 4); // null
        harness.processElement(Change.updateAfter(ADA_1_AGAIN), 5); // still ADA_3's: an update

        assertThat(harness.output())
            .as("versioned=%s", versioned)
            .containsExactly(
                Change.updateBefore(new Customer("c1", null, "ada@one", 0L)),
                Change.updateAfter(ADA_3));
        assertThat(harness.sideOutput(DEAD_LETTERS))
            .as("versioned=%s", versioned)
            .extracting(l -> l.errorMessage())
            .containsExactly(
                "retraction function returned null", "retraction function returned null");
      }
      assertBalanced(normalize.function().stepMetrics());
    }
  }
}
