package dev.etlkit.examples;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/**
 * Found by a review on 2026-11-24 (failing before that day's fix), on {@link JobOptions}: {@code
 * parse} promises to fail "naming the unknown option or bad value", and checks that durations are
 * positive, but accepts checkpoint intervals Flink refuses (below its minimum of 10 ms, and
 * sub-millisecond ones, which {@link RealMode} truncates to 0). The job then fails later, in {@link
 * RealMode#environment}, with Flink's message that names no option.
 */
class JobOptionsCheckpointIntervalTest {

  @Test
  void parse_checkpointIntervalBelowFlinksMinimum_failsNamingTheOption() {
    String[] args = {
      "--kafka", "k:9092", "--jdbc", "jdbc:postgresql://h/db", "--checkpoint-interval", "5"
    };

    assertThatThrownBy(() -> JobOptions.parse(args))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            "--checkpoint-interval must be at least 10 ms (Flink's minimum), got");
  }

  @Test
  void parse_subMillisecondCheckpointInterval_failsNamingTheOption() {
    String[] args = {
      "--kafka", "k:9092", "--jdbc", "jdbc:postgresql://h/db", "--checkpoint-interval", "PT0.0005S"
    };

    assertThatThrownBy(() -> JobOptions.parse(args))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            "--checkpoint-interval must be at least 10 ms (Flink's minimum), got");
  }
}
