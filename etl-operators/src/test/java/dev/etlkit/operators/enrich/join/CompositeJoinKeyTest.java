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
import org.apache.flink.types.Either;
import org.apache.flink.types.Row;
import org.junit.jupiter.api.Test;

/**
 * Edges of composite join keys found by a review on 2026-11-24, each failing before that day's
 * fixes: a composite join key (tenant, customer id) of a guest order has a {@code null} customer
 * id. Before, the key checks before the shuffle only looked for a key that is {@code null} as a
 * whole and passed the fact on; the join's key serializer cannot write the {@code null} part
 * (Flink's tuple serializer refuses null fields), and the join failed (on RocksDB at once, on the
 * heap at the next checkpoint), and the restarted job read the same fact again: it never recovered.
 * Now a tuple key with a {@code null} field is a missing key: the fact gets {@code NULL_KEY} as the
 * docs promise for a missing foreign key ("like a SQL outer join gives NULLs"), and a dimension
 * record becomes a {@code NULL_KEY} dead letter, before the shuffle.
 */
class CompositeJoinKeyTest {

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
                CompositeJoinKeyTest::key,
                KEY,
                Types.STRING,
                JoinHarness::combine,
                UnmatchedFacts.EMIT,
                new ErrorHandler(STEP, ErrorPolicy.deadLetter()),
                Types.STRING))) {
      check.processElement("k1#o1", 10);
      check.processElement("k1#guest", 11);
      passedOn = check.extractOutputValues();
      // Flink's harness has no side output (null) until something went there
      var side = check.getSideOutput(FactKeyCheck.nullKeyTag(Types.STRING));
      nullKeys = side == null ? List.of() : side.stream().map(StreamRecord::getValue).toList();
      assertThat(check.getSideOutput(DeadLetter.OUTPUT_TAG)).isNullOrEmpty();
    }

    try (OperatorHarness<Either<String, Change<String>>, String> join = openJoin()) {
      for (String fact : passedOn) {
        join.processElement(JoinInput.fact(fact), 10); // before, (k1, null) failed here
      }
      assertThat(lines(join.emitted())).containsExactly("NOT_FOUND k1#o1 @10");
    }
    assertThat(passedOn).containsExactly("k1#o1");
    assertThat(nullKeys).containsExactly("NULL_KEY k1#guest");
  }

  /**
   * The same for a dimension record: docs/enrichment-state.md, "Bad records and dead letters": a
   * dimension record with a {@code null} key becomes a {@code NULL_KEY} dead letter. Before, a
   * customer with a {@code null} part of its composite key passed the dimension key check and
   * failed the join; now the dead letter names the {@code null} field.
   */
  @Test
  void dimensionRecordWithANullKeyPart_deadLetteredByTheKeyCheck_neverFailsTheJoin()
      throws Exception {
    KeyCheck<Change<String>, Tuple2<String, Long>> keyCheck =
        DimensionJoinOperator.dimensionKeyCheck(
            CompositeJoinKeyTest::key,
            KEY,
            JoinHarness.CHANGE,
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

    try (OperatorHarness<Either<String, Change<String>>, String> join = openJoin()) {
      for (Change<String> change : passedOn) {
        join.processElement(JoinInput.dimension(change), 1); // before, (k2, null) failed here
      }
      join.processElement(JoinInput.fact("k1#o1"), 10);
      assertThat(lines(join.emitted())).containsExactly("FOUND k1#o1 k1#v1 @10");
    }
    assertThat(passedOn).containsExactly(Change.insert("k1#v1"));
    assertThat(deadLetters)
        .containsExactly("NULL_KEY: the dimension record's key field f1 is null");
  }

  /** A latest join keyed by {@link #key}, on RocksDB (which serializes every key it touches). */
  private static OperatorHarness<Either<String, Change<String>>, String> openJoin()
      throws Exception {
    DimensionJoinStep<String, String, Tuple2<String, Long>, String> step =
        DimensionJoin.latest(
                JoinHarness.STEP,
                JoinHarness.dimensionStream(),
                CompositeJoinKeyTest::key,
                CompositeJoinKeyTest::key,
                JoinHarness::combine,
                Types.STRING)
            .withKeyType(KEY);
    return JoinHarness.harness(step, Types.STRING, Types.STRING)
        .on(StateBackendKind.ROCKSDB)
        .open();
  }

  /**
   * What the key checks of every step look for ({@link KeyCheck} is shared with dedup, normalize
   * and the changelog check): the first {@code null} field of a tuple key, nested tuples included.
   * A {@code Row} or a POJO writes its {@code null} fields and passes.
   */
  @Test
  void nullField_namesTheFirstNullFieldOfATupleKey_atAnyDepth() {
    assertThat(KeyCheck.nullField(Tuple2.of("k1", 1L))).isNull();
    assertThat(KeyCheck.nullField(Tuple2.of("k1", null))).isEqualTo("f1");
    assertThat(KeyCheck.nullField(Tuple2.of(null, null))).isEqualTo("f0");
    assertThat(KeyCheck.nullField(Tuple2.of("k1", Tuple2.of(null, 1L)))).isEqualTo("f1.f0");
    assertThat(KeyCheck.nullField(Row.of("k1", null))).isNull();
    assertThat(KeyCheck.nullField(new Order("o1", null, 1L, 100L))).isNull();
    assertThat(KeyCheck.nullField("k1")).isNull();
    // without the walk of the key's type (NestedNullFields.of), the plain tuple walk
    assertThat(KeyCheck.nullField(Tuple2.of("k1", null), null)).isEqualTo("f1");
    assertThat(KeyCheck.nullField(Row.of("t1", Tuple2.of("k1", null)), null)).isNull();
  }
}
