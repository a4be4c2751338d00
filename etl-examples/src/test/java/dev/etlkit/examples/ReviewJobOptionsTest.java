package dev.etlkit.examples;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Review of the real-mode-only options of {@link JobOptions}. */
class ReviewJobOptionsTest {

  /**
   * running-on-a-cluster.md: a real-mode option given without --kafka and --jdbc "stops the job at
   * start-up ("--group-id acts only in real mode: ...")". A --checkpoint-interval above the default
   * transaction timeout is instead refused by the record's constructor, blaming
   * --transaction-timeout, an option the user did not give and which the sample ignores anyway.
   */
  @Test
  void parse_longCheckpointIntervalWithoutKafkaAndJdbc_failsAsRealModeOnly() {
    assertThatThrownBy(() -> JobOptions.parse("--checkpoint-interval", "PT20M"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "--checkpoint-interval acts only in real mode: give --kafka and --jdbc too, or leave it"
                + " out");
  }

  /** The same for a --checkpoint-interval below Flink's minimum, which the sample never uses. */
  @Test
  void parse_shortCheckpointIntervalWithoutKafkaAndJdbc_failsAsRealModeOnly() {
    assertThatThrownBy(() -> JobOptions.parse("--checkpoint-interval", "5"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "--checkpoint-interval acts only in real mode: give --kafka and --jdbc too, or leave it"
                + " out");
  }
}
