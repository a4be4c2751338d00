package dev.etlkit.operators.enrich.join;

import static dev.etlkit.operators.enrich.join.JoinHarness.lines;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.core.StepMetrics;
import dev.etlkit.operators.enrich.DimensionJoin;
import dev.etlkit.operators.enrich.DimensionJoinStep;
import dev.etlkit.operators.enrich.internal.join.FactKeyCheck;
import dev.etlkit.operators.internal.KeyCheckHarness;
import dev.etlkit.testkit.KeyedHarness;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.types.Either;
import org.apache.flink.types.Row;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Found by a review of dedup on 2026-11-25 (the key checks are shared with the join): a {@code Row}
 * key holding a Flink tuple with a {@code null} field passed the fact and dimension key checks,
 * which only looked into tuple keys, and the join failed where it serialized the key (the row
 * serializer hands the tuple to Flink's tuple serializer, which refuses {@code null} fields): on
 * RocksDB at once, on the heap at the next checkpoint, and after every restart. Now such a fact
 * gets {@code NULL_KEY} before the shuffle, like a fact with a {@code null} part of a tuple key,
 * and such a dimension record is a {@code NULL_KEY} dead letter naming the path of the {@code null}
 * field.
 */
class NestedTupleJoinKeyTest {

  static final TypeInformation<Row> KEY =
      Types.ROW_NAMED(
          new String[] {"tenant", "id"}, Types.STRING, Types.TUPLE(Types.STRING, Types.LONG));

  /** {@code k1#o1} has key (t1, (k1, 1)), {@code k2#guest} has key (t1, (k2, null)). */
  static Row key(String record) {
    return Row.of("t1", Tuple2.of(JoinHarness.key(record), record.endsWith("#guest") ? null : 1L));
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void rowKeyHoldingATupleWithANullField_factNullKey_dimensionRecordDeadLettered(
      StateBackendKind backend) throws Exception {
    DimensionJoinStep<String, String, Row, String> step =
        DimensionJoin.latest(
                JoinHarness.STEP,
                JoinHarness.dimensionStream(),
                NestedTupleJoinKeyTest::key,
                NestedTupleJoinKeyTest::key,
                JoinHarness::combine,
                Types.STRING)
            .withKeyType(KEY);
    KeyedHarness<Object, Either<String, Change<String>>, String> join =
        JoinHarness.harness(step, Types.STRING, Types.STRING);
    DataStream<?> output = JoinHarness.expandedOutput(step);

    List<String> facts;
    List<String> nullKeyOutputs;
    long factChecksIn;
    long factChecksOut;
    try (OneInputStreamOperatorTestHarness<String, String> check =
        KeyCheckHarness.open(output, "test/join/fact-keys")) {
      check.processElement("k1#o1", 10);
      check.processElement("k2#guest", 11);
      facts = check.extractOutputValues();
      var side = check.getSideOutput(FactKeyCheck.nullKeyTag(Types.STRING));
      nullKeyOutputs =
          side == null ? List.of() : side.stream().map(StreamRecord::getValue).toList();
      factChecksIn = KeyCheckHarness.count(check, "test/join", StepMetrics.RECORDS_IN);
      factChecksOut = KeyCheckHarness.count(check, "test/join", StepMetrics.RECORDS_OUT);
    }
    List<Change<String>> rows;
    List<String> deadLetters;
    long dimensionDeadLettered;
    try (OneInputStreamOperatorTestHarness<Change<String>, Change<String>> check =
        KeyCheckHarness.open(output, "test/join/dimension-keys")) {
      check.processElement(Change.insert("k1#v1"), 1);
      check.processElement(Change.insert("k2#guest"), 2);
      rows = check.extractOutputValues();
      deadLetters = KeyCheckHarness.deadLetters(check);
      dimensionDeadLettered =
          KeyCheckHarness.count(check, "test/join/dimension", StepMetrics.RECORDS_DEAD_LETTERED);
    }

    try (OperatorHarness<Either<String, Change<String>>, String> joined = join.on(backend).open()) {
      for (Change<String> row : rows) {
        joined.processElement(JoinInput.dimension(row), 1); // before, (t1, (k2, null)) failed
      }
      for (String fact : facts) {
        joined.processElement(JoinInput.fact(fact), 10);
      }
      joined.snapshot(); // ... and here on the heap

      assertThat(lines(joined.emitted())).containsExactly("FOUND k1#o1 k1#v1 @10");
      assertThat(JoinHarness.counts(joined, "")).containsEntry(StepMetrics.RECORDS_IN, 1L);
      assertThat(JoinHarness.counts(joined, "/dimension"))
          .containsEntry(StepMetrics.RECORDS_IN, 1L);
    }
    assertThat(nullKeyOutputs).containsExactly("NULL_KEY k2#guest");
    assertThat(factChecksIn).isEqualTo(1);
    assertThat(factChecksOut).isEqualTo(1);
    assertThat(deadLetters)
        .containsExactly(
            "dev.etlkit.operators.enrich.DimensionJoinException: NULL_KEY: the dimension"
                + " record's key field id.f1 is null");
    assertThat(dimensionDeadLettered).isEqualTo(1);
  }
}
