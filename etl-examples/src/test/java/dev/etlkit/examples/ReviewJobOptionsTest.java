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

  /**
   * The mirror case: the output directory (the one plain argument) acts only in the sample mode,
   * but with --kafka and --jdbc it is accepted and silently ignored (RealMode never reads it), so a
   * mistyped option such as "-bounded" (one dash) passes as an output directory and the job runs
   * unbounded.
   */
  @Test
  void parse_plainArgumentWithKafkaAndJdbc_isRefused_notIgnored() {
    assertThatThrownBy(
            () ->
                JobOptions.parse(
                    "--kafka", "k:9092", "--jdbc", "jdbc:postgresql://h/db", "-bounded"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("-bounded");
  }
}
