package dev.etlkit.operators.normalize;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.core.DeadLetter;
import dev.etlkit.operators.internal.KeyCheck;
import java.util.List;
import javax.annotation.Nullable;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.streaming.api.operators.ProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

/**
 * The key check before the shuffle of normalize and the changelog check puts a Change's own event
 * time first in its dead letters, as the steps' own operators do (failed before 2026-11-23, found
 * by a review: it used the record's timestamp).
 *
 * <p>concepts.md, "Dead letters and error policies": "Three steps put a {@code Change}'s own event
 * time first, as it is the time they work with [...]: normalize, the changelog check and SCD2;
 * their dead letters fall back to the record's timestamp." normalize.md: a change whose key is null
 * or whose key selector throws "becomes a dead letter of the step", and "Dead letters carry [...]
 * its event time (the change's, else the record's timestamp)".
 *
 * <p>The key checks are built here exactly as {@code UpsertNormalize.expand} and {@code
 * ChangelogCheck.expand} build them.
 */
class NormalizeKeyCheckEventTimeTest {

  /** The key of {@code k1#v1}; null for a row starting with {@code none}. */
  @Nullable
  static String key(String row) {
    return row.startsWith("none") ? null : row.substring(0, row.indexOf('#'));
  }

  @Test
  void upserts_nullKeyDeadLetter_carriesTheChangesOwnEventTime() throws Exception {
    UpsertNormalize<String, String> spec =
        Normalize.upserts("normalize", NormalizeKeyCheckEventTimeTest::key, Types.STRING);
    try (OneInputStreamOperatorTestHarness<Change<String>, Change<String>> h =
        ProcessFunctionTestHarnesses.forProcessFunction(
            new KeyCheck<>(
                spec.changeKey(),
                spec.keyType(),
                Change.typeInfo(Types.STRING),
                true,
                NormalizeHarnesses.errors(),
                UpsertNormalize::nullKey,
                true))) {
      // a CDC row without its key, committed at 100, read (record timestamp) at 5
      h.processElement(Change.insert("none#v1").withEventTime(100L).withSourcePosition(7L), 5L);

      List<DeadLetter> letters =
          h.getSideOutput(DeadLetter.OUTPUT_TAG).stream().map(StreamRecord::getValue).toList();
      assertThat(letters)
          .extracting(DeadLetter::errorMessage)
          .containsExactly("the upsert key is null");
      // the change's own event time first, as for every other dead letter of the normalizer
      assertThat(letters.get(0).eventTime()).isEqualTo(100L);
    }
  }

  @Test
  void changelogCheck_nullKeyDeadLetter_carriesTheChangesOwnEventTime() throws Exception {
    ChangelogCheck<String, String> spec =
        ChangelogCheck.validate("check", NormalizeKeyCheckEventTimeTest::key, Types.STRING);
    try (OneInputStreamOperatorTestHarness<Change<String>, Change<String>> h =
        ProcessFunctionTestHarnesses.forProcessFunction(
            new KeyCheck<>(
                spec.changeKey(),
                spec.keyType(),
                Change.typeInfo(Types.STRING),
                false,
                NormalizeHarnesses.errors(),
                ChangelogCheck::nullKey,
                true))) {
      h.processElement(Change.insert("none#v1").withEventTime(100L), 5L);

      List<DeadLetter> letters =
          h.getSideOutput(DeadLetter.OUTPUT_TAG).stream().map(StreamRecord::getValue).toList();
      assertThat(letters)
          .extracting(DeadLetter::errorMessage)
          .containsExactly("the changelog check key is null");
      assertThat(letters.get(0).eventTime()).isEqualTo(100L);
    }
  }

  /**
   * Found by a review of the dimension join on 2026-11-24 (the key check is shared): before, a
   * tuple key with a {@code null} field passed the check and failed the normalizer where it
   * serialized the key.
   */
  @Test
  void upserts_tupleKeyWithANullField_deadLetterNamesTheField() throws Exception {
    UpsertNormalize<String, Tuple2<String, String>> spec =
        Normalize.upserts(
            "normalize",
            row -> Tuple2.of(key(row), row.endsWith("#guest") ? null : "x"),
            Types.TUPLE(Types.STRING, Types.STRING));
    KeyCheck<Change<String>, Tuple2<String, String>> check =
        new KeyCheck<>(
            spec.changeKey(),
            spec.keyType(),
            Change.typeInfo(Types.STRING),
            true,
            NormalizeHarnesses.errors(),
            UpsertNormalize::nullKey,
            true);
    try (OneInputStreamOperatorTestHarness<Change<String>, Change<String>> h =
        new OneInputStreamOperatorTestHarness<>(new ProcessOperator<>(check))) {
      h.setup(Change.typeInfo(Types.STRING).createSerializer(new SerializerConfigImpl()));
      h.open();
      h.processElement(Change.insert("k1#v1"), 5L);
      h.processElement(Change.insert("k1#guest"), 6L);

      assertThat(h.extractOutputValues()).containsExactly(Change.insert("k1#v1"));
      assertThat(h.getSideOutput(DeadLetter.OUTPUT_TAG))
          .extracting(r -> r.getValue().errorMessage())
          .containsExactly("the upsert key field f1 is null");
    }
  }
}
