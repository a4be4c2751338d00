package dev.etlkit.operators;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.testkit.HarnessInput;
import dev.etlkit.testkit.KeyedHarness;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;

/**
 * docs/operations.md#the-forst-state-backend: on ForSt (2.2.0, Flink 2.2.1) a restore with a step's
 * Flink state TTL switched on or off fails, both ways, where heap and RocksDB migrate the state. A
 * test per step family calls {@link #assertRefusedBothWays} with the step without and with a TTL,
 * so the docs' "for every step with Flink's state TTL" is checked step by step, and a Flink or
 * ForSt release that migrates such state fails these tests (then the docs and {@code
 * SavepointCheck}'s ForSt rule change).
 */
public final class ForStTtlSwitch {

  /** ForSt with its timers on the heap, as it needs to restore canonical savepoints. */
  private static final Configuration HEAP_TIMERS = new Configuration();

  static {
    HEAP_TIMERS.setString("state.backend.forst.timer-service.factory", "HEAP");
  }

  private ForStTtlSwitch() {}

  /**
   * Runs {@code input} without and with the TTL, and restores on ForSt each one's ForSt checkpoint
   * and RocksDB canonical savepoint (ForSt takes none) with the other TTL (refused) and with the
   * same (restores).
   */
  public static <I, O> void assertRefusedBothWays(
      KeyedHarness<?, I, O> withoutTtl, KeyedHarness<?, I, O> withTtl, HarnessInput<I> input)
      throws Exception {
    assertRefused(withoutTtl, withTtl, input);
    assertRefused(withTtl, withoutTtl, input);
  }

  private static <I, O> void assertRefused(
      KeyedHarness<?, I, O> from, KeyedHarness<?, I, O> to, HarnessInput<I> input)
      throws Exception {
    for (boolean savepoint : new boolean[] {false, true}) {
      OperatorSubtaskState state;
      try (OperatorHarness<I, O> h =
          (savepoint ? from.on(StateBackendKind.ROCKSDB) : from.onForSt(HEAP_TIMERS)).open()) {
        h.run(input);
        state = savepoint ? h.savepoint() : h.snapshot();
      }
      KeyedHarness<?, I, O> same = from.onForSt(HEAP_TIMERS);
      KeyedHarness<?, I, O> switched = to.onForSt(HEAP_TIMERS);
      String what = (savepoint ? "RocksDB savepoint of " : "ForSt checkpoint of ") + from;
      assertThatCode(() -> same.restore(state).close()).as(what).doesNotThrowAnyException();
      assertThatThrownBy(() -> switched.restore(state).close())
          .as(what + " into " + switched)
          .hasStackTraceContaining("StateMigrationException");
    }
  }
}
