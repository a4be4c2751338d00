package dev.etlkit.operators.normalize.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import org.junit.jupiter.api.Test;

/** Which entries each normalizer state layout writes, and its encoding in serializer snapshots. */
class RowLayoutTest {

  private static final RowLayout SEQUENCE = new RowLayout(true, false);
  private static final RowLayout PROJECTION = new RowLayout(false, true);
  private static final RowLayout BOTH = new RowLayout(true, true);

  @Test
  void holds_onlyTheEntriesItsStepWrites() {
    RowState<String> fullRow = new RowState<>("k1#v1", true, 4L, false, false, 0L);
    RowState<String> projectedRow = new RowState<>("k1", false, 0L, true, true, 0xABCL);
    RowState<String> projectedRowWithSequence = new RowState<>("k1", true, 4L, true, true, 0xABCL);
    RowState<String> deletedWithSequence = new RowState<>(null, true, 5L, false, false, 0L);

    assertThat(SEQUENCE.holds(fullRow)).isTrue();
    assertThat(SEQUENCE.holds(deletedWithSequence)).isTrue();
    assertThat(SEQUENCE.holds(projectedRowWithSequence)).isFalse();

    assertThat(PROJECTION.holds(projectedRow)).isTrue();
    assertThat(PROJECTION.holds(projectedRowWithSequence)).isFalse(); // its sequence would be lost
    assertThat(PROJECTION.holds(deletedWithSequence)).isFalse();

    assertThat(BOTH.holds(projectedRowWithSequence)).isTrue();
    assertThat(BOTH.holds(deletedWithSequence)).isTrue();
    assertThat(BOTH.holds(projectedRow)).isFalse(); // its sequence would read as 0
    assertThat(BOTH.holds(fullRow)).isFalse();
  }

  @Test
  void encode_roundTrips_zeroIsUnknown() throws IOException {
    for (RowLayout layout : new RowLayout[] {SEQUENCE, PROJECTION, BOTH}) {
      assertThat(RowLayout.decode(RowLayout.encode(layout))).isEqualTo(layout);
    }
    assertThat(RowLayout.encode(null)).isZero();
    assertThat(RowLayout.decode(0)).isNull();
  }

  @Test
  void decode_unknownBits_failsInsteadOfMisreading() {
    assertThatThrownBy(() -> RowLayout.decode(0x5))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("layout 0x5")
        .hasMessageContaining("newer etlkit");
  }

  @Test
  void neitherSequenceNorProjection_isRejected() {
    assertThatThrownBy(() -> new RowLayout(false, false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("a sequence or a projection");
  }
}
