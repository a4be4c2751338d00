package dev.etlkit.operators.enrich.internal.join;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Which variant wrote a restored snapshot: its mark, or for snapshots written before the mark
 * (formats 1 and 2, whose committed files {@code DimensionJoinSavepointCompatibilityTest} restores
 * into their own variant) the point-in-time join's watermark state.
 */
class VariantMarkTest {

  private static final Set<String> AS_OF_FORMAT_2 =
      Set.of(JoinConfig.WATERMARK_STATE, JoinConfig.HELD_FACTS_STATE);
  private static final Set<String> LATEST_FORMAT_2 = Set.of(JoinConfig.HELD_FACTS_STATE);

  @Test
  void theMark_tells() {
    Set<String> marked = Set.of(JoinConfig.VARIANT_STATE, JoinConfig.HELD_FACTS_STATE);

    assertThat(VariantMark.writtenByAsOf(List.of("asOf", "asOf"), marked)).isTrue();
    assertThat(VariantMark.writtenByAsOf(List.of("latest"), marked)).isFalse();
  }

  /** A latest join restored from a point-in-time join's savepoint carries its watermark state. */
  @Test
  void theMark_winsOverTheWatermarkState() {
    Set<String> carried =
        Set.of(JoinConfig.VARIANT_STATE, JoinConfig.WATERMARK_STATE, JoinConfig.HELD_FACTS_STATE);

    assertThat(VariantMark.writtenByAsOf(List.of("latest"), carried)).isFalse();
  }

  @Test
  void withoutTheMark_theWatermarkStateTells() {
    assertThat(VariantMark.writtenByAsOf(List.of(), AS_OF_FORMAT_2)).isTrue();
    assertThat(VariantMark.writtenByAsOf(null, Set.of(JoinConfig.WATERMARK_STATE))).isTrue();
    assertThat(VariantMark.writtenByAsOf(List.of(), LATEST_FORMAT_2)).isFalse();
  }

  /** Format 1 of the latest join kept no operator state at all. */
  @Test
  void withoutAnyOperatorState_aLatestJoinWroteIt() {
    assertThat(VariantMark.writtenByAsOf(null, Set.of())).isFalse();
  }

  @Test
  void anUnknownMark_isIgnored() {
    assertThat(VariantMark.writtenByAsOf(List.of("future"), AS_OF_FORMAT_2)).isTrue();
    assertThat(VariantMark.writtenByAsOf(List.of("future"), LATEST_FORMAT_2)).isFalse();
  }
}
