package dev.etlkit.operators.normalize;

import static dev.etlkit.operators.normalize.NormalizeHarnesses.DEAD_LETTERS;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.normalizer;
import static dev.etlkit.operators.normalize.UpsertNormalizeTest.assertBalanced;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.operators.normalize.NormalizeHarnesses.Normalizer;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.typeinfo.Types;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The upsert normalizer keeping only (id, email) per customer, on heap and RocksDB. */
class ProjectedNormalizeTest {

  private static final Customer ADA_1 = new Customer("c1", "Ada", "ada@one", 1);
  private static final Customer ADA_2 = new Customer("c1", "Ada Lovelace", "ada@two", 2);

  private static Normalizer<Customer, String> projected(boolean versioned) {
    // tag::normalize-projected[]
    UpsertNormalize<Customer, String> normalize =
        Normalize.upserts("normalize-customers", Customer::id, Types.STRING)
            // state keeps id and email; -U and -D carry a Customer with only those set
            .withProjectedState(CustomerKey::of, CustomerKey.TYPE, CustomerKey::toCustomer);
    // end::normalize-projected[]
    if (versioned) {
      normalize = normalize.withSequence(change -> change.value().version());
    }
    return normalizer(normalize, Customer.TYPE, null);
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void update_retractionCarriesTheProjection_afterCarriesTheFullRow(StateBackendKind backend)
      throws Exception {
    for (boolean versioned : new boolean[] {false, true}) {
      try (OperatorHarness<Change<Customer>, Change<Customer>> harness =
          projected(versioned).recipe.on(backend).open()) {
        harness.processElement(Change.insert(ADA_1), 1);
        harness.processElement(Change.updateAfter(ADA_2), 2);
        // a tombstone with the delete's version: only the key and the version column set
        harness.processElement(Change.delete(new Customer("c1", null, null, 3)), 3);

        assertThat(harness.output())
            .as("versioned=%s", versioned)
            .containsExactly(
                Change.insert(ADA_1),
                Change.updateBefore(new Customer("c1", null, "ada@one", 0)),
                Change.updateAfter(ADA_2),
                Change.delete(new Customer("c1", null, "ada@two", 0)));
      }
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void identicalFullRow_isANoOp_aChangeOutsideTheProjectionIsNot(StateBackendKind backend)
      throws Exception {
    Normalizer<Customer, String> normalize = projected(false);
    try (OperatorHarness<Change<Customer>, Change<Customer>> harness =
        normalize.recipe.on(backend).open()) {
      harness.processElement(Change.insert(ADA_1), 1);
      harness.processElement(Change.updateAfter(ADA_1), 2); // identical: no-op
      Customer renamed = new Customer("c1", "Ada L.", "ada@one", 1); // only the name changed
      harness.processElement(Change.updateAfter(renamed), 3);

      assertThat(harness.output())
          .containsExactly(
              Change.insert(ADA_1),
              Change.updateBefore(new Customer("c1", null, "ada@one", 0)),
              Change.updateAfter(renamed));
    }
    assertThat(normalize.function().stepMetrics().deduplicatedCount()).isEqualTo(1);
  }

  /** A projection that needs {@code open()}: it builds its keys with what open() prepared. */
  static final class OpenedProjection extends RichMapFunction<Customer, CustomerKey> {
    static final AtomicInteger OPENED = new AtomicInteger();
    static final AtomicInteger CLOSED = new AtomicInteger();
    private transient boolean ready;

    @Override
    public void open(OpenContext openContext) {
      ready = getRuntimeContext() != null;
      OPENED.incrementAndGet();
    }

    @Override
    public CustomerKey map(Customer customer) {
      if (!ready) {
        throw new IllegalStateException("projection used before open()");
      }
      return CustomerKey.of(customer);
    }

    @Override
    public void close() {
      CLOSED.incrementAndGet();
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void richProjection_isOpenedAndClosedWithTheStep(StateBackendKind backend) throws Exception {
    OpenedProjection.OPENED.set(0);
    OpenedProjection.CLOSED.set(0);
    UpsertNormalize<Customer, String> spec =
        Normalize.upserts("normalize-customers", Customer::id, Types.STRING)
            .withProjectedState(new OpenedProjection(), CustomerKey.TYPE, CustomerKey::toCustomer);
    Normalizer<Customer, String> normalize = normalizer(spec, Customer.TYPE, null);
    try (OperatorHarness<Change<Customer>, Change<Customer>> harness =
        normalize.recipe.on(backend).open()) {
      harness.processElement(Change.insert(ADA_1), 1);
      harness.processElement(Change.updateAfter(ADA_2), 2);

      assertThat(harness.sideOutput(DEAD_LETTERS)).isEmpty();
      assertThat(harness.output()).hasSize(3);
      assertThat(OpenedProjection.OPENED).hasValue(1);
    }
    assertThat(OpenedProjection.CLOSED).hasValue(1);
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void projectionThatThrows_deadLettersTheRecord_andKeepsTheState(StateBackendKind backend)
      throws Exception {
    UpsertNormalize<Customer, String> spec =
        Normalize.upserts("normalize-customers", Customer::id, Types.STRING)
            .withProjectedState(
                c -> {
                  if (c.email() == null) {
                    throw new IllegalArgumentException("customer without email");
                  }
                  return CustomerKey.of(c);
                },
                CustomerKey.TYPE,
                CustomerKey::toCustomer);
    Normalizer<Customer, String> normalize = normalizer(spec, Customer.TYPE, null);
    try (OperatorHarness<Change<Customer>, Change<Customer>> harness =
        normalize.recipe.on(backend).open()) {
      harness.processElement(Change.insert(ADA_1), 1);
      harness.processElement(Change.updateAfter(new Customer("c1", "Ada", null, 2)), 2);
      harness.processElement(Change.updateAfter(ADA_2), 3);

      assertThat(harness.output())
          .containsExactly(
              Change.insert(ADA_1),
              Change.updateBefore(new Customer("c1", null, "ada@one", 0)),
              Change.updateAfter(ADA_2));
      assertThat(harness.sideOutput(DEAD_LETTERS))
          .singleElement()
          .satisfies(l -> assertThat(l.errorMessage()).isEqualTo("customer without email"));
    }
    assertBalanced(normalize.function().stepMetrics());
  }
}
