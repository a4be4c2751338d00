package dev.etlkit.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The topics of {@link JobOptions}, found by a review on 2026-11-25: the job reads two topics and
 * writes two, and the parse accepted any of them twice. A dead-letter topic that is an input topic
 * ({@code --dead-letter-topic orders}) feeds every bad order back to the job, which rejects it
 * again and writes it back, once per checkpoint, for ever; an enriched-orders topic that is the
 * orders topic feeds the job its own output; one topic for orders and customer changes decodes
 * every record as both. None of it is a setting anybody wants, so each fails at start-up naming
 * both options.
 */
class JobOptionsTopicsTest {

  private static final String[] REAL = {"--kafka", "k:9092", "--jdbc", "jdbc:postgresql://h/db"};

  private static String[] real(String... more) {
    return Stream.concat(Arrays.stream(REAL), Arrays.stream(more)).toArray(String[]::new);
  }

  @ParameterizedTest(name = "{0} = {1}")
  @CsvSource({
    "--dead-letter-topic, --orders-topic",
    "--dead-letter-topic, --customers-topic",
    "--enriched-topic, --orders-topic",
    "--enriched-topic, --customers-topic",
    "--customers-topic, --orders-topic",
    "--dead-letter-topic, --enriched-topic"
  })
  void parse_oneTopicForTwoRoles_failsNamingBothOptions(String option, String other) {
    assertThatThrownBy(() -> JobOptions.parse(real(option, "t", other, "t")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(option)
        .hasMessageContaining(other)
        .hasMessageContaining("'t'");
  }

  @Test
  void parse_outputTopicNamedLikeADefaultInputTopic_fails() {
    assertThatThrownBy(() -> JobOptions.parse(real("--dead-letter-topic", "orders")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "--orders-topic and --dead-letter-topic are both 'orders': the job reads two topics"
                + " and writes two, each needs a topic of its own");
  }

  @Test
  void parse_fourTopicsOfTheirOwn_isAccepted() {
    JobOptions options =
        JobOptions.parse(
            real(
                "--orders-topic", "o",
                "--customers-topic", "c",
                "--enriched-topic", "e",
                "--dead-letter-topic", "d"));

    assertThat(options.ordersTopic()).isEqualTo("o");
    assertThat(options.deadLetterTopic()).isEqualTo("d");
  }
}
