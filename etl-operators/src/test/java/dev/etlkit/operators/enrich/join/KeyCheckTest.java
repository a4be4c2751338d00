package dev.etlkit.operators.enrich.join;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.core.Change;
import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.ErrorHandler;
import dev.etlkit.core.ErrorPolicy;
import dev.etlkit.core.EtlException;
import dev.etlkit.core.StepIdentity;
import dev.etlkit.operators.enrich.JoinStatus;
import dev.etlkit.operators.enrich.UnmatchedFacts;
import dev.etlkit.operators.enrich.internal.join.DimensionJoinOperator;
import dev.etlkit.operators.enrich.internal.join.FactKeyCheck;
import dev.etlkit.operators.internal.KeyCheck;
import java.util.List;
import javax.annotation.Nullable;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.ProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

/**
 * The checks before the shuffle: Flink's {@code keyBy} would fail the job on a {@code null} key or
 * a throwing key selector, so facts and dimension records with one are finished here.
 */
class KeyCheckTest {

  private static final StepIdentity STEP = new StepIdentity("test", "join", "test/join");
  private static final String SECRET = "SECRET-4711";

  @Test
  void fact_nullKey_passedOnAsNullKeyWithoutAShuffle() throws Exception {
    try (var h = facts(UnmatchedFacts.EMIT)) {
      h.processElement("k1#o1", 10);
      h.processElement("none", 11);

      assertThat(h.extractOutputValues()).containsExactly("k1#o1");
      assertThat(h.getSideOutput(FactKeyCheck.nullKeyTag(Types.STRING)))
          .extracting(StreamRecord::getValue)
          .containsExactly("NULL_KEY none");
    }
  }

  @Test
  void fact_nullKeyAndUnmatchedDeadLettered_deadLetter() throws Exception {
    try (var h = facts(UnmatchedFacts.DEAD_LETTER)) {
      h.processElement("none", 11);

      assertThat(h.getSideOutput(DeadLetter.OUTPUT_TAG))
          .extracting(r -> r.getValue().errorMessage())
          .containsExactly(
              "UNMATCHED: the fact got no dimension row (NULL_KEY) and unmatched facts are"
                  + " dead-lettered");
    }
  }

  /**
   * Found by a review on 2026-11-24: before, a fact with a {@code null} key counted as {@code
   * factsNullKey} also when the combiner then threw for it (a dead letter), unlike every other
   * status, which the join counts once the combiner made the output.
   */
  @Test
  void fact_nullKeyWhoseCombinerThrows_deadLetter_notCountedAsNullKey() throws Exception {
    FactKeyCheck<String, String, String, String> check =
        new FactKeyCheck<>(
            KeyCheckTest::key,
            Types.STRING,
            Types.STRING,
            (fact, row, status) -> {
              if (fact.endsWith("#throws")) {
                throw new IllegalStateException("combiner failed");
              }
              return status + " " + fact;
            },
            UnmatchedFacts.EMIT,
            new ErrorHandler(STEP, ErrorPolicy.deadLetter()),
            Types.STRING);
    try (var h = ProcessFunctionTestHarnesses.forProcessFunction(check)) {
      h.processElement("none", 10);
      h.processElement("none#throws", 11);

      assertThat(h.getSideOutput(FactKeyCheck.nullKeyTag(Types.STRING)))
          .extracting(StreamRecord::getValue)
          .containsExactly("NULL_KEY none");
      assertThat(h.getSideOutput(DeadLetter.OUTPUT_TAG))
          .extracting(r -> r.getValue().errorMessage())
          .containsExactly("combiner failed");
      assertThat(check.joinMetrics().count(JoinStatus.NULL_KEY)).isEqualTo(1);
    }
  }

