package dev.etlkit.operators.enrich.join;

import static dev.etlkit.operators.enrich.join.LatestJoinHarnessTest.fact;
import static dev.etlkit.operators.enrich.join.LatestJoinHarnessTest.row;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.core.StateInventory;
import dev.etlkit.operators.enrich.DimensionJoinStep;
import dev.etlkit.testkit.HarnessInput;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.SnapshotStates;
import dev.etlkit.testkit.StateBackendKind;
import java.time.Duration;
import java.util.stream.Stream;
import org.apache.flink.types.Either;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The join's savepoints hold exactly the states its inventory declares, with the declared
 * serializers and TTL, in each configuration of {@link JoinMode#MODES} with and without a TTL and a
 * delete retention, on heap and RocksDB. DimensionJoinDeclaredStateTest compares the names without
 * either option (and the serializers with a TTL), DimensionJoinDeleteRetentionTest three
 * configurations with a retention and no TTL.
 */
class DimensionJoinDeclaredStateMatrixTest {

  /** Rows, deletes, a fact that finds a row, one that finds none, the watermark past both. */
  private static final HarnessInput<Either<String, Change<String>>> INPUT =
      HarnessInput.<Either<String, Change<String>>>builder()
          .element(row(Change.insert("k1#v1")), 10)
          .element(row(Change.insert("k2#v1")), 11)
          .element(row(Change.delete("k2#v1")), 12)
          .element(row(Change.delete("k4#v1")), 12)
          .element(fact("k1#o1"), 13)
          .element(fact("k3#o2"), 14)
          .watermark(20)
          .build();

  @ParameterizedTest(name = "{0}, ttl {1}, delete retention {2}, {3}")
  @MethodSource("combinations")
  void savepointHoldsTheDeclaredStates(
      JoinMode mode, boolean ttl, boolean deleteRetention, StateBackendKind backend)
      throws Exception {
    DimensionJoinStep<String, String, String, String> step = mode.step();
    if (ttl) {
      step = step.withStateTtl(Duration.ofDays(1));
    }
    if (deleteRetention) {
      step = step.withDeleteRetention(Duration.ofHours(1));
    }
    JoinHarness.Expanded expanded = JoinHarness.expand(step);
    StateInventory inventory = expanded.output().stateInventory();
    try (OperatorHarness<Either<String, Change<String>>, String> h =
        expanded.harness().on(backend).open()) {
      h.run(INPUT);

      assertThat(SnapshotStates.names(h.savepoint()))
          .isEqualTo(SnapshotStates.declared(inventory, "test/join"));
      assertThat(SnapshotStates.typeMismatches(h.savepoint(), inventory, "test/join")).isEmpty();
    }
  }

  static Stream<Arguments> combinations() {
    return JoinMode.MODES.stream()
        .flatMap(
            m ->
                Stream.of(
                        new boolean[] {false, false},
                        new boolean[] {true, false},
                        new boolean[] {false, true},
                        new boolean[] {true, true})
                    .map(o -> new Object[] {m, o[0], o[1]}))
        .flatMap(
            a -> Stream.of(StateBackendKind.values()).map(b -> Arguments.of(a[0], a[1], a[2], b)));
  }
}
