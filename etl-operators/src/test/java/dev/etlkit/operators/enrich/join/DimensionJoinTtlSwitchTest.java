package dev.etlkit.operators.enrich.join;

import static dev.etlkit.operators.enrich.join.JoinHarness.lines;
import static dev.etlkit.operators.enrich.join.LatestJoinHarnessTest.fact;
import static dev.etlkit.operators.enrich.join.LatestJoinHarnessTest.row;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.testkit.KeyedHarness;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import java.time.Duration;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.types.Either;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * docs/operations.md (upgrading with savepoints): switching TTL on or off restores; switched on,
 * state written before expires a TTL after the restore. Checked for both dimension joins.
 */
class DimensionJoinTtlSwitchTest {

  private static final Duration TTL = Duration.ofSeconds(1);

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void latest_ttlSwitchedOn_rowExpiresATtlAfterTheRestore(StateBackendKind backend)
      throws Exception {
    KeyedHarness<Object, Either<String, Change<String>>, String> without =
        JoinHarness.expand(JoinHarness.latest()).harness().on(backend);
    KeyedHarness<Object, Either<String, Change<String>>, String> with =
        JoinHarness.expand(JoinHarness.latest().withStateTtl(TTL)).harness().on(backend);
    OperatorSubtaskState state;
    try (OperatorHarness<Either<String, Change<String>>, String> h = without.open()) {
      h.processElement(row(Change.insert("k1#v1")), 1);
      state = h.snapshot();
    }
    try (OperatorHarness<Either<String, Change<String>>, String> h = with.restore(state)) {
      h.setStateTtlTime(TTL.toMillis() - 1);
      h.processElement(fact("k1#o1"), 10);
      h.setStateTtlTime(TTL.toMillis() + 1);
      h.processElement(fact("k1#o2"), 11);
      assertThat(lines(h.emitted()))
          .containsExactly("FOUND k1#o1 k1#v1 @10", "NOT_FOUND k1#o2 @11");
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void asOf_ttlSwitchedOnThenOff_keepsTheHistory(StateBackendKind backend) throws Exception {
    KeyedHarness<Object, Either<String, Change<String>>, String> without =
        JoinHarness.expand(JoinHarness.asOf()).harness().on(backend);
    KeyedHarness<Object, Either<String, Change<String>>, String> with =
        JoinHarness.expand(JoinHarness.asOf().withStateTtl(TTL)).harness().on(backend);
    OperatorSubtaskState state;
    try (OperatorHarness<Either<String, Change<String>>, String> h = without.open()) {
      h.processElement(row(Change.insert("k1#v1")), 10);
      state = h.savepoint();
    }
    try (OperatorHarness<Either<String, Change<String>>, String> h = with.restore(state)) {
      h.setStateTtlTime(TTL.toMillis() - 1);
      h.processElement(fact("k1#o1"), 15);
      h.processWatermark(15);
      assertThat(lines(h.emitted())).containsExactly("FOUND k1#o1 k1#v1 @15");
      state = h.savepoint();
    }
    try (OperatorHarness<Either<String, Change<String>>, String> h = without.restore(state)) {
      h.setStateTtlTime(10 * TTL.toMillis());
      h.processElement(fact("k1#o2"), 20);
      h.processWatermark(20);
      assertThat(lines(h.emitted())).containsExactly("FOUND k1#o2 k1#v1 @20");
    }
  }
}
