package dev.etlkit.operators.normalize;

import static dev.etlkit.operators.normalize.NormalizeHarnesses.normalizer;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A state projection that returns one reused object, as Flink functions may do with their outputs
 * (Flink copies what a function emits when object reuse is off): what a key keeps must not change
 * when another key's row is projected.
 */
class ProjectedReusedOutputTest {

  /** A mutable projection: a POJO. */
  public static final class Kept {
    public String id;
    public String email;
  }

  /** Projects every row into the same object. */
  static final class ReusingProjection implements MapFunction<Customer, Kept> {
    private static final long serialVersionUID = 1L;
    private final Kept reused = new Kept();

    @Override
    public Kept map(Customer customer) {
      reused.id = customer.id();
      reused.email = customer.email();
      return reused;
    }
  }

  private static Customer retraction(Kept kept) {
    return new Customer(kept.id, null, kept.email, 0L);
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void reusedProjectionObject_eachKeyRetractsItsOwnRow(StateBackendKind backend) throws Exception {
    for (boolean versioned : new boolean[] {false, true}) {
      UpsertNormalize<Customer, String> spec =
          Normalize.upserts("normalize-customers", Customer::id, Types.STRING)
              .withProjectedState(
                  new ReusingProjection(),
                  TypeInformation.of(Kept.class),
                  ProjectedReusedOutputTest::retraction);
      if (versioned) {
        spec = spec.withSequence(change -> change.value().version());
      }
      try (OperatorHarness<Change<Customer>, Change<Customer>> harness =
          normalizer(spec, Customer.TYPE, null).recipe.on(backend).open()) {
        harness.processElement(Change.insert(new Customer("c1", "Ada", "ada@one", 1)), 1);
        harness.processElement(Change.insert(new Customer("c2", "Bob", "bob@one", 1)), 2);
        harness.processElement(Change.delete(new Customer("c1", null, null, 2)), 3);

        assertThat(harness.output())
            .as("versioned=%s", versioned)
            .last()
            .isEqualTo(Change.delete(new Customer("c1", null, "ada@one", 0)));
      }
    }
  }
}
