package dev.etlkit.operators.normalize;

import static dev.etlkit.operators.normalize.NormalizeHarnesses.REJECTED_STRINGS;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.normalizer;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.show;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.stateKeys;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.strings;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.operators.normalize.NormalizeHarnesses.Normalizer;
import dev.etlkit.testkit.ChangelogGenerator;
import dev.etlkit.testkit.HarnessInput;
import dev.etlkit.testkit.KeyedHarness;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.RescaleCheck;
import dev.etlkit.testkit.StateBackendKind;
import java.time.Duration;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code withDeleteRetention}: a deleted key's sequence (its delete marker) is removed once the
 * retention has passed since the marker was last written, on processing time; the key is then like
 * a key never seen. Heap and RocksDB.
 */
class UpsertNormalizeDeleteRetentionTest {

  private static final Duration RETENTION = Duration.ofMinutes(10);
  private static final long R = RETENTION.toMillis();

  private static UpsertNormalize<String, String> versioned() {
    return strings().withSequence(ChangeSequence.sourcePosition());
  }

  private static Normalizer<String, String> withRetention() {
    return normalizer(versioned().withDeleteRetention(RETENTION), Types.STRING, null);
  }

  private static int timers(OperatorHarness<?, ?> harness) {
    return harness.unwrap().numProcessingTimeTimers();
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void marker_isKeptBeforeTheRetention_andRemovedAfterIt(StateBackendKind backend)
      throws Exception {
    Normalizer<String, String> normalize = withRetention();
    try (OperatorHarness<Change<String>, Change<String>> harness =
        normalize.recipe.on(backend).open()) {
      harness.setProcessingTime(1_500);
      harness.processElement(Change.insert("k1#v1").withSourcePosition(1), 1);
      harness.processElement(Change.delete("k1#").withSourcePosition(2), 2);
      // the deadline, 1 500 + R, is rounded up to the next whole second
      harness.setProcessingTime(1_999 + R);
      harness.processElement(Change.updateAfter("k1#v0").withSourcePosition(1), 3); // still stale

      assertThat(stateKeys(harness, "row")).isEqualTo(1);
      assertThat(normalize.function().deleteMarkersRemovedCount()).isZero();

      harness.setProcessingTime(2_000 + R);

      assertThat(stateKeys(harness, "row")).isZero();
      assertThat(timers(harness)).isZero();
      assertThat(normalize.function().deleteMarkersRemovedCount()).isEqualTo(1);

      // the key is now like a key never seen: a late record older than the delete is new
      harness.processElement(Change.updateAfter("k1#v0").withSourcePosition(1), 4);

      assertThat(show(harness.output()))
          .containsExactly("+I[k1#v1] pos=1", "-D[k1#v1] pos=2", "+I[k1#v0] pos=1");
      assertThat(show(harness.sideOutput(REJECTED_STRINGS))).containsExactly("+U[k1#v0] pos=1");
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void unknownKeyDelete_writesAMarker_whichIsRemovedToo(StateBackendKind backend) throws Exception {
    Normalizer<String, String> normalize = withRetention();
    try (OperatorHarness<Change<String>, Change<String>> harness =
        normalize.recipe.on(backend).open()) {
      harness.setProcessingTime(1_000);
      harness.processElement(Change.delete("k1#").withSourcePosition(5), 1); // never seen
      harness.setProcessingTime(1_000 + R);

      assertThat(stateKeys(harness, "row")).isZero();
      assertThat(normalize.function().deleteMarkersRemovedCount()).isEqualTo(1);
      assertThat(normalize.function().unknownKeyDeleteCount()).isEqualTo(1);
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void reinsertBeforeTheDeadline_keepsTheLiveRowPastIt(StateBackendKind backend) throws Exception {
    Normalizer<String, String> normalize = withRetention();
    try (OperatorHarness<Change<String>, Change<String>> harness =
        normalize.recipe.on(backend).open()) {
      harness.setProcessingTime(1_000);
      harness.processElement(Change.insert("k1#v1").withSourcePosition(1), 1);
      harness.processElement(Change.delete("k1#").withSourcePosition(2), 2);
      harness.setProcessingTime(5_000);
      harness.processElement(Change.insert("k1#v3").withSourcePosition(3), 3); // live again
      harness.setProcessingTime(10 * R); // long past the deleted row's deadline

      assertThat(stateKeys(harness, "row")).isEqualTo(1);
      assertThat(normalize.function().deleteMarkersRemovedCount()).isZero();

      harness.processElement(Change.updateAfter("k1#v2").withSourcePosition(2), 4); // stale
      harness.processElement(Change.updateAfter("k1#v4").withSourcePosition(4), 5);

      assertThat(show(harness.output()))
          .containsExactly(
              "+I[k1#v1] pos=1",
              "-D[k1#v1] pos=2",
              "+I[k1#v3] pos=3",
              "-U[k1#v3] pos=4",
              "+U[k1#v4] pos=4");
      assertThat(show(harness.sideOutput(REJECTED_STRINGS))).containsExactly("+U[k1#v2] pos=2");
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void newerDelete_restartsTheClock_withOneTimerPerKey(StateBackendKind backend) throws Exception {
    Normalizer<String, String> normalize = withRetention();
    try (OperatorHarness<Change<String>, Change<String>> harness =
        normalize.recipe.on(backend).open()) {
      harness.setProcessingTime(1_000);
      harness.processElement(Change.insert("k1#v1").withSourcePosition(1), 1);
      harness.processElement(Change.delete("k1#").withSourcePosition(2), 2);
      harness.setProcessingTime(300_000);
      harness.processElement(Change.insert("k1#v3").withSourcePosition(3), 3);
      harness.processElement(Change.delete("k1#").withSourcePosition(4), 4); // moves the marker

      assertThat(timers(harness)).isEqualTo(1);

      harness.setProcessingTime(1_000 + R); // the first delete's deadline: the marker stays
      harness.processElement(Change.updateAfter("k1#v3").withSourcePosition(3), 5); // stale

      assertThat(stateKeys(harness, "row")).isEqualTo(1);
      assertThat(normalize.function().deleteMarkersRemovedCount()).isZero();

      harness.setProcessingTime(300_000 + R);

      assertThat(stateKeys(harness, "row")).isZero();
      assertThat(normalize.function().deleteMarkersRemovedCount()).isEqualTo(1);
      assertThat(show(harness.sideOutput(REJECTED_STRINGS))).containsExactly("+U[k1#v3] pos=3");
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void deletesOfOneKeyWithinASecond_shareOneTimer(StateBackendKind backend) throws Exception {
    try (OperatorHarness<Change<String>, Change<String>> harness =
        withRetention().recipe.on(backend).open()) {
      harness.setProcessingTime(1_100);
      harness.processElement(Change.delete("k1#").withSourcePosition(1), 1);
      harness.processElement(Change.delete("k2#").withSourcePosition(1), 2);
      harness.setProcessingTime(1_900);
      harness.processElement(Change.delete("k1#").withSourcePosition(2), 3);

      assertThat(timers(harness)).isEqualTo(2); // one per key
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void snapshotAndRestore_keepThePendingRemoval(StateBackendKind backend) throws Exception {
    Normalizer<String, String> normalize = withRetention();
    KeyedHarness<String, Change<String>, Change<String>> recipe = normalize.recipe.on(backend);
    OperatorSubtaskState snapshot;
    try (OperatorHarness<Change<String>, Change<String>> harness = recipe.open()) {
      harness.setProcessingTime(1_000);
      harness.processElement(Change.insert("k1#v1").withSourcePosition(1), 1);
      harness.processElement(Change.delete("k1#").withSourcePosition(2), 2);
      snapshot = harness.snapshot();
    }
    try (OperatorHarness<Change<String>, Change<String>> restored = recipe.restore(snapshot)) {
      restored.setProcessingTime(R);
      restored.processElement(Change.updateAfter("k1#v0").withSourcePosition(1), 3); // stale

      assertThat(stateKeys(restored, "row")).isEqualTo(1);

      restored.setProcessingTime(1_000 + R);
      restored.processElement(Change.updateAfter("k1#v0").withSourcePosition(1), 4); // new

      assertThat(normalize.function().deleteMarkersRemovedCount()).isEqualTo(1);
      assertThat(show(restored.output())).containsExactly("+I[k1#v0] pos=1");
      assertThat(show(restored.sideOutput(REJECTED_STRINGS))).containsExactly("+U[k1#v0] pos=1");
    }
  }

  /** On ForSt (its own snapshot): the pending removal is restored and fires. */
  @Test
  void onForSt_pendingRemovalIsRestored_andFires() throws Exception {
    Normalizer<String, String> normalize = withRetention();
    KeyedHarness<String, Change<String>, Change<String>> recipe =
        normalize.recipe.onForSt(new Configuration());
    OperatorSubtaskState snapshot;
    try (OperatorHarness<Change<String>, Change<String>> harness = recipe.open()) {
      harness.setProcessingTime(1_000);
      harness.processElement(Change.insert("k1#v1").withSourcePosition(1), 1);
      harness.processElement(Change.delete("k1#").withSourcePosition(2), 2);
      harness.processElement(Change.delete("k2#").withSourcePosition(2), 3);
      harness.setProcessingTime(2_000);
      harness.processElement(Change.insert("k2#v3").withSourcePosition(3), 4); // live again
      snapshot = harness.snapshot();
    }
    try (OperatorHarness<Change<String>, Change<String>> restored = recipe.restore(snapshot)) {
      restored.setProcessingTime(1_000 + R);
      restored.processElement(Change.updateAfter("k1#v0").withSourcePosition(1), 5); // new
      restored.processElement(Change.updateAfter("k2#v2").withSourcePosition(2), 6); // stale

      assertThat(normalize.function().deleteMarkersRemovedCount()).isEqualTo(1);
      assertThat(show(restored.output())).containsExactly("+I[k1#v0] pos=1");
      assertThat(show(restored.sideOutput(REJECTED_STRINGS))).containsExactly("+U[k2#v2] pos=2");
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void withProjectedState_markerIsRemovedToo(StateBackendKind backend) throws Exception {
    Normalizer<String, String> normalize =
        normalizer(
            versioned()
                .withProjectedState(ChangelogGenerator::stringKey, Types.STRING, key -> key + "#")
                .withDeleteRetention(RETENTION),
            Types.STRING,
            null);
    try (OperatorHarness<Change<String>, Change<String>> harness =
        normalize.recipe.on(backend).open()) {
      harness.setProcessingTime(1_000);
      harness.processElement(Change.insert("k1#v1").withSourcePosition(1), 1);
      harness.processElement(Change.delete("k1#").withSourcePosition(2), 2);
      harness.setProcessingTime(1_000 + R);

      assertThat(stateKeys(harness, "row")).isZero();
      assertThat(normalize.function().deleteMarkersRemovedCount()).isEqualTo(1);
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void stateTtlShorterThanTheRetention_removesTheMarkerFirst(StateBackendKind backend)
      throws Exception {
    Normalizer<String, String> normalize =
        normalizer(versioned().withDeleteRetention(RETENTION), Types.STRING, Duration.ofMinutes(1));
    try (OperatorHarness<Change<String>, Change<String>> harness =
        normalize.recipe.on(backend).open()) {
      harness.setProcessingTime(1_000);
      harness.processElement(Change.insert("k1#v1").withSourcePosition(1), 1);
      harness.processElement(Change.delete("k1#").withSourcePosition(2), 2);
      harness.setProcessingTime(62_000); // the TTL has passed: the marker expired
      harness.processElement(Change.updateAfter("k1#v0").withSourcePosition(1), 3); // new
      harness.processElement(Change.delete("k1#").withSourcePosition(2), 4);
      harness.setProcessingTime(1_000 + R); // the first delete's deadline
      harness.setProcessingTime(62_000 + R); // the second's: its marker expired long before

      assertThat(normalize.function().deleteMarkersRemovedCount()).isZero();
      assertThat(timers(harness)).isZero();
      assertThat(show(harness.output()))
          .containsExactly(
              "+I[k1#v1] pos=1", "-D[k1#v1] pos=2", "+I[k1#v0] pos=1", "-D[k1#v0] pos=2");
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void notSet_registersNoTimer_andKeepsTheMarker(StateBackendKind backend) throws Exception {
    Normalizer<String, String> normalize = normalizer(versioned(), Types.STRING, null);
    try (OperatorHarness<Change<String>, Change<String>> harness =
        normalize.recipe.on(backend).open()) {
      harness.setProcessingTime(1_000);
      harness.processElement(Change.insert("k1#v1").withSourcePosition(1), 1);
      harness.processElement(Change.delete("k1#").withSourcePosition(2), 2);

      assertThat(timers(harness)).isZero();

      harness.setProcessingTime(1_000 + 100 * R);
      harness.processElement(Change.updateAfter("k1#v0").withSourcePosition(1), 3); // stale

      assertThat(stateKeys(harness, "row")).isEqualTo(1);
      assertThat(show(harness.sideOutput(REJECTED_STRINGS))).containsExactly("+U[k1#v0] pos=1");
      assertThat(normalize.function().deleteMarkersRemovedCount()).isZero();
    }
  }

  /**
   * Eight keys deleted at processing time 0, the even ones again at 30 s: stale changes go to the
   * side output until each key's removal (odd keys at 60 s, even ones at 90 s), then are new.
   */
  static HarnessInput<Change<String>> pendingRemovals() {
    HarnessInput.Builder<Change<String>> script = HarnessInput.builder();
    for (int k = 0; k < 8; k++) {
      script.element(Change.insert("k" + k + "#v1").withSourcePosition(1));
      script.element(Change.delete("k" + k + "#").withSourcePosition(5));
    }
    script.advanceProcessingTime(30_000);
    for (int k = 0; k < 8; k += 2) {
      script.element(Change.delete("k" + k + "#").withSourcePosition(6)); // restarts the clock
    }
    long[] advances = {20_000, 15_000, 40_000};
    long[] positions = {3, 4, 2};
    for (int i = 0; i < advances.length; i++) {
      script.advanceProcessingTime(advances[i]);
      for (int k = 0; k < 8; k++) {
        script.element(
            Change.updateAfter("k" + k + "#v" + positions[i]).withSourcePosition(positions[i]));
      }
    }
    return script.build();
  }

  /** Deadlines and timers move with their key groups: each key's output is as without rescale. */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void rescaledWithPendingRemovals_sameOutputPerKey(StateBackendKind backend) {
    RescaleCheck.of(withRetention().recipe.on(backend), pendingRemovals())
        .rescaling(2, 3)
        .withSampledCutPoints(6, 1L)
        .verify();
    RescaleCheck.of(withRetention().recipe.on(backend), pendingRemovals())
        .rescaling(3, 1)
        .withSampledCutPoints(6, 2L)
        .verify();
  }

  @Test
  void withStateChangelog_rescaledWithPendingRemovals_sameOutputPerKey() {
    RescaleCheck.of(withRetention().recipe.withStateChangelog(), pendingRemovals())
        .rescaling(2, 3)
        .withSampledCutPoints(6, 3L)
        .verify();
  }
}
