package dev.etlkit.operators.dedup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.StepMetrics;
import dev.etlkit.operators.internal.KeyCheckHarness;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Found by a review of dedup on 2026-11-25: a key that is a record (or POJO, or {@code Row})
 * holding a Flink tuple with a {@code null} field passed the key check, which only looked into
 * tuple keys, and the dedup operator failed where it serialized the key (the record's serializer
 * hands the tuple to Flink's tuple serializer, which refuses {@code null} fields): on RocksDB at
 * once, on the heap at the next checkpoint, and again after every restart. docs/dedup.md said such
 * keys "write their {@code null} fields and pass". Now such a record is a dead letter of the step,
 * naming the path of the {@code null} field.
 */
class DedupNestedTupleKeyTest {

  /** A key whose serializer cannot write a {@code null} in {@code id}. */
  public record TenantKey(String tenant, Tuple2<String, Long> id) {}

  /** {@code k1#v1} has key (t1, (k1, 1)), {@code k1#guest} has key (t1, (k1, null)). */
  static TenantKey key(String row) {
    return new TenantKey(
        "t1", Tuple2.of(DedupKeyITCase.key(row), row.endsWith("#guest") ? null : 1L));
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void recordKeyHoldingATupleWithANullField_deadLetteredWithItsPath_othersDeduplicated(
      StateBackendKind backend) throws Exception {
    DedupHarness.Expanded<String, String> step =
        DedupHarness.expand(Dedup.keepFirst("dedup", DedupNestedTupleKeyTest::key), Types.STRING);
    List<String> passedOn;
    List<String> deadLetters;
    long checkIn;
    long checkDeadLettered;
    try (OneInputStreamOperatorTestHarness<String, String> check =
        KeyCheckHarness.open(step.output().toDataStream(), "test/dedup/keys")) {
      check.processElement("k1#v1", 1);
      check.processElement("k1#guest", 2);
      check.processElement("k2#v1", 3);
      check.processElement("k1#v2", 4);
      passedOn = check.extractOutputValues();
      deadLetters = KeyCheckHarness.deadLetters(check);
      checkIn = KeyCheckHarness.count(check, "test/dedup", StepMetrics.RECORDS_IN);
      checkDeadLettered =
          KeyCheckHarness.count(check, "test/dedup", StepMetrics.RECORDS_DEAD_LETTERED);
    }

    try (OperatorHarness<String, String> dedup = step.harness().on(backend).open()) {
      long t = 1;
      for (String row : passedOn) {
        dedup.processElement(row, t++); // before, (t1, (k1, null)) failed here on RocksDB
      }
      dedup.snapshot(); // ... and here on the heap

      assertThat(dedup.output()).containsExactly("k1#v1", "k2#v1");
      Map<String, Long> counts = DedupHarness.counts(dedup);
      assertThat(counts).containsEntry("in", 3L).containsEntry("deduplicated", 1L);
      assertThat(DedupHarness.balanced(counts)).isTrue();
    }
    assertThat(deadLetters)
        .containsExactly("java.lang.IllegalArgumentException: the dedup key field id.f1 is null");
    assertThat(checkIn).isEqualTo(1); // the others count in the dedup operator
    assertThat(checkDeadLettered).isEqualTo(1);
  }
}
