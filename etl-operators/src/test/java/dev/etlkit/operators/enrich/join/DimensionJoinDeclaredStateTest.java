package dev.etlkit.operators.enrich.join;

import static dev.etlkit.operators.enrich.join.LatestJoinHarnessTest.fact;
import static dev.etlkit.operators.enrich.join.LatestJoinHarnessTest.row;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.core.StateInventory;
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
 * The join's savepoints hold exactly the states its state inventory declares, in every
 * configuration, on heap and RocksDB: nothing the inventory hides, nothing it promises that is not
 * there. (A latest join without a wait kept empty lists of waiting facts, their count and timers
 * before this test.)
 */
class DimensionJoinDeclaredStateTest {

  /** Rows, a delete, a fact that finds a row, one that finds none, the watermark past both. */
  private static final HarnessInput<Either<String, Change<String>>> INPUT =
      HarnessInput.<Either<String, Change<String>>>builder()
          .element(row(Change.insert("k1#v1")), 10)
          .element(row(Change.insert("k2#v1")), 11)
          .element(row(Change.delete("k2#v1")), 12)
          .element(fact("k1#o1"), 13)
          .element(fact("k3#o2"), 14)
          .watermark(20)
          .build();

  @ParameterizedTest(name = "{0}, {1}")
  @MethodSource("modesAndBackends")
  void savepoint_holdsTheDeclaredStates(JoinMode mode, StateBackendKind backend) throws Exception {
    JoinHarness.Expanded expanded = mode.expanded();
    StateInventory inventory = expanded.output().stateInventory();
    try (OperatorHarness<Either<String, Change<String>>, String> h =
        expanded.harness().on(backend).open()) {
      h.run(INPUT);

      // tag::declared-states[]
      assertThat(SnapshotStates.names(h.savepoint()))
          .isEqualTo(SnapshotStates.declared(inventory, "test/join"));
      assertThat(SnapshotStates.typeMismatches(h.savepoint(), inventory, "test/join")).isEmpty();
      // end::declared-states[]
    }
  }

  /** With a TTL: the join's row states are declared with Flink's state TTL, as they hold it. */
  @ParameterizedTest(name = "{0}, {1}")
  @MethodSource("modesAndBackends")
  void withTtl_savepointHoldsTheDeclaredSerializers(JoinMode mode, StateBackendKind backend)
      throws Exception {
    JoinHarness.Expanded expanded =
        JoinHarness.expand(mode.step().withStateTtl(Duration.ofDays(1)));
    StateInventory inventory = expanded.output().stateInventory();
    try (OperatorHarness<Either<String, Change<String>>, String> h =
        expanded.harness().on(backend).open()) {
      h.run(INPUT);

      assertThat(SnapshotStates.typeMismatches(h.savepoint(), inventory, "test/join")).isEmpty();
    }
  }

  static Stream<Arguments> modesAndBackends() {
    return JoinMode.MODES.stream()
        .flatMap(m -> Stream.of(StateBackendKind.values()).map(b -> Arguments.of(m, b)));
  }
}
