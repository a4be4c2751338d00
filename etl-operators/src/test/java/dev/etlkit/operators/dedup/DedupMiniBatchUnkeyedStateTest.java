package dev.etlkit.operators.dedup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.SavepointCompatibility;
import dev.etlkit.testkit.SnapshotFiles;
import dev.etlkit.testkit.StateBackendKind;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Pins what was untested: the mini-batch path ({@code DedupOperator.flushKey}, {@code
 * DedupRules.unchanged}) does not trust the unkeyed fingerprints of state written before keyed
 * fingerprints either. The committed {@code dedup-keep-last-upsert-v1} files (xxHash64 fingerprints
 * of {@code k1#v2}, {@code k2#v1} and a 63-character {@code k4} row) restored into a step with
 * mini-batches: the row crafted to the unkeyed fingerprint of k4's row is a change, an identical
 * row is emitted once and then suppressed under the keyed fingerprint it left.
 */
class DedupMiniBatchUnkeyedStateTest {

  private static final SavepointCompatibility SNAPSHOTS =
      SavepointCompatibility.in(SavepointCompatibility.DEFAULT_DIRECTORY);

  private static final String LONG_ROW =
      "k4#order 4711 note: please deliver to the back door, thanks!!!!";

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void miniBatch_unkeyedFingerprintsOfAnEarlierEtlkit_areNotTrusted(StateBackendKind backend)
      throws Exception {
    String crafted = DedupCraftedFingerprintCollisionTest.collidingRow(LONG_ROW);
    try (OperatorHarness<String, Change<String>> restored =
        DedupHarness.rows(DedupHarness.keepLast().withMiniBatch(100, Duration.ofHours(1)))
            .harness()
            .on(backend)
            .restore(SnapshotFiles.read(SNAPSHOTS.file("dedup-keep-last-upsert", 1, backend)))) {
      restored.processElement(crafted, 50);
      restored.processElement("k1#v2", 51);
      restored.processWatermark(60); // flushes the bundle
      restored.processElement("k1#v2", 61);
      restored.processElement("k4#v9", 62);
      restored.processElement(LONG_ROW, 63); // net in this bundle: crafted -> LONG_ROW
      restored.processWatermark(70);

      assertThat(restored.output())
          .containsExactly(
              Change.updateAfter(crafted),
              Change.updateAfter("k1#v2"),
              Change.updateAfter(LONG_ROW));
    }
  }
}
