package dev.etlkit.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;

/**
 * Found by a review of the reference job as a production template (session 48): the job checked
 * only that {@code --transaction-timeout} is above {@code --checkpoint-interval}. Flink's {@code
 * KafkaSink} documents that an exactly-once sink needs a transaction timeout well above the maximum
 * checkpoint duration plus the maximum restart duration, or Kafka aborts a transaction that is not
 * yet committed and its records are lost. A transaction lives from one checkpoint to the completion
 * of the next, so the job now also counts the longest checkpoint Flink lets run, the configured
 * {@code execution.checkpointing.timeout} (10 minutes by default), when the environment is built.
 */
class RealModeTransactionTimeoutTest {

  private static JobOptions options(String transactionTimeout) {
    return JobOptions.parse(
        "--kafka",
        "broker:9092",
        "--jdbc",
        "jdbc:postgresql://db:5432/shop",
        "--checkpoint-interval",
        "PT10S",
        "--transaction-timeout",
        transactionTimeout);
  }

  private static Configuration checkpointTimeout(Duration timeout) {
    Configuration cluster = new Configuration();
    cluster.set(CheckpointingOptions.CHECKPOINTING_TIMEOUT, timeout);
    return cluster;
  }

  @Test
  void environment_transactionTimeoutNotAboveIntervalPlusCheckpointTimeout_failsNamingAll() {
    assertThatThrownBy(() -> RealMode.environment(options("PT5M")))
        .as("the default checkpoint timeout, 10 minutes")
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            "--transaction-timeout PT5M must be above --checkpoint-interval PT10S plus the longest"
                + " checkpoint (execution.checkpointing.timeout PT10M) plus the longest restart")
        .hasMessageContaining("transaction.max.timeout.ms");
    assertThatThrownBy(
            () ->
                RealMode.environment(options("PT5M10S"), checkpointTimeout(Duration.ofMinutes(5))))
        .as("exactly the interval plus the checkpoint timeout")
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("--transaction-timeout PT5M10S must be above");
  }

  /**
   * Found by the second review (session 48): with {@code tolerable-failed-checkpoints} N, a
   * transaction stays open while N checkpoints in a row fail (each up to its timeout) and until the
   * next one completes: N + 1 rounds of interval plus checkpoint. The cluster page's own {@code
   * config.yaml} (5-minute timeout, 3 tolerated failures) with the default 15-minute transaction
   * timeout lost the records of such a transaction.
   */
  @Test
  void environment_toleratedCheckpointFailures_countOneRoundEach() {
    Configuration cluster = checkpointTimeout(Duration.ofMinutes(5));
    cluster.set(CheckpointingOptions.TOLERABLE_FAILURE_NUMBER, 3);
    assertThatThrownBy(() -> RealMode.environment(options("PT15M"), cluster))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            "--transaction-timeout PT15M must be above 4 rounds (3 tolerated checkpoint failures"
                + " in a row, execution.checkpointing.tolerable-failed-checkpoints, and the"
                + " checkpoint that completes) of --checkpoint-interval PT10S plus the longest"
                + " checkpoint (execution.checkpointing.timeout PT5M): PT20M40S");
    assertThat(RealMode.environment(options("PT20M41S"), cluster).getCheckpointInterval())
        .isEqualTo(10_000L);
    cluster.set(CheckpointingOptions.TOLERABLE_FAILURE_NUMBER, 1);
    assertThat(RealMode.environment(options("PT15M"), cluster).getCheckpointInterval())
        .as("one tolerated failure: 2 x (10 s + 5 min) is below 15 minutes")
        .isEqualTo(10_000L);
  }

  @Test
  void environment_transactionTimeoutAboveIntervalPlusCheckpointTimeout_isAccepted() {
    assertThat(RealMode.environment(options("PT15M")).getCheckpointInterval())
        .as("the defaults: 15 minutes above 10 s plus 10 minutes")
        .isEqualTo(10_000L);
    assertThat(
            RealMode.environment(options("PT5M11S"), checkpointTimeout(Duration.ofMinutes(5)))
                .getCheckpointInterval())
        .isEqualTo(10_000L);
  }
}
