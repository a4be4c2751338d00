package dev.etlkit.operators.normalize;

import static dev.etlkit.operators.normalize.NormalizeHarnesses.normalizer;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.strings;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.operators.normalize.NormalizeHarnesses.Normalizer;
import dev.etlkit.testkit.Emitted;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import java.time.Duration;
import org.apache.flink.api.common.typeinfo.Types;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The record timestamps of upsert normalize's output: only a record emits (an update's {@code -U}
 * and {@code +U} both carry its timestamp, none if it had none); the delete retention's timer, its
 * only timer, emits nothing.
 */
class NormalizeOutputTimestampsTest {

  private static final Duration RETENTION = Duration.ofMinutes(10);

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void recordsCarryTheirTimestamps_andTheRetentionsTimerEmitsNothing(StateBackendKind backend)
      throws Exception {
    Normalizer<String, String> normalize =
        normalizer(
            strings().withSequence(ChangeSequence.sourcePosition()).withDeleteRetention(RETENTION),
            Types.STRING,
            null);
    try (OperatorHarness<Change<String>, Change<String>> harness =
        normalize.recipe.on(backend).open()) {
      harness.processElement(Change.insert("k1#v1").withSourcePosition(1), 10);
      harness.processElement(Change.updateAfter("k1#v2").withSourcePosition(2)); // no timestamp
      harness.processElement(Change.delete("k1#").withSourcePosition(3), 12);
      harness.setProcessingTime(RETENTION.toMillis());

      assertThat(normalize.function().deleteMarkersRemovedCount()).isEqualTo(1);
      assertThat(harness.emitted())
          .extracting(Emitted::timestamp)
          .containsExactly(10L, null, null, 12L);
    }
  }
}
