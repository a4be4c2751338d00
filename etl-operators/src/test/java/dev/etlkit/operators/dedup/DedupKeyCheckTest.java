package dev.etlkit.operators.dedup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.core.Change;
import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.ErrorPolicy;
import dev.etlkit.core.EtlException;
import dev.etlkit.core.EtlStream;
import dev.etlkit.core.StepMetrics;
import dev.etlkit.operators.internal.KeyCheckHarness;
import java.util.List;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.dag.Transformation;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.transformations.PartitionTransformation;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * The check a dedup step runs before its shuffle, as the step expands it: Flink's {@code keyBy}
 * would fail the job on a {@code null} key or a throwing key selector, so such records become dead
 * letters of the step there. The end-to-end behaviour (streaming, batch, fail-job policy) is in
 * {@link DedupKeyITCase}.
 */
class DedupKeyCheckTest {

  private static final String SECRET = "SECRET-4711";

  @Test
  void apply_checksTheKeysBeforeTheShuffle_inAnOperatorWithAStableUid() {
    EtlStream<String> firsts = DedupHarness.rows(step()).output();
    Transformation<?> check = keyCheckOf(firsts);

    assertThat(firsts.pipeline().uids()).containsExactlyInAnyOrder("test/dedup/keys", "test/dedup");
    assertThat(check.getUid()).isEqualTo("test/dedup/keys");
    assertThat(check.getParallelism()).isEqualTo(check.getInputs().get(0).getParallelism());
    assertThat(firsts.stateInventory().entries())
        .extracting(e -> e.uid())
        .containsOnly("test/dedup"); // the check keeps no state
  }

  @Test
  void keyCheck_nullOrThrowingKey_deadLettered_otherRecordsPassUntouched() throws Exception {
    try (OneInputStreamOperatorTestHarness<String, String> h =
        harness(DedupHarness.rows(step()).output())) {
      h.processElement("k1#v1", 10);
      h.processElement("none#v1", 11);
      h.processElement("bad#" + SECRET, 12);

      assertThat(h.extractOutputValues()).containsExactly("k1#v1");
      List<DeadLetter> letters =
          h.getSideOutput(DeadLetter.OUTPUT_TAG).stream().map(StreamRecord::getValue).toList();
      assertThat(letters)
          .extracting(l -> l.uid() + " " + l.errorClass() + ": " + l.errorMessage())
          .containsExactly(
              "test/dedup java.lang.IllegalArgumentException: the dedup key is null",
              "test/dedup java.lang.IllegalArgumentException: no key");
      assertThat(letters).extracting(DeadLetter::eventTime).containsExactly(11L, 12L);
      assertThat(letters.get(1).payloadAsText()).isEqualTo("bad#" + SECRET);
      assertThat(count(h, StepMetrics.RECORDS_IN)).isEqualTo(2); // k1 counts in the dedup operator
      assertThat(count(h, StepMetrics.RECORDS_DEAD_LETTERED)).isEqualTo(2);
    }
  }

  /**
   * Found by a review of the dimension join on 2026-11-24 (the key check is shared): before, a
   * tuple key with a {@code null} field passed the check, and the dedup operator behind the shuffle
   * failed the job when it serialized the key (Flink's tuple serializer refuses null fields).
   */
  @Test
  void keyCheck_tupleKeyWithANullField_deadLettered() throws Exception {
    Dedup.DedupStep<String, String, Tuple2<String, Long>, String> step =
        Dedup.keepFirst("dedup", DedupKeyCheckTest::tupleKey)
            .withKeyType(Types.TUPLE(Types.STRING, Types.LONG));
    try (OneInputStreamOperatorTestHarness<String, String> h =
        harness(DedupHarness.expand(step, Types.STRING).output())) {
      h.processElement("k1#v1", 10);
      h.processElement("k1#guest", 11);

      assertThat(h.extractOutputValues()).containsExactly("k1#v1");
      assertThat(h.getSideOutput(DeadLetter.OUTPUT_TAG))
          .extracting(r -> r.getValue().errorClass() + ": " + r.getValue().errorMessage())
          .containsExactly("java.lang.IllegalArgumentException: the dedup key field f1 is null");
    }
  }

  /** {@code k1#v1} has key (k1, 1), {@code k1#guest} has key (k1, null). */
  static Tuple2<String, Long> tupleKey(String row) {
    return Tuple2.of(DedupKeyITCase.key(row), row.endsWith("#guest") ? null : 1L);
  }

