package dev.etlkit.operators.enrich.join;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.testkit.HarnessInput;
import dev.etlkit.testkit.Soak;
import dev.etlkit.testkit.StateBackendKind;
import java.util.List;
import java.util.Map;
import org.apache.flink.types.Either;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The operator against the reference model over longer seeded scripts (the seed picks the
 * configuration too): by default {@code heapSeeds()} scripts of {@value #LENGTH} steps on heap and
 * {@code rocksDbSeeds()} on RocksDB; under {@code -Psoak} 2000 and 200.
 */
class DimensionJoinModelTest {

  static final int LENGTH = 150;

  static List<Long> heapSeeds() {
    return Soak.seeds(100, 2_000);
  }

  static List<Long> rocksDbSeeds() {
    return Soak.seeds(8, 200);
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("heapSeeds")
  void operatorOnHeap_generatedScript_emitsWhatTheModelEmits(long seed) throws Exception {
    check(seed, StateBackendKind.HEAP);
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("rocksDbSeeds")
  void operatorOnRocksDb_generatedScript_emitsWhatTheModelEmits(long seed) throws Exception {
    check(seed, StateBackendKind.ROCKSDB);
  }

  static JoinMode mode(long seed) {
    return JoinMode.MODES.get((int) Math.floorMod(seed, (long) JoinMode.MODES.size()));
  }

  static HarnessInput<Either<String, Change<String>>> script(long seed) {
    // 3 to 9 keys: with more keys, facts more often come before their key's first row
    return JoinScripts.script(JoinScripts.random(seed, LENGTH, 3 + (int) Math.floorMod(seed, 7L)));
  }

  private static void check(long seed, StateBackendKind backend) throws Exception {
    JoinMode mode = mode(seed);
    HarnessInput<Either<String, Change<String>>> script = script(seed);
    Map<String, List<String>> expected = DimensionJoinModel.run(mode, script);

    assertThat(DimensionJoinPropertiesTest.run(mode, script, backend))
        .as("%s, seed %s", mode, seed)
        .isEqualTo(expected);
  }
}
