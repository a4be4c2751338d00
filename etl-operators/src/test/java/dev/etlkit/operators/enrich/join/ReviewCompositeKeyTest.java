package dev.etlkit.operators.enrich.join;

import static dev.etlkit.operators.enrich.join.JoinHarness.lines;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.ErrorHandler;
import dev.etlkit.core.ErrorPolicy;
import dev.etlkit.core.StepIdentity;
import dev.etlkit.operators.enrich.DimensionJoin;
import dev.etlkit.operators.enrich.DimensionJoinStep;
import dev.etlkit.operators.enrich.UnmatchedFacts;
import dev.etlkit.operators.enrich.internal.join.DimensionJoinOperator;
import dev.etlkit.operators.enrich.internal.join.FactKeyCheck;
import dev.etlkit.operators.internal.KeyCheck;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import java.util.List;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.streaming.api.operators.ProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

/**
 * A composite join key (tenant, customer id) of a guest order has a {@code null} customer id. The
 * key check before the shuffle only looks for a key that is {@code null} as a whole, so it passes
 * the fact on; the join's key serializer cannot write the {@code null} part ({@code
 * LongSerializer}), and the join fails (on RocksDB at once, on the heap at the next checkpoint).
 * The restarted job reads the same fact again: the job never recovers. The docs promise that a fact
 * whose foreign key is missing "is not an error but a missing foreign key, so it gets NULL_KEY like
 * a SQL outer join gives NULLs", and that a bad record "never fails the job".
 */
class ReviewCompositeKeyTest {

  private static final StepIdentity STEP = new StepIdentity("test", "join", "test/join");

  private static final TypeInformation<Tuple2<String, Long>> KEY =
      Types.TUPLE(Types.STRING, Types.LONG);

  /** {@code k1#o1} has key (k1, 1), {@code k1#guest} has key (k1, null). */
  static Tuple2<String, Long> key(String record) {
    return Tuple2.of(JoinHarness.key(record), record.endsWith("#guest") ? null : 1L);
  }

  @Test
  void factWithANullKeyPart_finishedByTheKeyCheckAsNullKey_neverFailsTheJoin() throws Exception {
    List<String> passedOn;
    List<String> nullKeys;
    try (OneInputStreamOperatorTestHarness<String, String> check =
        ProcessFunctionTestHarnesses.forProcessFunction(
            new FactKeyCheck<String, Tuple2<String, Long>, String, String>(
                ReviewCompositeKeyTest::key,
                JoinHarness::combine,
                UnmatchedFacts.EMIT,
                new ErrorHandler(STEP, ErrorPolicy.deadLetter()),
                Types.STRING))) {
      check.processElement("k1#o1", 10);
      check.processElement("k1#guest", 11);
      passedOn = check.extractOutputValues();
      var side = check.getSideOutput(FactKeyCheck.nullKeyTag(Types.STRING));
      nullKeys = side == null ? List.of() : side.stream().map(StreamRecord::getValue).toList();
      assertThat(check.getSideOutput(DeadLetter.OUTPUT_TAG)).isNullOrEmpty();
    }

    DimensionJoinStep<String, String, Tuple2<String, Long>, String> step =
        DimensionJoin.latest(
                JoinHarness.STEP,
                JoinHarness.dimensionStream(),
                ReviewCompositeKeyTest::key,
                ReviewCompositeKeyTest::key,
                JoinHarness::combine,
                Types.STRING)
            .withKeyType(KEY);
    try (OperatorHarness<JoinInput<String, String>, String> join =
        JoinHarness.harness(step, Types.STRING, Types.STRING).on(StateBackendKind.ROCKSDB).open()) {
      for (String fact : passedOn) {
        join.processElement(JoinInput.fact(fact), 10); // (k1, null) fails here today
      }
      assertThat(lines(join.emitted())).containsExactly("NOT_FOUND k1#o1 @10");
    }
    assertThat(passedOn).containsExactly("k1#o1");
    assertThat(nullKeys).containsExactly("NULL_KEY k1#guest");
  }

  /**
   * The same for a dimension record: docs/enrichment-state.md, "Bad records and dead letters": a
   * dimension record with a {@code null} key becomes a {@code NULL_KEY} dead letter. A customer
   * with a {@code null} part of its composite key passes the dimension key check and fails the
   * join.
   */
  @Test
  void dimensionRecordWithANullKeyPart_deadLetteredByTheKeyCheck_neverFailsTheJoin()
      throws Exception {
    KeyCheck<Change<String>, Tuple2<String, Long>> keyCheck =
        DimensionJoinOperator.dimensionKeyCheck(
            ReviewCompositeKeyTest::key,
            new ErrorHandler(
                DimensionJoinOperator.dimensionIdentity(STEP), ErrorPolicy.deadLetter()));
    List<Change<String>> passedOn;
    List<String> deadLetters;
    try (var check = new OneInputStreamOperatorTestHarness<>(new ProcessOperator<>(keyCheck))) {
      check.setup(JoinHarness.CHANGE.createSerializer(new SerializerConfigImpl()));
      check.open();
      check.processElement(Change.insert("k1#v1"), 1);
      check.processElement(Change.insert("k2#guest"), 2);
      passedOn = check.extractOutputValues();
      var letters = check.getSideOutput(DeadLetter.OUTPUT_TAG);
      deadLetters =
          letters == null
              ? List.of()
              : letters.stream().map(r -> r.getValue().errorMessage()).toList();
    }

    DimensionJoinStep<String, String, Tuple2<String, Long>, String> step =
        DimensionJoin.latest(
                JoinHarness.STEP,
                JoinHarness.dimensionStream(),
                ReviewCompositeKeyTest::key,
                ReviewCompositeKeyTest::key,
                JoinHarness::combine,
                Types.STRING)
            .withKeyType(KEY);
    try (OperatorHarness<JoinInput<String, String>, String> join =
        JoinHarness.harness(step, Types.STRING, Types.STRING).on(StateBackendKind.ROCKSDB).open()) {
      for (Change<String> change : passedOn) {
        join.processElement(JoinInput.dimension(change), 1); // (k2, null) fails here today
      }
      join.processElement(JoinInput.fact("k1#o1"), 10);
      assertThat(lines(join.emitted())).containsExactly("FOUND k1#o1 k1#v1 @10");
    }
    assertThat(passedOn).containsExactly(Change.insert("k1#v1"));
    assertThat(deadLetters).containsExactly("NULL_KEY: the dimension record's key is null");
  }
}
