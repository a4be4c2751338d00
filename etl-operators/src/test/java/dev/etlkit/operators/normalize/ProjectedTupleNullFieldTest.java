package dev.etlkit.operators.normalize;

import static dev.etlkit.operators.normalize.NormalizeHarnesses.DEAD_LETTERS;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.normalizer;
import static dev.etlkit.operators.normalize.UpsertNormalizeTest.assertBalanced;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.operators.normalize.NormalizeHarnesses.Normalizer;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.types.Row;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Projected state with Flink {@code Tuple}s that have a {@code null} field, which Flink's tuple
 * serializer cannot write: a kept projection fails RocksDB at once and the heap at the next
 * checkpoint, a retraction value fails where the record is shipped. Either change is a dead letter,
 * as a tuple key with a {@code null} field is. So is a POJO, record or {@code Row} holding such a
 * tuple (found by a review on 2026-11-25: only a top-level tuple was looked into, and the nested
 * case failed the job as before, after every restart).
 */
class ProjectedTupleNullFieldTest {

  private static final TypeInformation<Tuple2<String, Integer>> KEPT =
      Types.TUPLE(Types.STRING, Types.INT);

  /** Keeps (id, length of the email); a customer without email keeps a null length. */
  private static Tuple2<String, Integer> keep(Customer customer) {
    return Tuple2.of(customer.id(), customer.email() == null ? null : customer.email().length());
  }

  private static Customer retraction(Tuple2<String, Integer> kept) {
    return Customer.keyOnly(kept.f0);
  }

  private static final Customer ADA_1 = new Customer("c1", "Ada", "ada@one", 1);
  private static final Customer ADA_2 = new Customer("c1", "Ada", null, 2);
  private static final Customer ADA_3 = new Customer("c1", "Ada", "ada@three", 3);

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void projectionWithANullTupleField_isADeadLetter_andTheStateSurvivesASnapshot(
      StateBackendKind backend) throws Exception {
    for (boolean versioned : new boolean[] {false, true}) {
      UpsertNormalize<Customer, String> spec =
          Normalize.upserts("normalize-customers", Customer::id, Types.STRING)
              .withProjectedState(
                  ProjectedTupleNullFieldTest::keep, KEPT, ProjectedTupleNullFieldTest::retraction);
      if (versioned) {
        spec = spec.withSequence(change -> change.value().version());
      }
      Normalizer<Customer, String> normalize = normalizer(spec, Customer.TYPE, null);
      try (OperatorHarness<Change<Customer>, Change<Customer>> harness =
          normalize.recipe.on(backend).open()) {
        harness.processElement(Change.insert(ADA_1), 1);
        harness.processElement(Change.updateAfter(ADA_2), 2); // kept length null
        harness.snapshot();
        harness.processElement(Change.updateAfter(ADA_3), 3);

        assertThat(harness.output())
            .as("versioned=%s", versioned)
            .containsExactly(
                Change.insert(ADA_1),
                Change.updateBefore(Customer.keyOnly("c1")),
                Change.updateAfter(ADA_3));
        assertThat(harness.sideOutput(DEAD_LETTERS))
            .as("versioned=%s", versioned)
            .singleElement()
            .satisfies(
                l ->
                    assertThat(l.errorMessage())
                        .isEqualTo(
                            "state projection returned a tuple whose field f1 is null, which"
                                + " Flink's tuple serializer cannot write"));
      }
      assertBalanced(normalize.function().stepMetrics());
    }
  }

  private static final TypeInformation<Tuple2<String, Integer>> ROW =
      Types.TUPLE(Types.STRING, Types.INT);

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void retractionWithANullTupleField_isADeadLetter(StateBackendKind backend) throws Exception {
    // keeps the key only; the retraction is a key-only row (amount null), as the docs suggest
    UpsertNormalize<Tuple2<String, Integer>, String> spec =
        Normalize.upserts(
                "normalize-amounts", (Tuple2<String, Integer> row) -> row.f0, Types.STRING)
            .withProjectedState(
                (Tuple2<String, Integer> row) -> row.f0, Types.STRING, id -> Tuple2.of(id, null));
    Normalizer<Tuple2<String, Integer>, String> normalize = normalizer(spec, ROW, null);
    try (OperatorHarness<Change<Tuple2<String, Integer>>, Change<Tuple2<String, Integer>>> harness =
        normalize.recipe.on(backend).open()) {
      harness.processElement(Change.insert(Tuple2.of("a1", 10)), 1);
      harness.processElement(Change.updateAfter(Tuple2.of("a1", 20)), 2);

      assertThat(harness.output()).containsExactly(Change.insert(Tuple2.of("a1", 10)));
      assertThat(harness.sideOutput(DEAD_LETTERS))
          .singleElement()
          .satisfies(
              l ->
                  assertThat(l.errorMessage())
                      .isEqualTo(
                          "retraction function returned a tuple whose field f1 is null, which"
                              + " Flink's tuple serializer cannot write"));
    }
    assertBalanced(normalize.function().stepMetrics());
  }