  /**
   * The key is checked first, before the shuffle: a fact with a {@code null} key needs no version,
   * so a point-in-time join's rules of time do not apply to it. Without a timestamp or far behind
   * the watermark it is {@code NULL_KEY} (passed on at once, or an {@code UNMATCHED} dead letter),
   * never {@code NO_TIMESTAMP} or {@code LATE}, counted once under {@code factsNullKey}; so is a
   * dimension record with a {@code null} key and no timestamp.
   */
  @Test
  void fact_nullKeyWithoutTimestampOrLate_isNullKey_theKeyIsCheckedFirst() throws Exception {
    for (UnmatchedFacts unmatched : UnmatchedFacts.values()) {
      FactKeyCheck<String, String, String, String> check =
          new FactKeyCheck<>(
              KeyCheckTest::key,
              Types.STRING,
              Types.STRING,
              JoinHarness::combine,
              unmatched,
              new ErrorHandler(STEP, ErrorPolicy.deadLetter()),
              Types.STRING);
      try (var h = ProcessFunctionTestHarnesses.forProcessFunction(check)) {
        h.processWatermark(1_000L);
        h.processElement(new StreamRecord<>("none#untimed"));
        h.processElement("none#late", 5L);

        if (unmatched == UnmatchedFacts.EMIT) {
          assertThat(h.getSideOutput(FactKeyCheck.nullKeyTag(Types.STRING)))
              .extracting(StreamRecord::getValue)
              .containsExactly("NULL_KEY none#untimed", "NULL_KEY none#late");
          assertThat(h.getSideOutput(DeadLetter.OUTPUT_TAG)).isNull();
        } else {
          assertThat(h.getSideOutput(DeadLetter.OUTPUT_TAG))
              .extracting(r -> r.getValue().errorMessage())
              .containsOnly(
                  "UNMATCHED: the fact got no dimension row (NULL_KEY) and unmatched facts are"
                      + " dead-lettered")
              .hasSize(2);
        }
        assertThat(h.extractOutputValues()).isEmpty();
        assertThat(check.joinMetrics().count(JoinStatus.NULL_KEY)).isEqualTo(2);
        assertThat(check.joinMetrics().lateCount()).isZero();
      }
    }
    try (var h = dimensions(ErrorPolicy.deadLetter())) {
      h.processElement(new StreamRecord<>(Change.insert("none")));

      assertThat(h.getSideOutput(DeadLetter.OUTPUT_TAG))
          .extracting(r -> r.getValue().errorMessage())
          .containsExactly("NULL_KEY: the dimension record's key is null");
    }
  }

  @Test
  void fact_keySelectorThrows_deadLetterWithoutThePayloadInTheMessage() throws Exception {
    try (var h = facts(UnmatchedFacts.EMIT)) {
      h.processElement("bad " + SECRET, 12);

      DeadLetter letter = h.getSideOutput(DeadLetter.OUTPUT_TAG).poll().getValue();
      assertThat(letter.errorClass()).isEqualTo(IllegalArgumentException.class.getName());
      assertThat(letter.errorMessage()).doesNotContain(SECRET);
      assertThat(letter.payloadAsText()).contains(SECRET);
      assertThat(letter.eventTime()).isEqualTo(12L);
      assertThat(h.extractOutputValues()).isEmpty();
    }
  }

  @Test
  void factChange_keySelectorThrows_deadLetterKeepsItsSourcePosition() throws Exception {
    try (OneInputStreamOperatorTestHarness<Change<String>, Change<String>> h =
        ProcessFunctionTestHarnesses.forProcessFunction(
            new FactKeyCheck<Change<String>, String, String, String>(
                fact -> key(fact.value()),
                Types.STRING,
                JoinHarness.CHANGE,
                (fact, row, status) -> status + " " + fact.value(),
                UnmatchedFacts.EMIT,
                new ErrorHandler(STEP, ErrorPolicy.deadLetter()),
                Types.STRING))) {
      h.processElement(Change.insert("bad").withSourcePosition(41L), 12);

      assertThat(h.getSideOutput(DeadLetter.OUTPUT_TAG))
          .extracting(r -> r.getValue().sourcePosition())
          .containsExactly("41");
    }
  }

