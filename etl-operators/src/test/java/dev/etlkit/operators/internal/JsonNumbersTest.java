package dev.etlkit.operators.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

class JsonNumbersTest {

  @Test
  void plainDigits_countsTheDigitsOfToPlainString() {
    for (String value :
        new String[] {"0", "7", "-12.5", "1E+3", "1E-3", "0.10", "123.456", "1E+50"}) {
      BigDecimal decimal = new BigDecimal(value);
      String digits = decimal.toPlainString().replace("-", "").replace(".", "");
      assertThat(JsonNumbers.plainDigits(decimal)).as(value).isEqualTo(digits.length());
    }
    // without writing a billion digits
    assertThat(JsonNumbers.plainDigits(new BigDecimal("1E+999999999"))).isEqualTo(1_000_000_000L);
    assertThat(JsonNumbers.plainDigits(new BigDecimal("1E-999999999"))).isEqualTo(1_000_000_000L);
  }

  @Test
  void nonFinite_readsWhatTheWritersWrite_andNothingElse() {
    assertThat(JsonNumbers.nonFinite("NaN")).isNaN();
    assertThat(JsonNumbers.nonFinite("Infinity")).isEqualTo(Double.POSITIVE_INFINITY);
    assertThat(JsonNumbers.nonFinite("-Infinity")).isEqualTo(Double.NEGATIVE_INFINITY);
    for (String other : new String[] {"nan", "inf", "+Infinity", "1e400", "", null}) {
      assertThat(JsonNumbers.nonFinite(other)).as(String.valueOf(other)).isNull();
    }
  }
}