  /** A kept part holding a tuple: (length of the email, its domain). */
  public record Kept(String id, Tuple2<Integer, String> email) {}

  private static Kept keepRecord(Customer customer) {
    String email = customer.email();
    return new Kept(
        customer.id(),
        Tuple2.of(email == null ? null : email.length(), email == null ? "" : "mail"));
  }

  private static final TypeInformation<Row> KEPT_ROW =
      Types.ROW_NAMED(
          new String[] {"id", "email"}, Types.STRING, Types.TUPLE(Types.INT, Types.STRING));

  private static Row keepRow(Customer customer) {
    Kept kept = keepRecord(customer);
    return Row.of(kept.id(), kept.email());
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void projectionHoldingATupleWithANullField_isADeadLetterNamingThePath(StateBackendKind backend)
      throws Exception {
    assertNestedProjectionDeadLettered(
        backend,
        Normalize.upserts("normalize-customers", Customer::id, Types.STRING)
            .withProjectedState(
                ProjectedTupleNullFieldTest::keepRecord,
                TypeInformation.of(Kept.class),
                kept -> Customer.keyOnly(kept.id())));
    assertNestedProjectionDeadLettered(
        backend,
        Normalize.upserts("normalize-customers", Customer::id, Types.STRING)
            .withProjectedState(
                ProjectedTupleNullFieldTest::keepRow,
                KEPT_ROW,
                row -> Customer.keyOnly((String) row.getField("id"))));
  }

  private static void assertNestedProjectionDeadLettered(
      StateBackendKind backend, UpsertNormalize<Customer, String> unversioned) throws Exception {
    for (boolean versioned : new boolean[] {false, true}) {
      UpsertNormalize<Customer, String> spec =
          versioned ? unversioned.withSequence(change -> change.value().version()) : unversioned;
      Normalizer<Customer, String> normalize = normalizer(spec, Customer.TYPE, null);
      try (OperatorHarness<Change<Customer>, Change<Customer>> harness =
          normalize.recipe.on(backend).open()) {
        harness.processElement(Change.insert(ADA_1), 1);
        harness.processElement(Change.updateAfter(ADA_2), 2); // before: failed here on RocksDB
        harness.snapshot(); // ... and here on the heap
        harness.processElement(Change.updateAfter(ADA_3), 3);

        assertThat(harness.output())
            .as("versioned=%s", versioned)
            .containsExactly(
                Change.insert(ADA_1),
                Change.updateBefore(Customer.keyOnly("c1")),
                Change.updateAfter(ADA_3));
        assertThat(harness.sideOutput(DEAD_LETTERS))
            .as("versioned=%s", versioned)
            .singleElement()
            .satisfies(
                l ->
                    assertThat(l.errorMessage())
                        .isEqualTo(
                            "state projection returned a value whose field email.f0 is null,"
                                + " which Flink's tuple serializer cannot write"));
      }
      assertBalanced(normalize.function().stepMetrics());
    }
  }

  /** An amount row holding a tuple (currency, cents). */
  public record Amount(String id, Tuple2<String, Long> amount) {}

  private static final TypeInformation<Amount> AMOUNT = TypeInformation.of(Amount.class);

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void retractionHoldingATupleWithANullField_isADeadLetterNamingThePath(StateBackendKind backend)
      throws Exception {
    // keeps the key only; the retraction's amount is (EUR, null): unwritable where it is shipped
    MapFunction<String, Amount> retraction = id -> new Amount(id, Tuple2.of("EUR", null));
    UpsertNormalize<Amount, String> spec =
        Normalize.upserts("normalize-amounts", Amount::id, Types.STRING)
            .withProjectedState(Amount::id, Types.STRING, retraction);
    Normalizer<Amount, String> normalize = normalizer(spec, AMOUNT, null);
    try (OperatorHarness<Change<Amount>, Change<Amount>> harness =
        normalize.recipe.on(backend).open()) {
      harness.processElement(Change.insert(new Amount("a1", Tuple2.of("EUR", 10L))), 1);
      // before, the -U failed where the harness ships it (its output serializer), as a shuffle
      harness.processElement(Change.updateAfter(new Amount("a1", Tuple2.of("EUR", 20L))), 2);
      harness.processElement(Change.delete(new Amount("a1", Tuple2.of("EUR", 10L))), 3);

      assertThat(harness.output())
          .containsExactly(Change.insert(new Amount("a1", Tuple2.of("EUR", 10L))));
      assertThat(harness.sideOutput(DEAD_LETTERS))
          .hasSize(2)
          .allSatisfy(
              l ->
                  assertThat(l.errorMessage())
                      .isEqualTo(
                          "retraction function returned a value whose field amount.f1 is null,"
                              + " which Flink's tuple serializer cannot write"));
    }
    assertBalanced(normalize.function().stepMetrics());
  }
}
