package dev.etlkit.examples;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The values of {@link JobOptions}' valued options, found by a review on 2026-11-26: a valued
 * option whose value was forgotten took the next option as its value ({@code --group-id --bounded}
 * ran an unbounded job in the consumer group "--bounded"), and an empty value (a shell variable
 * that was not set: {@code --group-id "$GROUP"}) was taken as given, so that every job started that
 * way shared the transactional ids "-enriched" and "-dead-letters" and aborted the others'
 * transactions. (An empty duration already failed as not a duration.) And the message of an unknown
 * option listed the known ones without {@code --bounded}, the one a user mistyping it ({@code
 * --bouned}) looks for.
 */
class JobOptionsValuesTest {

  private static final String[] REAL = {"--kafka", "k:9092", "--jdbc", "jdbc:postgresql://h/db"};

  private static String[] real(String... more) {
    return Stream.concat(Arrays.stream(REAL), Arrays.stream(more)).toArray(String[]::new);
  }

  @Test
  void parse_optionFollowedByAnotherOption_failsAsAnOptionWithoutAValue() {
    assertThatThrownBy(() -> JobOptions.parse(real("--group-id", "--bounded")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("--group-id needs a value");
    assertThatThrownBy(() -> JobOptions.parse("--kafka", "--jdbc", "jdbc:postgresql://h/db"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("--kafka needs a value");
    assertThatThrownBy(() -> JobOptions.parse(real("--orders-topic", "--group-id", "g")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("--orders-topic needs a value");
  }

  @Test
  void parse_unknownOption_failsListingEveryKnownOption_theFlagToo() {
    assertThatThrownBy(() -> JobOptions.parse(real("--bouned")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("unknown option --bouned; known: ")
        .hasMessageContaining("--kafka")
        .hasMessageContaining("--max-future")
        .hasMessageContaining("--bounded");
  }

  @Test
  void parse_transactionTimeoutBeyondKafkasIntMilliseconds_failsNamingTheOption() {
    assertThatThrownBy(() -> JobOptions.parse(real("--transaction-timeout", "P30D")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("--transaction-timeout must be at most");
    JobOptions.parse(real("--transaction-timeout", Integer.toString(Integer.MAX_VALUE)));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "--kafka",
        "--jdbc",
        "--orders-topic",
        "--customers-topic",
        "--enriched-topic",
        "--dead-letter-topic",
        "--group-id"
      })
  void parse_emptyOrBlankValue_failsNamingTheOption(String option) {
    for (String value : new String[] {"", " "}) {
      String[] withValue =
          option.equals("--kafka") || option.equals("--jdbc")
              ? replaceValue(REAL, option, value)
              : real(option, value);
      assertThatThrownBy(() -> JobOptions.parse(withValue))
          .as("%s '%s'", option, value)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith(option + " needs a value");
    }
  }

  private static String[] replaceValue(String[] args, String option, String value) {
    String[] copy = args.clone();
    for (int i = 0; i < copy.length - 1; i++) {
      if (copy[i].equals(option)) {
        copy[i + 1] = value;
      }
    }
    return copy;
  }
}
