package dev.etlkit.testkit;

import static dev.etlkit.testkit.ChangelogAssert.assertThatChangelog;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.core.Change;
import dev.etlkit.testkit.Generated.Tag;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.flink.types.RowKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ChangelogGeneratorTest {

  // tag::generator[]
  private static final ChangelogGenerator<String> MESSY =
      ChangelogGenerator.strings() // rows "k3#v2", tombstones "k3#"
          .withKeys(6)
          .withLength(200)
          .withDeleteRate(0.2)
          .withTombstoneRate(0.5)
          .withDuplicateRate(0.1)
          .withMaxOutOfOrderness(30)
          .withLateRate(0.05)
          .withProcessingTimeStep(1_000);

  // end::generator[]

  // tag::soak-seeds[]
  static List<Long> seeds() {
    return Soak.seeds(20, 2_000); // 20 seeds, 2000 under -Psoak
  }

  @ParameterizedTest
  @MethodSource("seeds")
  void generate_anySeed_tagsAreTrueAndSourceIsWellFormed(long seed) {
    GeneratedChangelog<String> changelog = MESSY.generate(seed);

    assertThatChangelog(changelog.sourceOrder())
        .withKeyOnlyDeletes()
        .isWellFormed(ChangelogGenerator::stringKey);
    assertTagsAreTrue(changelog);
  }

  // end::soak-seeds[]

  @Test
  void generate_sameSeed_sameChangelog() {
    assertThat(MESSY.generate(42L).records()).isEqualTo(MESSY.generate(42L).records());
    assertThat(MESSY.generate(42L).input()).isEqualTo(MESSY.generate(42L).input());
    assertThat(MESSY.generate(42L).records()).isNotEqualTo(MESSY.generate(43L).records());
  }

  @Test
  void generate_defaults_cleanInOrderUpserts() {
    GeneratedChangelog<String> clean = ChangelogGenerator.strings().generate(1L);

    assertThat(clean.records()).hasSize(ChangelogGenerator.DEFAULT_LENGTH);
    assertThat(clean.records()).allSatisfy(r -> assertThat(r.tags()).isEmpty());
    assertThat(clean.changes()).isEqualTo(clean.sourceOrder());
    assertThatChangelog(clean.changes())
        .containsOnlyKinds(RowKind.INSERT, RowKind.UPDATE_AFTER)
        .isWellFormed(ChangelogGenerator::stringKey);
  }

  @Test
  void generate_messy_producesEveryKindOfTrouble() {
    GeneratedChangelog<String> changelog = MESSY.generate(3L);

    for (Tag tag : Tag.values()) {
      assertThat(changelog.tagged(tag)).as("records tagged %s", tag).isNotEmpty();
    }
    assertThat(changelog.toString()).startsWith("seed=3: ");
  }

  @Test
  void input_elementsCarryEventTimeAndWatermarksAdvance() {
    GeneratedChangelog<String> changelog = MESSY.generate(5L);
    List<Long> watermarks = new ArrayList<>();
    int elements = 0;
    int processingTimeSteps = 0;
    for (HarnessInput.Step<Change<String>> step : changelog.input().steps()) {
      if (step instanceof HarnessInput.Element<Change<String>> e) {
        assertThat(e.timestamp()).isEqualTo(e.value().eventTime());
        assertThat(e.value()).isEqualTo(changelog.records().get(elements++).change());
      } else if (step instanceof HarnessInput.Watermark<Change<String>> w) {
        watermarks.add(w.timestamp());
      } else {
        processingTimeSteps++;
      }
    }
    assertThat(elements).isEqualTo(changelog.records().size());
    assertThat(watermarks).isNotEmpty().isSorted().doesNotHaveDuplicates();
    assertThat(processingTimeSteps).isEqualTo(watermarks.size());
  }

  @Test
  void withRates_outOfRange_isRejected() {
    assertThatThrownBy(() -> ChangelogGenerator.strings().withDuplicateRate(1.5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("duplicateRate must be in [0, 1], was 1.5");
    assertThatThrownBy(() -> ChangelogGenerator.strings().withKeys(0))
        .hasMessage("keys must be >= 1, was 0");
    assertThatThrownBy(() -> ChangelogGenerator.strings().withMaxOutOfOrderness(-1))
        .hasMessage("maxOutOfOrderness must be in 0..31536000000 (a year), was -1");
  }

  @Test
  void generated_withoutTags_isRejected_namingTheParameter() {
    assertThatThrownBy(() -> new Generated<>(Change.insert("k1#v1"), 0, null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("tags");
  }

  @Test
  void everyOtherSetting_outOfRange_isRejected_namingTheSettingAndTheValue() {
    ChangelogGenerator<String> generator = ChangelogGenerator.strings();
    assertThatThrownBy(() -> generator.withLength(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("length must be >= 0, was -1");
    assertThatThrownBy(() -> generator.withWatermarkInterval(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("watermarkInterval must be >= 1, was 0");
    assertThatThrownBy(() -> generator.withProcessingTimeStep(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("processingTimeStep must be >= 0, was -1");
    assertThatThrownBy(() -> generator.withDeleteRate(-0.1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("deleteRate must be in [0, 1], was -0.1");
    assertThatThrownBy(() -> generator.withTombstoneRate(Double.NaN))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("tombstoneRate must be in [0, 1], was NaN");
    assertThatThrownBy(() -> generator.withLateRate(2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("lateRate must be in [0, 1], was 2.0");
  }

  @Test
  void withMaxOutOfOrderness_beyondAYear_isRejectedWhenSet_notWhenGenerating() {
    // Long.MAX_VALUE was taken, and generate() then failed inside java.util.Random ("bound must be
    // positive"); values near it overflowed the delivery order.
    assertThatThrownBy(() -> ChangelogGenerator.strings().withMaxOutOfOrderness(Long.MAX_VALUE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxOutOfOrderness must be in 0..31536000000 (a year), was " + Long.MAX_VALUE);

    GeneratedChangelog<String> changelog =
        ChangelogGenerator.strings()
            .withMaxOutOfOrderness(31_536_000_000L)
            .withLateRate(0.2)
            .generate(7L);
    assertThat(changelog.records()).hasSize(ChangelogGenerator.DEFAULT_LENGTH);
    assertTagsAreTrue(changelog);
  }

  /** Recomputes every tag from the delivered script and checks duplicates are exact copies. */
  private static void assertTagsAreTrue(GeneratedChangelog<String> changelog) {
    long lastWatermark = Long.MIN_VALUE;
    long maxSeen = Long.MIN_VALUE;
    Set<Change<String>> seen = new HashSet<>();
    int i = 0;
    for (HarnessInput.Step<Change<String>> step : changelog.input().steps()) {
      if (step instanceof HarnessInput.Watermark<Change<String>> w) {
        lastWatermark = w.timestamp();
      } else if (step instanceof HarnessInput.Element<Change<String>> e) {
        Generated<String> record = changelog.records().get(i++);
        long time = e.timestamp();
        assertThat(record.is(Tag.LATE)).as("LATE of %s", record).isEqualTo(time <= lastWatermark);
        assertThat(record.is(Tag.OUT_OF_ORDER))
            .as("OUT_OF_ORDER of %s", record)
            .isEqualTo(time < maxSeen);
        assertThat(record.is(Tag.DUPLICATE))
            .as("DUPLICATE of %s", record)
            .isEqualTo(!seen.add(record.change()));
        assertThat(record.change()).isEqualTo(changelog.sourceOrder().get(record.sourceIndex()));
        assertThat(record.is(Tag.TOMBSTONE))
            .isEqualTo(
                record.change().kind() == RowKind.DELETE && record.change().value().endsWith("#"));
        maxSeen = Math.max(maxSeen, time);
      }
    }
  }
}
