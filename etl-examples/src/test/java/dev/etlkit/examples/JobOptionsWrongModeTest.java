package dev.etlkit.examples;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/**
 * Edges of {@link JobOptions}' two modes found by a second review on 2026-11-24, each failing
 * before its fix: a real-mode option's value was checked before the mode, so an option the sample
 * mode ignores failed blaming another option; and a plain argument, the sample mode's output
 * directory, was silently ignored in real mode. The mode is now checked first, both ways.
 */
class JobOptionsWrongModeTest {

  /**
   * Before, a {@code --checkpoint-interval} above the default transaction timeout without {@code
   * --kafka} and {@code --jdbc} was refused by the record's constructor, blaming {@code
   * --transaction-timeout}, an option the user did not give and which the sample mode ignores.
   */
  @Test
  void parse_longCheckpointIntervalWithoutKafkaAndJdbc_failsAsRealModeOnly() {
    assertThatThrownBy(() -> JobOptions.parse("--checkpoint-interval", "PT20M"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "--checkpoint-interval acts only in real mode: give --kafka and --jdbc too, or leave it"
                + " out");
  }

  /** A bad value of a real-mode option in the sample mode: refused for the mode, not the value. */
  @Test
  void parse_badRealModeValueWithoutKafkaAndJdbc_failsAsRealModeOnly() {
    assertThatThrownBy(() -> JobOptions.parse("--checkpoint-interval", "5"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "--checkpoint-interval acts only in real mode: give --kafka and --jdbc too, or leave it"
                + " out");
  }

  /**
   * The mirror case: before, the output directory (the one plain argument), which acts only in the
   * sample mode, was accepted with {@code --kafka} and {@code --jdbc} and silently ignored, so a
   * mistyped option such as {@code -bounded} (one dash) passed as an output directory and the job
   * ran unbounded.
   */
  @Test
  void parse_plainArgumentWithKafkaAndJdbc_isRefused_notIgnored() {
    assertThatThrownBy(
            () -> JobOptions.parse("--kafka", "k:9092", "--jdbc", "jdbc:postgresql://h/db", "out"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "unexpected argument 'out': the one plain argument is the output directory, for"
                + " the sample mode only (without --kafka and --jdbc)");
    // a mistyped option is no plain argument in either mode
    assertThatThrownBy(
            () ->
                JobOptions.parse(
                    "--kafka", "k:9092", "--jdbc", "jdbc:postgresql://h/db", "-bounded"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("unknown option -bounded;");
  }
}
