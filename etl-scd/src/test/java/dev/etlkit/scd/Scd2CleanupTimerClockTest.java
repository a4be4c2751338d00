package dev.etlkit.scd;

import static dev.etlkit.scd.Brief.brief;
import static dev.etlkit.scd.Brief.customer;
import static dev.etlkit.scd.Scd2Test.CHANGES;
import static dev.etlkit.scd.Scd2Test.customers;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.scd.internal.Scd2Operator;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import java.time.Duration;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.operators.InternalTimerService;
import org.apache.flink.streaming.api.operators.TimerHeapInternalTimer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The cleanup timer fired while the clock reads before its time. Flink's streaming timer service
 * schedules a processing-time timer on a monotonic clock and fires it with the timers due by its
 * target time, while the function reads the wall clock ({@code System.currentTimeMillis()}): a wall
 * clock stepped back after the timer was set (an NTP step) makes the timer fire when the clock
 * reads before its time. The timer is then gone from Flink's queue: unless the step forgets the key
 * or sets the timer again, a quiet key is never forgotten.
 */
class Scd2CleanupTimerClockTest {

  private static final Duration TTL = Duration.ofDays(1);
  private static final Duration RETENTION = Duration.ofMinutes(10);
  private static final long CLOCK_STEP_BACK = 1_000;

  /** Fires the key's cleanup timer at {@code due} as Flink's timer service does, now. */
  private static void fireEarly(OperatorHarness<?, ?> h, String key, long due) throws Exception {
    @SuppressWarnings("unchecked")
    Scd2Operator<Object, Object> operator = (Scd2Operator<Object, Object>) h.unwrap().getOperator();
    InternalTimerService<VoidNamespace> timers =
        operator.getInternalTimerService("user-timers", VoidNamespaceSerializer.INSTANCE, operator);
    operator.setCurrentKey(key);
    timers.deleteProcessingTimeTimer(VoidNamespace.INSTANCE, due); // polled from the queue
    operator.onProcessingTime(new TimerHeapInternalTimer<>(due, key, VoidNamespace.INSTANCE));
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void ttlTimerFiredBeforeTheWallClockReachesIt_keyIsStillForgotten(StateBackendKind backend)
      throws Exception {
    var recipe = Scd2Harnesses.of(customers().withOutput(Scd2Output.APPEND), CHANGES, TTL);
    try (var h = recipe.open(backend)) {
      h.processElement(Change.insert(customer("c1", "retail", "555", 1)), 101L);
      h.processElement(Change.updateAfter(customer("c1", "vip", "555", 2)), 102L);
      h.setProcessingTime(TTL.toMillis() - CLOCK_STEP_BACK);
      fireEarly(h, "c1", TTL.toMillis());
      h.setProcessingTime(10 * TTL.toMillis());

      assertThat(Scd2Harnesses.stateKeys(h, "cursor")).isZero();
      assertThat(brief(h.output())).containsExactly("+I c1 v1 [d1,d2) retail/555");
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void deleteRetentionTimerFiredBeforeTheWallClockReachesIt_keyIsStillForgotten(
      StateBackendKind backend) throws Exception {
    var recipe = Scd2Harnesses.of(customers().withDeleteRetention(RETENTION), CHANGES);
    try (var h = recipe.open(backend)) {
      h.processElement(Change.insert(customer("c1", "retail", "555", 1)), 101L);
      h.processElement(Change.delete(customer("c1", "retail", "555", 2)), 102L);
      h.setProcessingTime(RETENTION.toMillis() - CLOCK_STEP_BACK);
      fireEarly(h, "c1", RETENTION.toMillis());
      h.setProcessingTime(10 * RETENTION.toMillis());

      assertThat(Scd2Harnesses.stateKeys(h, "cursor")).isZero();
      assertThat(recipe.function().deleteMarkersRemoved()).isEqualTo(1);
    }
  }
}