  @Test
  void keyCheck_changelog_updateBeforeFilteredWithoutReadingItsKey() throws Exception {
    try (OneInputStreamOperatorTestHarness<Change<String>, Change<String>> h =
        harness(DedupHarness.changes(step().onChangelog().withUpsertOutput()).output())) {
      h.processElement(Change.insert("k1#v1"), 1);
      h.processElement(Change.updateBefore("bad#v1"), 2);
      h.processElement(Change.updateAfter("none#v1").withSourcePosition(77L), 3);

      assertThat(h.extractOutputValues()).containsExactly(Change.insert("k1#v1"));
      assertThat(h.getSideOutput(DeadLetter.OUTPUT_TAG))
          .extracting(r -> r.getValue().errorMessage() + " @" + r.getValue().sourcePosition())
          .containsExactly("the dedup key is null @77");
      assertThat(count(h, StepMetrics.RECORDS_FILTERED)).isEqualTo(1);
    }
  }

  @Test
  void keyCheck_errorRateBudget_isTheShareOfBadKeysAmongAllRecordsItSees() throws Exception {
    // 10 null keys in 2,000 records: 0.5 %, within 1 %. Counting only the records it finished
    // (the bad ones), the check saw a rate of 100 % and failed at the 5th (found by the docs
    // review)
    try (OneInputStreamOperatorTestHarness<String, String> h =
        harness(
            DedupHarness.rows(step().withErrorPolicy(ErrorPolicy.errorRateBudget(0.01, 5)))
                .output())) {
      for (int i = 0; i < 2_000; i++) {
        h.processElement(i % 200 == 199 ? "none#v" + i : "k" + i + "#v1", i);
      }

      assertThat(h.extractOutputValues()).hasSize(1_990);
      assertThat(h.getSideOutput(DeadLetter.OUTPUT_TAG)).hasSize(10);
      assertThat(count(h, StepMetrics.RECORDS_IN)).isEqualTo(10); // the others count in dedup
    }
  }

  @Test
  void keyCheck_errorRateBudget_badKeysBeforeMinRecords_tripsWhenMinRecordsAreIn()
      throws Exception {
    try (OneInputStreamOperatorTestHarness<String, String> h =
        harness(
            DedupHarness.rows(step().withErrorPolicy(ErrorPolicy.errorRateBudget(0.5, 4)))
                .output())) {
      h.processElement("none#v1", 1);
      h.processElement("none#v2", 2);
      h.processElement("bad#v3", 3);

      assertThatThrownBy(() -> h.processElement("k1#v1", 4)) // 3 bad keys in 4 records
          .isInstanceOf(EtlException.class)
          .hasMessageContaining(
              "error-rate-budget(max 0.5 after 4 records) is exhausted: 3 bad records in the"
                  + " first 4 inputs");
      assertThat(h.extractOutputValues()).isEmpty();
    }
  }

  private static Dedup.DedupStep<String, String, String, String> step() {
    return Dedup.keepFirst("dedup", DedupKeyITCase::key).withKeyType(Types.STRING);
  }

  /** The key check of a dedup step's output: the input of the shuffle before the dedup operator. */
  private static Transformation<?> keyCheckOf(EtlStream<?> deduplicated) {
    Transformation<?> dedup = deduplicated.toDataStream().getTransformation();
    Transformation<?> shuffle = dedup.getInputs().get(0);
    assertThat(shuffle).isInstanceOf(PartitionTransformation.class);
    return shuffle.getInputs().get(0);
  }

  /** A harness of a fresh copy of the step's key check, opened. */
  private static <I> OneInputStreamOperatorTestHarness<I, I> harness(EtlStream<?> deduplicated)
      throws Exception {
    return KeyCheckHarness.open(keyCheckOf(deduplicated));
  }

  private static long count(OneInputStreamOperatorTestHarness<?, ?> h, String counter) {
    Object accumulator =
        ((AbstractStreamOperator<?>) h.getOneInputOperator())
            .getRuntimeContext()
            .getAccumulator(
                StepMetrics.ACCUMULATOR_PREFIX + DedupHarness.PIPELINE + "/dedup/" + counter);
    return accumulator == null ? 0L : ((LongCounter) accumulator).getLocalValuePrimitive();
  }
}
