package dev.etlkit.operators.normalize;

import static dev.etlkit.operators.normalize.NormalizeHarnesses.DEAD_LETTERS;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.REJECTED_CUSTOMERS;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.checkerWithKey;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.normalizerWithKey;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.stringCheck;
import static dev.etlkit.operators.normalize.NormalizeSavepointCompatibilityTest.ADA;
import static dev.etlkit.operators.normalize.NormalizeSavepointCompatibilityTest.BOB;
import static dev.etlkit.operators.normalize.NormalizeSavepointCompatibilityTest.CHECK_STATE;
import static dev.etlkit.operators.normalize.NormalizeSavepointCompatibilityTest.CUSTOMER_STATE;
import static dev.etlkit.operators.normalize.NormalizeSavepointCompatibilityTest.SNAPSHOTS;
import static dev.etlkit.operators.normalize.NormalizeSavepointCompatibilityTest.projected;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.core.DeadLetter;
import dev.etlkit.operators.internal.FingerprintKey;
import dev.etlkit.operators.normalize.NormalizeHarnesses.Normalizer;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import java.util.stream.Stream;
import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * State written before keyed row hashes (the committed snapshot files of the projected normalizer,
 * formats 1 and 2, and of the full changelog check, format 1) holds unkeyed legacy hashes:
 * restored, rows are still compared with them (an identical row is recognised, another one is not),
 * and the key's next write stores a keyed hash, which a row crafted to the legacy hash does not
 * match.
 */
class NormalizeLegacyHashStateTest {

  private static final FingerprintKey DRAWN = new FingerprintKey(11, 12);
  private static final FingerprintKey DRAWN_ON_RESUBMISSION = new FingerprintKey(21, 22);

  private static final Customer ADA_CHANGED =
      new Customer("c1", "Ada Lovelace, who published the first program", "ada@two", 4);

  private static final String K1_CHANGED = "k1#v2, with a note long enough to craft a collision in";

  static Stream<Arguments> backendsAndFormats() {
    return Stream.of(StateBackendKind.values())
        .flatMap(backend -> Stream.of(Arguments.of(backend, 1), Arguments.of(backend, 2)));
  }

  @ParameterizedTest(name = "{0}, format {1}")
  @MethodSource("backendsAndFormats")
  void projected_identicalRowsByTheirLegacyHash_aChangeStoresAKeyedHash(
      StateBackendKind backend, int format) throws Exception {
    Normalizer<Customer, String> normalizer =
        normalizerWithKey(projected(true), Customer.TYPE, DRAWN);
    OperatorSubtaskState changed;
    try (OperatorHarness<Change<Customer>, Change<Customer>> harness =
        SNAPSHOTS.restore(
            "normalize-projected", format, normalizer.recipe.on(backend), CUSTOMER_STATE)) {
      harness.processElement(Change.updateAfter(ADA), 60); // the live rows, at their versions:
      harness.processElement(Change.updateAfter(BOB), 61); // duplicates, not stale changes
      harness.processElement(Change.updateAfter(ADA_CHANGED), 62);

      assertThat(harness.output())
          .containsExactly(
              Change.updateBefore(new Customer("c1", null, "ada@one", 0)),
              Change.updateAfter(ADA_CHANGED));
      assertThat(harness.sideOutput(REJECTED_CUSTOMERS)).isEmpty();
      assertThat(normalizer.function().stepMetrics().deduplicatedCount()).isEqualTo(2);
      changed = harness.snapshot();
    }
    Customer crafted =
        LegacyHashCollisions.colliding(
            ADA_CHANGED,
            ADA_CHANGED.name(),
            Customer.TYPE.createSerializer(new ExecutionConfig().getSerializerConfig()));

    try (OperatorHarness<Change<Customer>, Change<Customer>> harness =
        normalizerWithKey(projected(true), Customer.TYPE, DRAWN_ON_RESUBMISSION)
            .recipe
            .on(backend)
            .restore(changed)) {
      harness.processElement(Change.updateAfter(ADA_CHANGED), 70); // a duplicate
      harness.processElement(Change.updateAfter(BOB), 71); // still a legacy hash: a duplicate
      // at c1's version, with the legacy hash of its row: a duplicate if c1 still held that
      harness.processElement(Change.updateAfter(crafted), 72);

      assertThat(harness.output()).isEmpty();
      assertThat(harness.sideOutput(REJECTED_CUSTOMERS))
          .as("another row at the same version: stale")
          .containsExactly(Change.updateAfter(crafted));
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void fullChangelogCheck_liveRowByItsLegacyHash_aChangeStoresAKeyedHash(StateBackendKind backend)
      throws Exception {
    ChangelogCheck<String, String> check = stringCheck().withFullChangelog();
    OperatorSubtaskState changed;
    try (OperatorHarness<Change<String>, Change<String>> harness =
        SNAPSHOTS.restore(
            "changelog-check",
            1,
            checkerWithKey(check, Types.STRING, DRAWN).recipe.on(backend),
            CHECK_STATE)) {
      harness.processElement(Change.delete("k1#v0"), 60); // not k1's live row
      harness.processElement(Change.updateBefore("k1#v1"), 61); // k1's live row
      harness.processElement(Change.updateAfter(K1_CHANGED), 62);

      assertThat(harness.output())
          .containsExactly(Change.updateBefore("k1#v1"), Change.updateAfter(K1_CHANGED));
      assertThat(harness.sideOutput(DEAD_LETTERS))
          .extracting(DeadLetter::payloadText)
          .containsExactly("-D[k1#v0]");
      changed = harness.snapshot();
    }
    String crafted =
        LegacyHashCollisions.colliding(K1_CHANGED, K1_CHANGED, StringSerializer.INSTANCE);

    try (OperatorHarness<Change<String>, Change<String>> harness =
        checkerWithKey(check, Types.STRING, DRAWN_ON_RESUBMISSION)
            .recipe
            .on(backend)
            .restore(changed)) {
      harness.processElement(Change.delete(crafted), 70);
      harness.processElement(Change.delete(K1_CHANGED), 71);

      assertThat(harness.output()).containsExactly(Change.delete(K1_CHANGED));
      assertThat(harness.sideOutput(DEAD_LETTERS))
          .extracting(DeadLetter::errorMessage)
          .containsExactly("retraction does not carry the live row of its key (full changelog)");
    }
  }
}
