package dev.etlkit.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.core.RawRecord;
import org.junit.jupiter.api.Test;

class SourcePositionsTest {

  @Test
  void change_withAPosition_isThePositionInDecimal() {
    assertThat(SourcePositions.of(Change.delete("k1").withSourcePosition(-7L))).isEqualTo("-7");
    assertThat(SourcePositions.of(Change.insert("k1").withSourcePosition(1L << 40)))
        .isEqualTo("1099511627776");
  }

  @Test
  void rawRecord_isItsSource() {
    assertThat(SourcePositions.of(new RawRecord(null, null, "orders-3@1234", null)))
        .isEqualTo("orders-3@1234");
  }

  @Test
  void recordsWithoutAPosition_haveNone() {
    assertThat(SourcePositions.of(Change.insert("k1"))).isNull();
    assertThat(SourcePositions.of(new RawRecord(null, null, null, null))).isNull();
    assertThat(SourcePositions.of("orders-3@1234")).isNull();
    assertThat(SourcePositions.of(null)).isNull();
  }
}
