package dev.etlkit.operators.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.testkit.KeyedHarness;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Which fingerprint key a subtask uses ({@link StoredFingerprintKey}): the drawn one on a fresh
 * start, the restored one after a restore at any parallelism (whatever the resubmitted job drew),
 * the drawn one when the snapshot has no key; one copy per subtask whatever the restores.
 */
class StoredFingerprintKeyTest {

  private static final String NAME = "test-fingerprint-key";
  private static final FingerprintKey FIRST = new FingerprintKey(11, 12);
  private static final FingerprintKey SECOND = new FingerprintKey(21, 22);
  private static final FingerprintKey THIRD = new FingerprintKey(-31, 32);

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void freshStart_usesTheDrawnKey(StateBackendKind backend) throws Exception {
    try (OperatorHarness<String, String> h = harness(FIRST, backend).open()) {
      h.processElement("a", 0L);
      assertThat(h.output()).containsExactly(text(FIRST));
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void restore_atAnyParallelism_usesTheRestoredKey_notTheNewlyDrawnOne(StateBackendKind backend)
      throws Exception {
    List<OperatorSubtaskState> snapshots = subtasks(backend, FIRST, FIRST);

    for (int parallelism : new int[] {1, 2, 3}) {
      assertThat(restored(harness(SECOND, backend), snapshots, parallelism))
          .as("parallelism %d", parallelism)
          .containsOnly(text(FIRST))
          .hasSize(parallelism);
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void restoredKey_isKeptForTheNextRestore(StateBackendKind backend) throws Exception {
    OperatorSubtaskState second;
    try (OperatorHarness<String, String> h =
        harness(SECOND, backend).restore(subtasks(backend, FIRST).get(0))) {
      second = h.snapshot();
    }

    assertThat(restored(harness(THIRD, backend), List.of(second), 1)).containsExactly(text(FIRST));
  }

  @Test
  void restore_ofASnapshotWithoutTheKey_usesTheDrawnKey() throws Exception {
    OperatorSubtaskState withoutKey;
    try (OperatorHarness<String, String> h =
        KeyedHarness.forOperator(Silent::new, (String s) -> s, Types.STRING, Types.STRING).open()) {
      h.processElement("a", 0L);
      withoutKey = h.snapshot();
    }

    assertThat(restored(harness(SECOND, StateBackendKind.HEAP), List.of(withoutKey), 1))
        .containsExactly(text(SECOND));
  }

  /**
   * Only state put together by hand holds different keys: as a broadcast state, each subtask takes
   * one old subtask's copy (subtask i of old subtask i modulo the old parallelism).
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void restore_ofSeveralDifferentKeys_eachSubtaskTakesOneCopy(StateBackendKind backend)
      throws Exception {
    List<OperatorSubtaskState> snapshots = subtasks(backend, SECOND, FIRST, THIRD);

    assertThat(restored(harness(SECOND, backend), snapshots, 2))
        .containsExactly(text(SECOND), text(FIRST));
    assertThat(restored(harness(SECOND, backend), snapshots, 4))
        .containsExactly(text(SECOND), text(FIRST), text(THIRD), text(SECOND));
  }

  /** One subtask per key, each drawn its own key. */
  private static List<OperatorSubtaskState> subtasks(
      StateBackendKind backend, FingerprintKey... drawn) throws Exception {
    List<OperatorSubtaskState> snapshots = new ArrayList<>();
    for (int s = 0; s < drawn.length; s++) {
      try (OperatorHarness<String, String> h =
          harness(drawn[s], backend).openSubtask(drawn.length, s)) {
        snapshots.add(h.snapshot());
      }
    }
    return snapshots;
  }

  /** The key each subtask of {@code parallelism} uses after restoring {@code snapshots}. */
  private static List<String> restored(
      KeyedHarness<String, String, String> recipe,
      List<OperatorSubtaskState> snapshots,
      int parallelism)
      throws Exception {
    List<String> used = new ArrayList<>();
    for (int s = 0; s < parallelism; s++) {
      try (OperatorHarness<String, String> h = recipe.restoreSubtask(snapshots, parallelism, s)) {
        h.processElement(keyOf(recipe, parallelism, s), 0L);
        used.addAll(h.output());
      }
    }
    return used;
  }

  private static String keyOf(
      KeyedHarness<String, String, String> recipe, int parallelism, int subtask) throws Exception {
    for (int k = 0; ; k++) {
      if (recipe.subtaskOf("k" + k, parallelism) == subtask) {
        return "k" + k;
      }
    }
  }

  private static KeyedHarness<String, String, String> harness(
      FingerprintKey drawn, StateBackendKind backend) {
    return KeyedHarness.forOperator(
            () -> new KeyUser(drawn), (String s) -> s, Types.STRING, Types.STRING)
        .on(backend);
  }

  private static String text(FingerprintKey key) {
    return key.k0() + "/" + key.k1();
  }

  /** Registers the key as a step does; emits the key it uses for every record. */
  private static final class KeyUser extends AbstractStreamOperator<String>
      implements OneInputStreamOperator<String, String> {
    private final FingerprintKey drawn;
    private transient FingerprintKey key;

    KeyUser(FingerprintKey drawn) {
      this.drawn = drawn;
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
      super.initializeState(context);
      key = StoredFingerprintKey.register(context, NAME, drawn, StringSerializer.INSTANCE);
    }

    @Override
    public void processElement(StreamRecord<String> element) {
      output.collect(new StreamRecord<>(text(key)));
    }
  }

  /** An operator of an etlkit before fingerprint keys: no operator state. */
  private static final class Silent extends AbstractStreamOperator<String>
      implements OneInputStreamOperator<String, String> {
    @Override
    public void processElement(StreamRecord<String> element) {
      output.collect(element);
    }
  }
}
