package dev.etlkit.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.time.Duration;
import java.util.Arrays;
import java.util.stream.Stream;
import org.apache.kafka.server.config.ServerLogConfigs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Edges of {@link JobOptions}' two modes found by a review on 2026-11-24, each failing before that
 * day's fix: the options that only {@link RealMode} reads (topics, consumer group, checkpoints,
 * transactions, watermarks, {@code --bounded}) were accepted without {@code --kafka} and {@code
 * --jdbc} and silently ignored by the sample run; and there was no {@code --max-future}, the bound
 * beyond which an order dated ahead of the clock is a dead letter ({@link FutureTimes}) in both
 * modes.
 */
class JobOptionsModesTest {

  private static final String[] REAL = {"--kafka", "k:9092", "--jdbc", "jdbc:postgresql://h/db"};

  static Stream<Arguments> realModeOnly() {
    return Stream.of(
        Arguments.of((Object) new String[] {"--orders-topic", "o"}),
        Arguments.of((Object) new String[] {"--customers-topic", "c"}),
        Arguments.of((Object) new String[] {"--enriched-topic", "e"}),
        Arguments.of((Object) new String[] {"--dead-letter-topic", "d"}),
        Arguments.of((Object) new String[] {"--group-id", "g"}),
        Arguments.of((Object) new String[] {"--checkpoint-interval", "PT1S"}),
        Arguments.of((Object) new String[] {"--transaction-timeout", "PT20M"}),
        Arguments.of((Object) new String[] {"--disorder", "PT1S"}),
        Arguments.of((Object) new String[] {"--idleness", "PT2M"}),
        Arguments.of((Object) new String[] {"--bounded"}));
  }

  @ParameterizedTest
  @MethodSource("realModeOnly")
  void parse_realModeOptionWithoutKafkaAndJdbc_failsNamingItAndTheModeOptions(String[] option) {
    assertThatThrownBy(() -> JobOptions.parse(option))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            option[0] + " acts only in real mode: give --kafka and --jdbc too, or leave it out");
    String[] withOutputDir =
        Stream.concat(Arrays.stream(option), Stream.of("out")).toArray(String[]::new);
    assertThatThrownBy(() -> JobOptions.parse(withOutputDir))
        .as("with the sample's output directory")
        .hasMessage(
            option[0] + " acts only in real mode: give --kafka and --jdbc too, or leave it out");
  }

  @ParameterizedTest
  @MethodSource("realModeOnly")
  void parse_realModeOptionWithKafkaAndJdbc_isTaken(String[] option) {
    String[] args =
        Stream.concat(Arrays.stream(REAL), Arrays.stream(option)).toArray(String[]::new);

    assertThat(JobOptions.parse(args).realMode()).isTrue();
  }

  @Test
  void parse_maxFuture_defaultsTo55Minutes_andActsInBothModes() {
    assertThat(JobOptions.parse().maxFuture()).isEqualTo(Duration.ofMinutes(55));
    assertThat(JobOptions.parse(REAL).maxFuture()).isEqualTo(Duration.ofMinutes(55));
    assertThat(JobOptions.parse("--max-future", "PT2H", "out").maxFuture())
        .isEqualTo(Duration.ofHours(2));
    assertThat(JobOptions.parse("--max-future", "60000").maxFuture())
        .isEqualTo(Duration.ofMinutes(1));
  }

  @Test
  void maxFutureDefault_staysBelowTheBrokersDefaultFutureLimit_withAMarginForClockSkew() {
    // The job writes each output record with its event time as its Kafka timestamp; a broker
    // refuses one more than log.message.timestamp.after.max.ms ahead of its clock, failing the
    // job on every restart. A default equal to the broker's left no room for the TaskManagers'
    // clocks running ahead of the brokers' (the docs ask for a margin).
    Duration brokerLimit =
        Duration.ofMillis(ServerLogConfigs.LOG_MESSAGE_TIMESTAMP_AFTER_MAX_MS_DEFAULT);

    assertThat(JobOptions.DEFAULT_MAX_FUTURE)
        .isLessThanOrEqualTo(brokerLimit.minus(Duration.ofMinutes(5)));
  }

  @Test
  void runningOnAClusterPage_listsMaxFuture_andWhichOptionsActOnlyInRealMode() throws Exception {
    String page =
        Files.readString(DocsSnippetsTest.repositoryRoot().resolve("docs/running-on-a-cluster.md"))
            .replaceAll("\\s+", " ");

    assertThat(page)
        .contains("| `--max-future` | `PT55M` | both modes:")
        .contains(
            "Every option in the table from `--orders-topic` to `--bounded` acts only in real")
        .contains("`--max-future` acts in both modes");
  }

  @Test
  void parse_badMaxFuture_failsNamingTheOptionAndValue() {
    assertThatThrownBy(() -> JobOptions.parse("--max-future", "an hour"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "--max-future must be an ISO-8601 duration (PT10S) or milliseconds, got 'an hour'");
    assertThatThrownBy(() -> JobOptions.parse("--max-future", "PT0S"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("--max-future must be positive, got PT0S");
    // event times are whole milliseconds: a smaller bound could not be held exactly
    assertThatThrownBy(() -> JobOptions.parse("--max-future", "PT0.0005S"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "--max-future must be at least 1 ms (event times are whole milliseconds), got"
                + " PT0.0005S");
    assertThat(JobOptions.parse("--max-future", "PT0.001S").maxFuture())
        .isEqualTo(Duration.ofMillis(1));
  }
}
