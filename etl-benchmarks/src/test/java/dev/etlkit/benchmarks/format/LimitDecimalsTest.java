package dev.etlkit.benchmarks.format;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The {@code LIMIT} impl's decimals on char and byte arrays, against {@code BigDecimal}. */
class LimitDecimalsTest {

  @Test
  void parseUnscaled_plainText_isTheUnscaledValueAtTheScale_asBigDecimalGivesIt() {
    SplittableRandom random = new SplittableRandom(3);
    for (int i = 0; i < 20_000; i++) {
      int scale = random.nextInt(0, 8);
      BigDecimal value =
          BigDecimal.valueOf(random.nextLong() >> random.nextInt(64), random.nextInt(0, scale + 1));
      String text = value.toPlainString();
      char[] chars = ("[" + text + "]").toCharArray();

      long unscaled = LimitDecimals.parseUnscaled(chars, 1, text.length(), scale);

      BigDecimal expected = value.setScale(scale);
      if (expected.precision() <= 18) {
        assertThat(unscaled).as("%s at scale %d", text, scale).isEqualTo(unscaledLong(expected));
      } else if (expected.unscaledValue().bitLength() < Long.SIZE) {
        assertThat(unscaled)
            .as("%s at scale %d", text, scale)
            .isIn(LimitDecimals.NOT_A_LONG, unscaledLong(expected));
      } else {
        assertThat(unscaled).as("%s at scale %d", text, scale).isEqualTo(LimitDecimals.NOT_A_LONG);
      }
    }
  }

  @Test
  void parseUnscaled_examples() {
    assertThat(parse("0", 0)).isZero();
    assertThat(parse("1", 0)).isEqualTo(1);
    assertThat(parse("10", 0)).isEqualTo(10);
    assertThat(parse("0.01", 2)).isEqualTo(1);
    assertThat(parse("12.34", 2)).isEqualTo(1234);
    assertThat(parse("-12.3", 2)).isEqualTo(-1230);
    assertThat(parse("-0", 2)).isZero();
    assertThat(parse("999999999999999999", 0)).isEqualTo(999_999_999_999_999_999L);
    assertThat(parse("-9999999999999999.99", 2)).isEqualTo(-999_999_999_999_999_999L);
  }

  @Test
  void parseUnscaled_whatItLeavesToBigDecimal_isNotALong() {
    // more than 18 digits, or as many at the scale; exponents; more fraction digits than the scale
    for (String text :
        new String[] {
          "1234567890123456789", "99999999999999999.9", "1e3", "1.5E-2", "1.234", "0.001"
        }) {
      assertThat(parse(text, 2)).as(text).isEqualTo(LimitDecimals.NOT_A_LONG);
    }
    assertThat(parse("99999999999999999", 2)).isEqualTo(LimitDecimals.NOT_A_LONG);
  }

  @Test
  void format_isThePlainTextOfTheDecimal() {
    SplittableRandom random = new SplittableRandom(5);
    char[] out = new char[LimitDecimals.MAX_FORMATTED_LENGTH];
    long[] edges = {0, 1, -1, 10, -10, 1234, Long.MAX_VALUE, Long.MIN_VALUE};
    for (int i = 0; i < 20_000; i++) {
      long unscaled =
          i < edges.length * 8 ? edges[i % edges.length] : random.nextLong() >> random.nextInt(64);
      int scale = i < edges.length * 8 ? i / edges.length : random.nextInt(0, 30);

      int start = LimitDecimals.format(unscaled, scale, out);

      assertThat(new String(out, start, out.length - start))
          .isEqualTo(BigDecimal.valueOf(unscaled, scale).toPlainString());
    }
  }

  @Test
  void bytes_areBigIntegersTwosComplement_andReadBack() {
    SplittableRandom random = new SplittableRandom(9);
    byte[] out = new byte[8];
    for (int i = 0; i < 20_000; i++) {
      long value = i < 600 ? i - 300 : random.nextLong() >> random.nextInt(64);
      if (i == 600) {
        value = Long.MIN_VALUE;
      } else if (i == 601) {
        value = Long.MAX_VALUE;
      }

      int n = LimitDecimals.toBytes(value, out);

      assertThat(Arrays.copyOf(out, n)).isEqualTo(BigInteger.valueOf(value).toByteArray());
      assertThat(LimitDecimals.fromBytes(out, n)).isEqualTo(value);
    }
  }

  private static long parse(String text, int scale) {
    return LimitDecimals.parseUnscaled(text.toCharArray(), 0, text.length(), scale);
  }

  private static long unscaledLong(BigDecimal value) {
    return value.setScale(value.scale(), RoundingMode.UNNECESSARY).unscaledValue().longValueExact();
  }
}
