package dev.etlkit.operators.dedup;

import static dev.etlkit.operators.dedup.DedupHarness.keepFirst;
import static dev.etlkit.operators.dedup.DedupHarness.rows;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import java.time.Duration;
import java.util.List;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A step derived from a shared base that has a mini-batch, with it switched off ({@code
 * withoutMiniBatch()}): it emits per record, as a step that never had one, also when restored from
 * a snapshot of the base.
 */
class DedupWithoutMiniBatchTest {

  private static final Duration DELAY = Duration.ofMinutes(5);

  private static final Dedup.DedupStep<String, String, String, String> BASE =
      keepFirst().withMiniBatch(100, DELAY);

  @Test
  void withoutMiniBatch_givesTheSpecWithoutOne() {
    assertThat(BASE.toString()).contains("miniBatch=100/PT5M");
    assertThat(BASE.withoutMiniBatch()).hasToString(keepFirst().toString());
    assertThat(BASE.withoutMiniBatch().withMiniBatch(100, DELAY)).hasToString(BASE.toString());
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void base_buffers_variantWithoutMiniBatch_emitsPerRecord(StateBackendKind backend)
      throws Exception {
    try (OperatorHarness<String, String> base = rows(BASE).harness().on(backend).open();
        OperatorHarness<String, String> variant =
            rows(BASE.withoutMiniBatch()).harness().on(backend).open()) {
      for (OperatorHarness<String, String> harness : List.of(base, variant)) {
        harness.processElement("k1#v1", 10);
        harness.processElement("k1#v2", 20);
        harness.processElement("k2#v1", 30);
      }

      assertThat(base.output()).isEmpty();
      assertThat(variant.output()).containsExactly("k1#v1", "k2#v1");
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void snapshotOfTheBase_restoredWithoutMiniBatch_goesOnPerRecord(StateBackendKind backend)
      throws Exception {
    OperatorSubtaskState snapshot;
    try (OperatorHarness<String, String> base = rows(BASE).harness().on(backend).open()) {
      base.processElement("k1#v1", 10);
      snapshot = base.snapshot(); // flushes the bundle before the barrier
      assertThat(base.output()).containsExactly("k1#v1");
    }

    try (OperatorHarness<String, String> restored =
        rows(BASE.withoutMiniBatch()).harness().on(backend).restore(snapshot)) {
      restored.processElement("k1#v2", 20);
      restored.processElement("k2#v1", 30);

      assertThat(restored.output()).containsExactly("k2#v1");
    }
  }
}