  @Test
  void dimension_nullKeyOrThrowingKey_deadLettered_updateBeforeDropped() throws Exception {
    try (var h = dimensions(ErrorPolicy.deadLetter())) {
      h.processElement(Change.insert("k1#v1"), 1);
      h.processElement(Change.updateBefore("k1#v1"), 2);
      h.processElement(
          Change.of(org.apache.flink.types.RowKind.UPDATE_AFTER, "none", null, 77L), 3);
      h.processElement(Change.insert("bad " + SECRET), 4);

      assertThat(h.extractOutputValues()).containsExactly(Change.insert("k1#v1"));
      List<DeadLetter> letters =
          h.getSideOutput(DeadLetter.OUTPUT_TAG).stream().map(StreamRecord::getValue).toList();
      assertThat(letters)
          .extracting(DeadLetter::errorMessage)
          .containsExactly("NULL_KEY: the dimension record's key is null", "no key");
      assertThat(letters).extracting(DeadLetter::step).containsOnly("join/dimension");
      assertThat(letters.get(0).sourcePosition()).isEqualTo("77");
      assertThat(letters.get(1).errorMessage()).doesNotContain(SECRET);
    }
  }

  @Test
  void fact_errorRateBudget_isTheShareOfBadFactsAmongAllFactsItSees() throws Exception {
    // 10 bad facts in 2,000: 0.5 %, within 1 %; the facts passed to the join count too
    try (var h = facts(UnmatchedFacts.EMIT, ErrorPolicy.errorRateBudget(0.01, 5))) {
      for (int i = 0; i < 2_000; i++) {
        h.processElement(i % 200 == 199 ? "bad" : "k" + i + "#o1", i);
      }

      assertThat(h.extractOutputValues()).hasSize(1_990);
      assertThat(h.getSideOutput(DeadLetter.OUTPUT_TAG)).hasSize(10);
    }
  }

  @Test
  void fact_errorRateBudget_badFactsBeforeMinRecords_tripsWhenMinRecordsAreIn() throws Exception {
    try (var h = facts(UnmatchedFacts.EMIT, ErrorPolicy.errorRateBudget(0.5, 3))) {
      h.processElement("bad", 1);
      h.processElement("bad", 2);

      assertThatThrownBy(() -> h.processElement("k1#o1", 3)) // 2 bad facts of 3
          .isInstanceOf(EtlException.class)
          .hasMessageContaining("2 bad records in the first 3 inputs");
    }
  }

  @Test
  void dimension_errorRateBudget_isTheShareOfBadRecordsAmongAllRecordsItSees() throws Exception {
    try (var h = dimensions(ErrorPolicy.errorRateBudget(0.01, 5))) {
      for (int i = 0; i < 2_000; i++) {
        h.processElement(Change.insert(i % 200 == 199 ? "none" : "k" + i + "#v1"), i);
      }

      assertThat(h.extractOutputValues()).hasSize(1_990);
      assertThat(h.getSideOutput(DeadLetter.OUTPUT_TAG)).hasSize(10);
    }
  }

  private static OneInputStreamOperatorTestHarness<String, String> facts(UnmatchedFacts unmatched)
      throws Exception {
    return facts(unmatched, ErrorPolicy.deadLetter());
  }

  private static OneInputStreamOperatorTestHarness<String, String> facts(
      UnmatchedFacts unmatched, ErrorPolicy policy) throws Exception {
    return ProcessFunctionTestHarnesses.forProcessFunction(
        new FactKeyCheck<String, String, String, String>(
            KeyCheckTest::key,
            Types.STRING,
            Types.STRING,
            JoinHarness::combine,
            unmatched,
            new ErrorHandler(STEP, policy),
            Types.STRING));
  }

  private static OneInputStreamOperatorTestHarness<Change<String>, Change<String>> dimensions(
      ErrorPolicy policy) throws Exception {
    KeyCheck<Change<String>, String> check =
        DimensionJoinOperator.dimensionKeyCheck(
            KeyCheckTest::key,
            Types.STRING,
            JoinHarness.CHANGE,
            new ErrorHandler(DimensionJoinOperator.dimensionIdentity(STEP), policy));
    var h = new OneInputStreamOperatorTestHarness<>(new ProcessOperator<>(check));
    h.setup(JoinHarness.CHANGE.createSerializer(new SerializerConfigImpl()));
    h.open();
    return h;
  }

  /** {@code k1#o1} has key {@code k1}, {@code none...} has none, {@code bad ...} fails. */
  @Nullable
  static String key(String record) {
    if (record.startsWith("bad")) {
      throw new IllegalArgumentException("no key");
    }
    return record.startsWith("none") ? null : JoinHarness.key(record);
  }
}
