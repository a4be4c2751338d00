package dev.etlkit.operators.normalize;

import static dev.etlkit.operators.normalize.UpsertNormalizeTest.assertBalanced;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.core.EtlStep;
import dev.etlkit.core.StepMetrics;
import dev.etlkit.operators.internal.KeyCheckHarness;
import dev.etlkit.operators.normalize.internal.ChangelogCheckFunction;
import dev.etlkit.operators.normalize.internal.NormalizeFunctionBase;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import java.util.List;
import java.util.Objects;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.streaming.api.operators.AbstractUdfStreamOperator;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Found by a review of dedup on 2026-11-25 (the key check is shared with normalize and the
 * changelog check): a POJO key holding a Flink tuple with a {@code null} field passed the key
 * check, which only looked into tuple keys, and the keyed operator failed where it serialized the
 * key (the POJO serializer hands the tuple to Flink's tuple serializer, which refuses {@code null}
 * fields): on RocksDB at once, on the heap at the next checkpoint, and after every restart. Now
 * such a change is a dead letter of the step, naming the path of the {@code null} field.
 */
class NormalizeNestedTupleKeyTest {

  /** A POJO key whose serializer cannot write a {@code null} in {@code id}. */
  public static final class AccountKey {
    public String region;
    public Tuple2<String, Long> id;

    public AccountKey() {}

    AccountKey(String region, Tuple2<String, Long> id) {
      this.region = region;
      this.id = id;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof AccountKey other
          && Objects.equals(region, other.region)
          && Objects.equals(id, other.id);
    }

    @Override
    public int hashCode() {
      return Objects.hash(region, id);
    }
  }

  static final TypeInformation<AccountKey> KEY = TypeInformation.of(AccountKey.class);

  /** {@code k1#v1} has key (eu, (k1, 1)), {@code k1#guest} has key (eu, (k1, null)). */
  static AccountKey key(String row) {
    return new AccountKey(
        "eu", Tuple2.of(row.substring(0, row.indexOf('#')), row.endsWith("#guest") ? null : 1L));
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void upserts_pojoKeyHoldingATupleWithANullField_deadLetteredWithItsPath(StateBackendKind backend)
      throws Exception {
    assertDeadLetteredBeforeTheShuffle(
        Normalize.upserts("normalize", NormalizeNestedTupleKeyTest::key, KEY),
        "the upsert key field id.f1 is null",
        backend);
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void changelogCheck_pojoKeyHoldingATupleWithANullField_deadLetteredWithItsPath(
      StateBackendKind backend) throws Exception {
    assertDeadLetteredBeforeTheShuffle(
        ChangelogCheck.validate("normalize", NormalizeNestedTupleKeyTest::key, KEY),
        "the changelog check key field id.f1 is null",
        backend);
  }

  private static void assertDeadLetteredBeforeTheShuffle(
      EtlStep<Change<String>, Change<String>> step, String message, StateBackendKind backend)
      throws Exception {
    NormalizeHarnesses.Expanded<String> expanded =
        NormalizeHarnesses.expanded(step, NormalizeHarnesses.STRING_CHANGES, null);
    List<Change<String>> passedOn;
    List<String> deadLetters;
    long checkIn;
    long checkDeadLettered;
    try (OneInputStreamOperatorTestHarness<Change<String>, Change<String>> check =
        KeyCheckHarness.open(expanded.output().toDataStream(), "test/normalize/keys")) {
      check.processElement(Change.insert("k1#v1"), 1);
      check.processElement(Change.insert("k1#guest"), 2);
      check.processElement(Change.insert("k2#v1"), 3);
      passedOn = check.extractOutputValues();
      deadLetters = KeyCheckHarness.deadLetters(check);
      checkIn = KeyCheckHarness.count(check, "test/normalize", StepMetrics.RECORDS_IN);
      checkDeadLettered =
          KeyCheckHarness.count(check, "test/normalize", StepMetrics.RECORDS_DEAD_LETTERED);
    }

    try (OperatorHarness<Change<String>, Change<String>> keyed =
        expanded.harness().on(backend).open()) {
      long t = 1;
      for (Change<String> change : passedOn) {
        keyed.processElement(change, t++); // before, (eu, (k1, null)) failed here on RocksDB
      }
      keyed.snapshot(); // ... and here on the heap

      assertThat(keyed.output()).containsExactly(Change.insert("k1#v1"), Change.insert("k2#v1"));
      Object function =
          ((AbstractUdfStreamOperator<?, ?>) keyed.unwrap().getOperator()).getUserFunction();
      StepMetrics metrics =
          function instanceof NormalizeFunctionBase<?, ?> normalize
              ? normalize.stepMetrics()
              : ((ChangelogCheckFunction<?, ?>) function).stepMetrics();
      assertThat(metrics.inCount()).isEqualTo(2);
      assertBalanced(metrics);
    }
    assertThat(deadLetters).containsExactly("java.lang.IllegalArgumentException: " + message);
    assertThat(checkIn).isEqualTo(1); // the others count in the keyed operator
    assertThat(checkDeadLettered).isEqualTo(1);
  }
}
