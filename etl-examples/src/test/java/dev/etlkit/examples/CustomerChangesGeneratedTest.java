package dev.etlkit.examples;

import static dev.etlkit.testkit.ChangelogAssert.assertThatChangelog;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.core.Etl;
import dev.etlkit.operators.normalize.ChangeSequence;
import dev.etlkit.operators.normalize.Normalize;
import dev.etlkit.operators.normalize.UpsertNormalize;
import dev.etlkit.testkit.ChangelogGenerator;
import dev.etlkit.testkit.CutPointCheck;
import dev.etlkit.testkit.GeneratedChangelog;
import dev.etlkit.testkit.KeyedHarness;
import dev.etlkit.testkit.Materializer;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.Soak;
import dev.etlkit.testkit.StateBackendKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A user's changelog step fed generated changes of the user's own row type (docs/testing.md,
 * "Seeded generators"): {@link ChangelogGenerator#of} with {@link ChangelogGenerator.Rows} for the
 * example's {@link Customer}, into the customers pipeline's normalize step as a pipeline wires it.
 */
class CustomerChangesGeneratedTest {

  // tag::own-rows-generator[]
  /** Customers c-0, c-1, ...: one row per key and version, a tombstone with the id alone. */
  static final ChangelogGenerator<Customer> CUSTOMERS =
      ChangelogGenerator.of(
              new ChangelogGenerator.Rows<Customer>() {
                @Override
                public Customer row(int key, int version) {
                  return new Customer("c-" + key, "name v" + version, "standard", "Oslo");
                }

                @Override
                public Customer keyOnly(int key) {
                  return new Customer("c-" + key, null, null, null);
                }
              })
          .withKeys(4)
          .withLength(40)
          .withDeleteRate(0.2)
          .withTombstoneRate(0.5)
          .withDuplicateRate(0.1)
          .withMaxOutOfOrderness(20);

  // end::own-rows-generator[]

  /**
   * A customers pipeline's normalize step, as the pipeline adds it; {@code inEventTimeOrder}: with
   * the changes' event times as its sequence, else in arrival order (no sequence).
   */
  private static KeyedHarness<Object, Change<Customer>, Change<Customer>> normalizeOfCustomers(
      boolean inEventTimeOrder) {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    DataStream<Change<Customer>> changes =
        env.fromData(
            Change.typeInfo(Customer.TYPE_INFO),
            Change.insert(new Customer("c-0", "name", "standard", "Oslo"))); // never executed
    UpsertNormalize<Customer, String> normalize =
        Normalize.upserts("normalize", Customer::id, Types.STRING);
    DataStream<Change<Customer>> normalized =
        Etl.from(changes, "customers")
            .apply(
                inEventTimeOrder
                    ? normalize.withSequence(ChangeSequence.eventTime()) // older changes lose
                    : normalize)
            .toDataStream();
    return KeyedHarness.forStream(normalized, changes.getType());
  }

  private static Map<String, Customer> table(
      KeyedHarness<Object, Change<Customer>, Change<Customer>> normalize,
      GeneratedChangelog<Customer> changelog)
      throws Exception {
    try (OperatorHarness<Change<Customer>, Change<Customer>> harness = normalize.open()) {
      harness.run(changelog.input());
      return Materializer.<String, Customer>byKey(Customer::id).materialize(harness.output());
    }
  }

  static List<Long> seeds() {
    return Soak.seeds(5, 500);
  }

  @ParameterizedTest
  @MethodSource("seeds")
  void generatedCustomerChanges_normalizeToTheSourceTable_andRestoresChangeNothing(long seed)
      throws Exception {
    GeneratedChangelog<Customer> changelog = CUSTOMERS.generate(seed);
    KeyedHarness<Object, Change<Customer>, Change<Customer>> normalize = normalizeOfCustomers(true);

    List<Change<Customer>> output = new ArrayList<>();
    try (OperatorHarness<Change<Customer>, Change<Customer>> harness = normalize.open()) {
      harness.run(changelog.input());
      output.addAll(harness.output());
    }
    assertThatChangelog(output).materializesTo(changelog.finalTable(Customer::id), Customer::id);

    CutPointCheck.of(normalize.on(StateBackendKind.ROCKSDB), changelog.input())
        .restoringOn(StateBackendKind.HEAP)
        .withSampledCutPoints(4, seed)
        .verify();
  }

  /**
   * docs/testing.md says so: in arrival order a redelivered change that comes after a newer one of
   * its customer makes the older version current again; seeds 2 and 3 of the first five do.
   */
  @ParameterizedTest
  @ValueSource(longs = {2L, 3L})
  void generatedCustomerChanges_inArrivalOrder_endWithAnOlderVersion(long seed) throws Exception {
    GeneratedChangelog<Customer> changelog = CUSTOMERS.generate(seed);

    assertThat(table(normalizeOfCustomers(false), changelog))
        .isNotEqualTo(changelog.finalTable(Customer::id));
    assertThat(table(normalizeOfCustomers(true), changelog))
        .isEqualTo(changelog.finalTable(Customer::id));
  }
}
