package dev.etlkit.operators.json.internal;

import static dev.etlkit.operators.json.internal.CoercionTarget.BOOLEAN;
import static dev.etlkit.operators.json.internal.CoercionTarget.DATE;
import static dev.etlkit.operators.json.internal.CoercionTarget.DECIMAL;
import static dev.etlkit.operators.json.internal.CoercionTarget.DOUBLE;
import static dev.etlkit.operators.json.internal.CoercionTarget.INSTANT;
import static dev.etlkit.operators.json.internal.CoercionTarget.INT;
import static dev.etlkit.operators.json.internal.CoercionTarget.LONG;
import static dev.etlkit.operators.json.internal.CoercionTarget.STRING;
import static dev.etlkit.operators.json.internal.CoercionTarget.TIMESTAMP;
import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The TRY-cast table: what converts, and what fails rather than lose information. */
class TryCastTest {

  private static final TryCast CAST = new TryCast(100);
  private static final Object FAILED = TryCast.FAILED;

  static Stream<Arguments> strings() {
    return Stream.of(
        Arguments.of("42", INT, 42),
        Arguments.of(" 42 ", INT, 42),
        Arguments.of("+42", INT, 42),
        Arguments.of("-0", INT, 0),
        Arguments.of("1.0", INT, 1),
        Arguments.of("1e3", INT, 1000),
        Arguments.of("1.5", INT, FAILED),
        Arguments.of("2147483648", INT, FAILED),
        Arguments.of("forty-two", INT, FAILED),
        Arguments.of("", INT, FAILED),
        Arguments.of("0x10", INT, FAILED),
        Arguments.of("9000000000", LONG, 9_000_000_000L),
        Arguments.of("9223372036854775808", LONG, FAILED),
        Arguments.of("1e999999999", LONG, FAILED),
        Arguments.of("0.25", DOUBLE, 0.25),
        Arguments.of("1e400", DOUBLE, FAILED),
        Arguments.of("NaN", DOUBLE, Double.NaN),
        Arguments.of(" Infinity ", DOUBLE, Double.POSITIVE_INFINITY),
        Arguments.of("-Infinity", DOUBLE, Double.NEGATIVE_INFINITY),
        Arguments.of("nan", DOUBLE, FAILED),
        Arguments.of("NaN", DECIMAL, FAILED),
        Arguments.of("Infinity", LONG, FAILED),
        Arguments.of("12.50", DECIMAL, new BigDecimal("12.50")),
        Arguments.of("1e-3", DECIMAL, new BigDecimal("0.001")),
        Arguments.of("12,50", DECIMAL, FAILED),
        Arguments.of("1e999999999", DECIMAL, FAILED),
        Arguments.of("1e-999999999", DECIMAL, FAILED),
        Arguments.of("1e99", DECIMAL, new BigDecimal("1e99")),
        Arguments.of("TRUE", BOOLEAN, true),
        Arguments.of("y", BOOLEAN, true),
        Arguments.of("1", BOOLEAN, true),
        Arguments.of("No", BOOLEAN, false),
        Arguments.of("0", BOOLEAN, false),
        Arguments.of("maybe", BOOLEAN, FAILED),
        Arguments.of(" keep spaces ", STRING, " keep spaces "),
        Arguments.of("2024-01-31", DATE, LocalDate.of(2024, 1, 31)),
        Arguments.of("2024-02-30", DATE, FAILED),
        Arguments.of("2024-01-31T10:00", DATE, FAILED),
        Arguments.of("2024-01-31T10:15:30", TIMESTAMP, LocalDateTime.of(2024, 1, 31, 10, 15, 30)),
        Arguments.of(
            "2024-01-31 10:15:30.5",
            TIMESTAMP,
            LocalDateTime.of(2024, 1, 31, 10, 15, 30, 500_000_000)),
        Arguments.of("2024-01-31", TIMESTAMP, LocalDateTime.of(2024, 1, 31, 0, 0)),
        Arguments.of("yesterday", TIMESTAMP, FAILED),
        Arguments.of("2024-01-31T10:15:30Z", INSTANT, Instant.parse("2024-01-31T10:15:30Z")),
        Arguments.of("2024-01-31 11:15:30+01:00", INSTANT, Instant.parse("2024-01-31T10:15:30Z")),
        Arguments.of("1706696130000", INSTANT, Instant.ofEpochMilli(1706696130000L)),
        Arguments.of("2024-01-31T10:15:30", INSTANT, FAILED),
        // digits of other scripts: Java's number parsers take them, SQL's CAST does not
        Arguments.of("\u0661\u0662\u0663", INT, FAILED),
        Arguments.of("\uFF11\uFF12\uFF13", LONG, FAILED),
        Arguments.of("\u0663.\u0665", DOUBLE, FAILED),
        Arguments.of("\u0661\u0662", DECIMAL, FAILED),
        Arguments.of("\u0661\u0667\u0660\u0666\u0666\u0669\u0666", INSTANT, FAILED),
        Arguments.of("\u0661", BOOLEAN, FAILED),
        // a negative zero keeps its sign, as Double.parseDouble and SQL's CAST keep it
        Arguments.of("-0.0", DOUBLE, -0.0),
        Arguments.of(" -0 ", DOUBLE, -0.0),
        Arguments.of("-0e5", DOUBLE, -0.0),
        Arguments.of("0.0", DOUBLE, 0.0));
  }

