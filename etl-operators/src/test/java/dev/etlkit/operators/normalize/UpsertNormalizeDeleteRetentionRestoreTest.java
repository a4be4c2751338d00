package dev.etlkit.operators.normalize;

import static dev.etlkit.operators.normalize.NormalizeHarnesses.STRING_CHANGES;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.expanded;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.show;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.stateKeys;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.strings;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.operators.normalize.internal.NormalizeFunctionBase;
import dev.etlkit.operators.normalize.internal.NormalizeOperator;
import dev.etlkit.testkit.KeyedHarness;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import java.time.Duration;
import javax.annotation.Nullable;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.AbstractUdfStreamOperator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code withDeleteRetention} added or shortened at a restore: the delete markers (kept sequences)
 * restored without a deadline, or with a later one than the retention at hand gives, get one in a
 * pass over all keys after the restore. The step's operator as the pipeline wires it; clocks start
 * at 0 at every restore.
 */
class UpsertNormalizeDeleteRetentionRestoreTest {

  private static final Duration RETENTION = Duration.ofMinutes(1);
  private static final long R = RETENTION.toMillis();

  private static KeyedHarness<Object, Change<String>, Change<String>> recipe(
      @Nullable Duration retention, StateBackendKind backend) {
    UpsertNormalize<String, String> step = strings().withSequence(ChangeSequence.sourcePosition());
    if (retention != null) {
      step = step.withDeleteRetention(retention);
    }
    return expanded(step, STRING_CHANGES, null).harness().on(backend);
  }

  /** k1 deleted, k2 deleted without ever being live, k3 live. */
  private static OperatorSubtaskState twoMarkersAndALiveRow(
      KeyedHarness<Object, Change<String>, Change<String>> recipe) throws Exception {
    try (OperatorHarness<Change<String>, Change<String>> harness = recipe.open()) {
      harness.processElement(Change.insert("k1#v1").withSourcePosition(1), 1);
      harness.processElement(Change.delete("k1#").withSourcePosition(2), 2);
      harness.processElement(Change.delete("k2#").withSourcePosition(2), 3);
      harness.processElement(Change.insert("k3#v1").withSourcePosition(2), 4);
      return harness.snapshot();
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void addedAtARestore_restoredMarkersGoARetentionAfterIt_withoutAnyWrite(StateBackendKind backend)
      throws Exception {
    OperatorSubtaskState snapshot = twoMarkersAndALiveRow(recipe(null, backend));
    try (OperatorHarness<Change<String>, Change<String>> restored =
        recipe(RETENTION, backend).restore(snapshot)) {
      assertThat(givenDeadlines(restored)).isEqualTo(2L);

      restored.setProcessingTime(R - 1);
      assertThat(stateKeys(restored, "row")).isEqualTo(3);
      restored.setProcessingTime(R); // no key was written since the restore

      assertThat(stateKeys(restored, "row")).isEqualTo(1); // the live row
      assertThat(removed(restored)).isEqualTo(2L);
      assertThat(restored.unwrap().numProcessingTimeTimers()).isZero();
      restored.processElement(Change.insert("k1#v0").withSourcePosition(1), 5); // forgotten: new
      assertThat(show(restored.output())).containsExactly("+I[k1#v0] pos=1");
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void addedAtARestore_thenRestoredAgain_theSecondRestoreRunsNoPass(StateBackendKind backend)
      throws Exception {
    KeyedHarness<Object, Change<String>, Change<String>> recipe = recipe(RETENTION, backend);
    OperatorSubtaskState again;
    try (OperatorHarness<Change<String>, Change<String>> restored =
        recipe.restore(twoMarkersAndALiveRow(recipe(null, backend)))) {
      assertThat(givenDeadlines(restored)).isEqualTo(2L);
      again = restored.snapshot();
    }
    try (OperatorHarness<Change<String>, Change<String>> restored = recipe.restore(again)) {
      assertThat(givenDeadlines(restored)).isEqualTo(-1L);
      restored.setProcessingTime(R); // the deadlines the first restore gave
      assertThat(removed(restored)).isEqualTo(2L);
    }
  }

  /** Shortened from 10 minutes to 1: each pending removal moves to a minute after its write. */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void shortenedAtARestore_pendingRemovalsMoveToTheNewRetentionAfterTheirWrite(
      StateBackendKind backend) throws Exception {
    OperatorSubtaskState snapshot;
    try (OperatorHarness<Change<String>, Change<String>> harness =
        recipe(Duration.ofMinutes(10), backend).open()) {
      harness.processElement(Change.delete("k1#").withSourcePosition(2), 1); // due at 600 s
      harness.setProcessingTime(30_000);
      harness.processElement(Change.delete("k2#").withSourcePosition(2), 2); // due at 630 s
      snapshot = harness.snapshot();
    }
    try (OperatorHarness<Change<String>, Change<String>> restored =
        recipe(RETENTION, backend).restore(snapshot)) {
      assertThat(givenDeadlines(restored)).isEqualTo(2L);
      restored.setProcessingTime(R);
      assertThat(removed(restored)).isEqualTo(1L);
      restored.setProcessingTime(30_000 + R);
      assertThat(removed(restored)).isEqualTo(2L);
      assertThat(restored.unwrap().numProcessingTimeTimers()).isZero();
    }
  }

  private static long removed(OperatorHarness<?, ?> harness) {
    return ((NormalizeFunctionBase<?, ?>)
            ((AbstractUdfStreamOperator<?, ?>) harness.unwrap().getOperator()).getUserFunction())
        .deleteMarkersRemovedCount();
  }

  /** The pass's count; -1 where no pass ran (or the step does not run a NormalizeOperator). */
  private static long givenDeadlines(OperatorHarness<?, ?> harness) {
    Object operator = harness.unwrap().getOperator();
    return operator instanceof NormalizeOperator
        ? ((NormalizeOperator<?, ?>) operator).markersGivenDeadlines()
        : -1L;
  }
}
