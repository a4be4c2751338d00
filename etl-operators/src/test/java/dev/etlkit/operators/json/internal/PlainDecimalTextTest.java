package dev.etlkit.operators.json.internal;

import static dev.etlkit.operators.DecimalForms.flinkBytes;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.operators.DecimalForms;
import java.math.BigDecimal;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link PlainDecimalText}, the reader's short cut for JSON decimals of up to 38 digits without an
 * exponent: the value {@code new BigDecimal(text)} gives, in the reference form, or null where
 * Jackson's own parsing must read the text.
 */
class PlainDecimalTextTest {

  /** A record with one decimal, read by {@code Json.parse}'s reader. */
  public record Amount(BigDecimal amount) {}

  private final JsonRecordReader<Amount> reader = ReaderFixtures.of(Amount.class).reader();

  @ParameterizedTest
  @ValueSource(
      strings = {
        "0.0",
        "-0.0",
        "-0.000",
        "0.01",
        "0.1",
        "1.0",
        "10.0",
        "1.00",
        "12.34",
        "-12.34",
        "0.00000000000000001", // 18 digits, 17 of them zeros
        "99999999999999999.9",
        "-99999999999999999.9",
        "9.22337203685477580", // 18 digits
        "123456789012345678", // an integer's text too (an INT token is never passed)
        "0.5",
        "0.000000000000000001", // 19 digits (leading zeros count), the value fits a long
        "-0.000000000000000000000000000000000000", // 38 zeros
        "9223372036854775807", // Long.MAX_VALUE
        "9223372036854775808", // one more
        "-9223372036854775808", // Long.MIN_VALUE
        "-9223372036854775809",
        "18446744073709551615", // 2^64 - 1
        "18446744073709551616", // 2^64
        "-18446744073709551616",
        "1234567890123456789.0",
        "-9999999999999999999",
        "123456789012345678.123456", // a DECIMAL(24, 6)
        "99999999999999999999999999999999999999", // 38 digits: 10^38 - 1 < 2^127
        "-9999999999999999999999999999.9999999999",
        "17014118346046923173168730371588410572" // 2^127 - 1 without its last digit
      })
  void parse_plainTextOfUpTo38Digits_isTheDecimalOfTheText(String text) {
    BigDecimal parsed = parse(text);

    assertThat(parsed).isNotNull();
    assertThat(parsed.unscaledValue()).isEqualTo(new BigDecimal(text).unscaledValue());
    assertThat(parsed.scale()).isEqualTo(new BigDecimal(text).scale());
    assertThat(flinkBytes(parsed)).isEqualTo(flinkBytes(DecimalForms.reference(text)));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "1e5",
        "1E+2",
        "1.5e-3",
        "1e5000000000000000000000",
        "170141183460469231731687303715884105727", // 39 digits (2^127 - 1)
        "0.000000000000000000000000000000000000001", // 39 digits (leading zeros count)
        "-100000000000000000000000000000000000000",
        "",
        "-",
        ".",
        "-.",
        "1.2.3",
        "+1.5",
        "1-2"
      })
  void parse_exponentMoreDigitsOrNoNumber_isLeftToJackson(String text) {
    assertThat(parse(text)).isNull();
  }

  @Property(tries = 2000)
  void read_plainDecimals_areTheValuesOfTheirText(@ForAll("plainDecimals") String text)
      throws Exception {
    BigDecimal expected = DecimalForms.reference(text);

    BigDecimal read = reader.read(("{\"amount\":" + text + "}").getBytes(UTF_8)).amount();
    BigDecimal parsed = parse(text);

    for (BigDecimal decimal : new BigDecimal[] {read, parsed}) {
      if (decimal == null) {
        assertThat(text.replaceAll("[-.]", "")).hasSizeGreaterThan(38);
        continue;
      }
      assertThat(decimal.unscaledValue()).isEqualTo(expected.unscaledValue());
      assertThat(decimal.scale()).isEqualTo(expected.scale());
      assertThat(flinkBytes(decimal)).isEqualTo(flinkBytes(expected));
    }
  }

  /**
   * JSON float text: an optional '-', 1 to 24 integer digits (no leading zero), 1 to 20 more; so
   * from 2 to 44 digits, on both sides of 18 (a long) and of 38 (the short cut's end).
   */
  @Provide
  Arbitrary<String> plainDecimals() {
    Arbitrary<String> whole =
        Arbitraries.oneOf(
            Arbitraries.just("0"),
            Arbitraries.strings().numeric().ofMinLength(1).ofMaxLength(23).map(s -> "1" + s),
            Arbitraries.strings().numeric().ofMinLength(0).ofMaxLength(23).map(s -> "9" + s));
    Arbitrary<String> fraction = Arbitraries.strings().numeric().ofMinLength(1).ofMaxLength(20);
    return Combinators.combine(Arbitraries.of("", "-"), whole, fraction)
        .as((sign, w, f) -> sign + w + "." + f);
  }

  private static BigDecimal parse(String text) {
    char[] padded = ("[ " + text + " ]").toCharArray();
    return PlainDecimalText.parse(padded, 2, text.length());
  }
}