  @ParameterizedTest(name = "\"{0}\" as {1} -> {2}")
  @MethodSource("strings")
  void fromString(String text, CoercionTarget target, Object expected) {
    assertThat(CAST.fromString(text, target)).isEqualTo(expected);
  }

  static Stream<Arguments> numbers() {
    return Stream.of(
        Arguments.of("7", INT, 7),
        Arguments.of("7.00", INT, 7),
        Arguments.of("7.01", INT, FAILED),
        Arguments.of("-9223372036854775808", LONG, Long.MIN_VALUE),
        Arguments.of("1E+2", LONG, 100L),
        Arguments.of("3", DOUBLE, 3.0),
        Arguments.of("1e309", DOUBLE, FAILED),
        Arguments.of("0.10", DECIMAL, new BigDecimal("0.10")),
        Arguments.of("1", BOOLEAN, true),
        Arguments.of("0.0", BOOLEAN, false),
        Arguments.of("2", BOOLEAN, FAILED),
        Arguments.of("1.50", STRING, "1.50"),
        Arguments.of("1000", INSTANT, Instant.ofEpochMilli(1000)),
        Arguments.of("1000.5", INSTANT, FAILED),
        Arguments.of("20240131", DATE, FAILED),
        Arguments.of("1", TIMESTAMP, FAILED),
        // the JSON integer -0 for a double (a decimal token is read by Jackson, -0.0 kept)
        Arguments.of("-0", DOUBLE, 0.0));
  }

  @ParameterizedTest(name = "{0} as {1} -> {2}")
  @MethodSource("numbers")
  void fromNumber(String number, CoercionTarget target, Object expected) {
    assertThat(CAST.fromNumber(number, target)).isEqualTo(expected);
  }

  @Test
  void fromBoolean_onlyToBooleanAndString() {
    assertThat(CAST.fromBoolean(true, BOOLEAN)).isEqualTo(true);
    assertThat(CAST.fromBoolean(false, STRING)).isEqualTo("false");
    assertThat(CAST.fromBoolean(true, INT)).isSameAs(FAILED);
    assertThat(CAST.fromBoolean(true, DATE)).isSameAs(FAILED);
  }

  @Test
  void fromString_longerThanTheNumberLimit_failsWithoutParsing() {
    String digits = "1".repeat(101);
    assertThat(CAST.fromString(digits, DECIMAL)).isSameAs(FAILED);
    assertThat(CAST.fromString(digits, INSTANT)).isSameAs(FAILED);
    assertThat(new TryCast(200).fromString(digits, DECIMAL)).isEqualTo(new BigDecimal(digits));
  }

  @Test
  void fromValue_castsDefaultsLikeJsonValues() {
    assertThat(CAST.fromValue(0, LONG)).isEqualTo(0L);
    assertThat(CAST.fromValue(0, DECIMAL)).isEqualTo(BigDecimal.ZERO);
    assertThat(CAST.fromValue(0, STRING)).isEqualTo("0");
    assertThat(CAST.fromValue(0, DATE)).isSameAs(FAILED);
    assertThat(CAST.fromValue("2024-01-31", DATE)).isEqualTo(LocalDate.of(2024, 1, 31));
    assertThat(CAST.fromValue(LocalDate.of(2024, 1, 31), TIMESTAMP))
        .isEqualTo(LocalDateTime.of(2024, 1, 31, 0, 0));
    assertThat(CAST.fromValue(LocalDate.of(2024, 1, 31), STRING)).isEqualTo("2024-01-31");
    assertThat(CAST.fromValue(Instant.EPOCH, DATE)).isSameAs(FAILED);
    assertThat(CAST.fromValue(true, BOOLEAN)).isEqualTo(true);
    assertThat(CAST.fromValue(1.5, INT)).isSameAs(FAILED);
  }
}
