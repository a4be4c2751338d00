package dev.etlkit.operators.dedup;

import static dev.etlkit.testkit.ChangelogAssert.assertThatChangelog;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.operators.dedup.DedupModel.Mode;
import dev.etlkit.testkit.ChangelogGenerator;
import dev.etlkit.testkit.HarnessInput;
import dev.etlkit.testkit.OperatorHarness;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import org.apache.flink.types.RowKind;

/**
 * Properties over arbitrary short scripts (jqwik shrinks a failure to a minimal script): few keys,
 * versions and timestamps, so equal timestamps, identical rows at other times, deletes of unknown
 * keys and records right at the watermark are common, which generated changelogs rarely have.
 */
class DedupPropertiesTest {

  @Property(tries = 250)
  void operator_anyScript_materializesToTheModel(
      @ForAll("modes") Mode mode, @ForAll("scripts") List<Op> ops) throws Exception {
    HarnessInput<Change<String>> script = script(mode, ops);
    DedupModel.Result expected = DedupModel.run(mode, script);

    for (boolean miniBatch : new boolean[] {false, true}) {
      try (OperatorHarness<Object, Object> harness = mode.harness(miniBatch).open()) {
        harness.run(mode.input(script));
        harness.snapshot();
        if (mode.output() == DedupOutput.APPEND) {
          @SuppressWarnings("unchecked")
          List<String> appended = (List<String>) (List<?>) harness.output();
          if (mode.eventTime()) {
            assertThat(appended).containsExactlyInAnyOrderElementsOf(expected.appended());
          } else {
            assertThat(appended).containsExactlyElementsOf(expected.appended());
          }
        } else {
          @SuppressWarnings("unchecked")
          List<Change<String>> changes = (List<Change<String>>) (List<?>) harness.output();
          var changelog = assertThatChangelog(changes);
          if (mode.output() == DedupOutput.UPSERT) {
            changelog = changelog.withKeyOnlyDeletes();
          }
          changelog.materializesTo(expected.table(), ChangelogGenerator::stringKey);
        }
      }
    }
  }

  @Provide
  Arbitrary<Mode> modes() {
    return Arbitraries.of(DedupModelTest.MODES);
  }

  @Provide
  Arbitrary<List<Op>> scripts() {
    Arbitrary<Op> element =
        Combinators.combine(
                Arbitraries.integers().between(0, 2),
                Arbitraries.integers().between(0, 3),
                Arbitraries.longs().between(0, 30),
                Arbitraries.of(
                    RowKind.INSERT, RowKind.UPDATE_AFTER, RowKind.UPDATE_BEFORE, RowKind.DELETE))
            .as((key, version, ts, kind) -> new Op(false, key, version, ts, kind));
    Arbitrary<Op> watermark =
        Arbitraries.longs().between(0, 30).map(ts -> new Op(true, 0, 0, ts, RowKind.INSERT));
    return Arbitraries.frequencyOf(Tuple.of(6, element), Tuple.of(1, watermark))
        .list()
        .ofMaxSize(25);
  }

  /** One step of an arbitrary script: a watermark, or a change of row {@code k<key>#v<version>}. */
  record Op(boolean watermark, int key, int version, long ts, RowKind kind) {}

  /**
   * The script a mode takes: watermarks only ever advance; on rows, every change is a row (a
   * version-0 row stands for a key-only one); on a changelog, version 0 makes a key-only delete.
   */
  private static HarnessInput<Change<String>> script(Mode mode, List<Op> ops) {
    HarnessInput.Builder<Change<String>> script = HarnessInput.builder();
    long watermark = Long.MIN_VALUE;
    for (Op op : ops) {
      if (op.watermark()) {
        if (op.ts() > watermark) {
          watermark = op.ts();
          script.watermark(op.ts());
        }
        continue;
      }
      String row = "k" + op.key() + (op.version() == 0 ? "#" : "#v" + op.version());
      RowKind kind = mode.changelog() ? op.kind() : RowKind.INSERT;
      script.element(Change.of(kind, row), op.ts());
    }
    return script.build();
  }
}
