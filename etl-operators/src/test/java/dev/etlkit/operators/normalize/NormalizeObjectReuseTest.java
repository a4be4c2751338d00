package dev.etlkit.operators.normalize;

import static dev.etlkit.operators.normalize.NormalizeHarnesses.checker;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.normalizer;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.sortedBatchChecker;

import dev.etlkit.core.Change;
import dev.etlkit.operators.MutableRow;
import dev.etlkit.operators.ObjectReuseCases;
import dev.etlkit.testkit.KeyedHarness;
import dev.etlkit.testkit.ObjectReuseCheck;
import dev.etlkit.testkit.StateBackendKind;
import java.util.List;
import java.util.stream.Stream;
import org.apache.flink.api.common.typeinfo.Types;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The normalize steps with Flink's object reuse on, behind an upstream that emits a new change
 * around one reused row object (its nested note included) for every record: output and restored
 * state as with fresh objects ({@link ObjectReuseCheck}), for every state layout (full rows,
 * versioned, projected to a part of the row, both) and the changelog check (also as on batch mode's
 * sorted input, where it holds records past the call), on generated changelogs with updates,
 * deletes, tombstones and redeliveries. The heap backend keeps the objects the step writes;
 * RocksDB, a sanity case, serializes them.
 */
class NormalizeObjectReuseTest {

  private static final int HEAP_SEEDS = 6;

  enum Variant {
    FULL_ROWS,
    VERSIONED,
    PROJECTED,
    VERSIONED_PROJECTED,
    CHECK,
    FULL_CHECK,
    /** The full check as on batch mode's sorted input: it holds a key's records of one time. */
    SORTED_BATCH_FULL_CHECK;

    KeyedHarness<String, Change<MutableRow>, Change<MutableRow>> recipe() {
      if (this == SORTED_BATCH_FULL_CHECK) {
        return sortedBatchChecker(
                ChangelogCheck.validate("check", MutableRow::key, Types.STRING).withFullChangelog(),
                MutableRow.TYPE)
            .recipe;
      }
      if (this == CHECK || this == FULL_CHECK) {
        ChangelogCheck<MutableRow, String> check =
            ChangelogCheck.validate("check", MutableRow::key, Types.STRING);
        return checker(this == CHECK ? check : check.withFullChangelog(), MutableRow.TYPE, null)
            .recipe;
      }
      UpsertNormalize<MutableRow, String> normalize =
          Normalize.upserts("normalize", MutableRow::key, Types.STRING);
      if (this == VERSIONED || this == VERSIONED_PROJECTED) {
        normalize = normalize.withSequence(change -> change.value().version);
      }
      if (this == PROJECTED || this == VERSIONED_PROJECTED) {
        // keeps a part of the row itself, as a projection to a nested object does
        normalize =
            normalize.withProjectedState(
                row -> row.note, MutableRow.NOTE, note -> new MutableRow("?", note.text, 0));
      }
      return normalizer(normalize, MutableRow.TYPE, null).recipe;
    }
  }

  static Stream<Arguments> cases() {
    return ObjectReuseCases.cases(List.of(Variant.values()), HEAP_SEEDS);
  }

  @ParameterizedTest(name = "{0} on {1}, seed {2}")
  @MethodSource("cases")
  void reusedInputObjects_changeNeitherOutputNorState(
      Variant variant, StateBackendKind backend, long seed) {
    ObjectReuseCheck.of(
            variant.recipe().on(backend),
            ObjectReuseCases.messyChangelog(seed, 0.2),
            MutableRow.reusingChanges())
        .verify();
  }
}
