package dev.etlkit.operators.enrich.join;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.operators.enrich.UnmatchedFacts;
import dev.etlkit.testkit.HarnessInput;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.apache.flink.types.Either;
import org.apache.flink.types.RowKind;

/**
 * The operator against the reference model over arbitrary short scripts (jqwik shrinks a failure to
 * a minimal script), for every configuration of {@link JoinMode#MODES}: the same records per key,
 * in the same order. On heap; {@code DimensionJoinModelTest} runs seeded scripts on RocksDB.
 */
class DimensionJoinPropertiesTest {

  @Property(tries = 300)
  void operator_anyScript_emitsWhatTheModelEmits(
      @ForAll("modes") JoinMode mode, @ForAll("scripts") List<JoinScripts.Op> ops)
      throws Exception {
    HarnessInput<Either<String, Change<String>>> script = JoinScripts.script(ops);

    assertThat(run(mode, script, StateBackendKind.HEAP))
        .isEqualTo(DimensionJoinModel.run(mode, script));
  }

  /**
   * The script a CI run found (the model released waiting facts in arrival order, the operator in
   * time order, as documented): {@code o1} at 1 waits from the watermark at 1, {@code o2} at 0
   * arrives within the allowed lateness and waits behind it, and a version at 0 releases both.
   */
  @Example
  void lateVersion_releasesWaitingFactsInTimeOrder_notArrivalOrder() throws Exception {
    JoinMode mode = JoinMode.asOf(20, 10, 4, UnmatchedFacts.EMIT);
    HarnessInput<Either<String, Change<String>>> script =
        JoinScripts.script(
            List.of(
                new JoinScripts.Op(JoinScripts.Kind.FACT, 0, 0, 1, RowKind.INSERT, false),
                new JoinScripts.Op(JoinScripts.Kind.WATERMARK, 0, 0, 1, RowKind.INSERT, false),
                new JoinScripts.Op(JoinScripts.Kind.FACT, 0, 0, 0, RowKind.INSERT, false),
                new JoinScripts.Op(JoinScripts.Kind.DIMENSION, 0, 0, 0, RowKind.INSERT, false)));
    List<String> expected =
        List.of("FOUND_AFTER_WAIT k0#o2 k0# @0", "FOUND_AFTER_WAIT k0#o1 k0# @1");

    assertThat(DimensionJoinModel.run(mode, script)).containsExactly(Map.entry("k0", expected));
    assertThat(run(mode, script, StateBackendKind.HEAP)).containsExactly(Map.entry("k0", expected));
    assertThat(run(mode, script, StateBackendKind.ROCKSDB))
        .containsExactly(Map.entry("k0", expected));
  }

  static Map<String, List<String>> run(
      JoinMode mode, HarnessInput<Either<String, Change<String>>> script, StateBackendKind backend)
      throws Exception {
    try (OperatorHarness<Either<String, Change<String>>, String> harness =
        mode.harness().on(backend).open()) {
      return JoinHarness.byKey(JoinHarness.lines(harness.run(script)));
    }
  }

  @Provide
  Arbitrary<JoinMode> modes() {
    return Arbitraries.of(JoinMode.MODES);
  }

  @Provide
  Arbitrary<List<JoinScripts.Op>> scripts() {
    return JoinScripts.arbitrary(30);
  }
}
