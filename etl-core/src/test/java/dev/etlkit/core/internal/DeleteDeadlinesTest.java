package dev.etlkit.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The deadline of a deleted key's marker: the write's time plus the retention, up to a whole
 * second.
 */
class DeleteDeadlinesTest {

  @Test
  void deadline_wholeSecond_staysAsItIs() {
    assertThat(DeleteDeadlines.of(0L, 60_000L)).isEqualTo(60_000L);
    assertThat(DeleteDeadlines.of(1_000L, 1L)).isEqualTo(2_000L);
  }

  @Test
  void deadline_roundsUpToTheNextWholeSecond_neverDown() {
    assertThat(DeleteDeadlines.of(500L, 60_000L)).isEqualTo(61_000L);
    assertThat(DeleteDeadlines.of(999L, 1L)).isEqualTo(1_000L);
    assertThat(DeleteDeadlines.of(-1_500L, 1_000L)).isEqualTo(0L);
  }

  @Test
  void deadline_thatWouldOverflow_isLongMaxValue() {
    assertThat(DeleteDeadlines.of(1L, Long.MAX_VALUE)).isEqualTo(Long.MAX_VALUE);
    assertThat(DeleteDeadlines.of(Long.MAX_VALUE - 10, 5L)).isEqualTo(Long.MAX_VALUE);
    assertThat(DeleteDeadlines.of(0L, Long.MAX_VALUE)).isEqualTo(Long.MAX_VALUE);
  }
}
