package dev.etlkit.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.core.Change;
import java.nio.file.Path;
import java.util.List;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Keyed state restores only into the number of key groups it was taken with, as Flink refuses to
 * restore a job whose max parallelism changed. A harness restoring it into another number files the
 * restored keys under other key groups than their lookups compute, so some keys silently start from
 * empty state (or RocksDB fails without saying why): the recipe must refuse the snapshot.
 */
class KeyedHarnessMaxParallelismTest {

  /** Ten keys: with 128 or 256 key groups some of them change their key group. */
  private static OperatorSubtaskState countedTenKeys(KeyedHarness<?, Change<String>, String> recipe)
      throws Exception {
    try (OperatorHarness<Change<String>, String> h = recipe.open()) {
      for (int k = 0; k < 10; k++) {
        h.processElement(Change.insert("k" + k + "#v1"), 10);
      }
      return h.snapshot();
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void restore_snapshotOfFewerKeyGroups_isRefused(StateBackendKind backend) throws Exception {
    OperatorSubtaskState state = countedTenKeys(SampleCounter.harness().on(backend));
    KeyedHarness<String, Change<String>, String> more =
        SampleCounter.harness().on(backend).withMaxParallelism(256);

    assertThatThrownBy(() -> more.restore(state).close())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("taken with maxParallelism 128")
        .hasMessageContaining("this recipe has maxParallelism 256");
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void restore_snapshotOfMoreKeyGroups_isRefused(StateBackendKind backend) throws Exception {
    OperatorSubtaskState state =
        countedTenKeys(SampleCounter.harness().on(backend).withMaxParallelism(256));
    KeyedHarness<String, Change<String>, String> fewer = SampleCounter.harness().on(backend);

    assertThatThrownBy(() -> fewer.restore(state).close())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxParallelism 256")
        .hasMessageContaining("this recipe has maxParallelism 128");
  }

  @Test
  void restore_snapshotFileOfMoreKeyGroups_isRefused(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("counter.snapshot");
    SnapshotFiles.write(file, countedTenKeys(SampleCounter.harness().withMaxParallelism(256)));
    OperatorSubtaskState read = SnapshotFiles.read(file);

    assertThatThrownBy(() -> SampleCounter.harness().restore(read).close())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("key groups up to 255")
        .hasMessageContaining("this recipe has maxParallelism 128");
  }

  @Test
  void restoreSubtask_snapshotsOfAnotherMaxParallelism_areRefused() throws Exception {
    OperatorSubtaskState state = countedTenKeys(SampleCounter.harness());
    KeyedHarness<String, Change<String>, String> more =
        SampleCounter.harness().withMaxParallelism(256);

    assertThatThrownBy(() -> more.restoreSubtask(List.of(state), 2, 0).close())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("taken with maxParallelism 128")
        .hasMessageContaining("this recipe has maxParallelism 256");
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void restore_snapshotOfTheSameKeyGroups_keepsEveryKey(StateBackendKind backend) throws Exception {
    KeyedHarness<String, Change<String>, String> recipe =
        SampleCounter.harness().on(backend).withMaxParallelism(256);
    OperatorSubtaskState state = countedTenKeys(recipe);

    try (OperatorHarness<Change<String>, String> restored = recipe.restore(state)) {
      for (int k = 0; k < 10; k++) {
        restored.processElement(Change.updateAfter("k" + k + "#v2"), 20);
      }
      assertThat(restored.output()).hasSize(10).allMatch(line -> line.contains(" n=2 "));
    }
  }
}
