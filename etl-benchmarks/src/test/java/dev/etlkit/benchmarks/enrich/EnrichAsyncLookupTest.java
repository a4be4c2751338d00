package dev.etlkit.benchmarks.enrich;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The simulated lookup schedules its answers early by the lateness its timer has shown. */
class EnrichAsyncLookupTest {

  private static final long MILLI = 1_000_000L;

  @Test
  void aTimerThatFiresLate_isScheduledEarlierByItsLateness() {
    EnrichAsyncLookup.Lateness lateness = new EnrichAsyncLookup.Lateness();
    assertThat(lateness.delayFor(MILLI)).as("nothing observed yet").isEqualTo(MILLI);
    for (int i = 0; i < 500; i++) { // a timer that always fires 55 µs after the delay it was given
      long delay = lateness.delayFor(MILLI);
      lateness.observe(delay, delay + 55_000);
    }
    long delay = lateness.delayFor(MILLI);
    assertThat(delay).isBetween(MILLI - 55_000, MILLI - 54_000);
    assertThat(delay + 55_000)
        .as("so the answer comes after the latency")
        .isCloseTo(MILLI, within());
  }

  @Test
  void lateness_followsTheTimer_andNeverMakesADelayNegative() {
    EnrichAsyncLookup.Lateness lateness = new EnrichAsyncLookup.Lateness();
    for (int i = 0; i < 500; i++) {
      lateness.observe(lateness.delayFor(MILLI), lateness.delayFor(MILLI) + 200_000);
    }
    assertThat(lateness.delayFor(100_000)).as("lateness beyond the latency").isZero();
    assertThat(lateness.delayFor(0)).isZero();
    for (int i = 0; i < 500; i++) { // the timer got punctual
      long delay = lateness.delayFor(MILLI);
      lateness.observe(delay, delay);
    }
    assertThat(lateness.delayFor(MILLI)).isBetween(MILLI - 1_000, MILLI);
  }

  private static org.assertj.core.data.Offset<Long> within() {
    return org.assertj.core.data.Offset.offset(1_000L);
  }
}
