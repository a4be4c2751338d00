package dev.etlkit.operators.enrich.join;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.testkit.HarnessInput;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

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
    HarnessInput<JoinInput<String, String>> script = JoinScripts.script(ops);

    assertThat(run(mode, script, StateBackendKind.HEAP))
        .isEqualTo(DimensionJoinModel.run(mode, script));
  }

  static Map<String, List<String>> run(
      JoinMode mode, HarnessInput<JoinInput<String, String>> script, StateBackendKind backend)
      throws Exception {
    try (OperatorHarness<JoinInput<String, String>, String> harness =
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
