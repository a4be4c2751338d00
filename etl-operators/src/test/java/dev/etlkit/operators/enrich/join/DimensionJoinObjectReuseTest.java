package dev.etlkit.operators.enrich.join;

import dev.etlkit.core.Change;
import dev.etlkit.operators.MutableRow;
import dev.etlkit.operators.ObjectReuseCases;
import dev.etlkit.operators.enrich.JoinStatus;
import dev.etlkit.testkit.ChangelogGenerator;
import dev.etlkit.testkit.HarnessInput;
import dev.etlkit.testkit.KeyedHarness;
import dev.etlkit.testkit.ObjectReuseCheck;
import dev.etlkit.testkit.StateBackendKind;
import java.util.stream.Stream;
import javax.annotation.Nullable;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.types.Either;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The dimension join with Flink's object reuse on, behind a fact upstream and a dimension upstream
 * that each emit one reused row object for every record (the dimension's in a new change): output
 * and restored state as with fresh objects ({@link ObjectReuseCheck}), for every configuration of
 * {@link JoinMode#MODES} (latest and point in time, facts waiting for their row, held until the
 * watermark, released by a row, a timer or a watermark), on the generated scripts of the model
 * test, turned into mutable rows. The operator copies the facts and rows it keeps when object reuse
 * is on; this guards that.
 */
class DimensionJoinObjectReuseTest {

  private static final int HEAP_SEEDS_PER_MODE = 4;

  static Stream<Arguments> cases() {
    return ObjectReuseCases.cases(JoinMode.MODES, HEAP_SEEDS_PER_MODE);
  }

  @ParameterizedTest(name = "{0} on {1}, seed {2}")
  @MethodSource("cases")
  void reusedInputObjects_changeNeitherOutputNorState(
      JoinMode mode, StateBackendKind backend, long seed) {
    KeyedHarness<Object, Either<MutableRow, Change<MutableRow>>, String> harness =
        JoinHarness.harness(
            mode.step(
                MutableRow.CHANGES,
                MutableRow::key,
                MutableRow::key,
                DimensionJoinObjectReuseTest::combine,
                Types.STRING),
            MutableRow.TYPE,
            Types.STRING);
    HarnessInput<Either<MutableRow, Change<MutableRow>>> script =
        DimensionJoinModelTest.script(seed)
            .map(
                input ->
                    input.isLeft()
                        ? JoinInput.fact(row(input.left()))
                        : JoinInput.dimension(input.right().withValue(row(input.right().value()))));
    MutableRow fact = new MutableRow();
    MutableRow dimension = new MutableRow();
    ObjectReuseCheck.of(
            harness.on(backend),
            script,
            input ->
                input.isLeft()
                    ? JoinInput.fact(fact.fill(input.left()))
                    : JoinInput.dimension(
                        input.right().withValue(dimension.fill(input.right().value()))))
        .verify();
  }

  static String combine(MutableRow fact, @Nullable MutableRow row, JoinStatus status) {
    return status + " " + fact + (row == null ? "" : " " + row);
  }

  /** {@code k1#o3} as a row of key {@code k1} and text {@code o3}; {@code k1#} of no text. */
  private static MutableRow row(String generated) {
    String key = ChangelogGenerator.stringKey(generated);
    String text = generated.substring(key.length() + 1);
    return new MutableRow(key, text.isEmpty() ? null : text, 0);
  }
}
