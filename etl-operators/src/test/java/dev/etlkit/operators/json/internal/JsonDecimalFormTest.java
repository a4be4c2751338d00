package dev.etlkit.operators.json.internal;

import static dev.etlkit.operators.DecimalForms.flinkBytes;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.operators.DecimalForms;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * Decimals and integers {@code Json.parse} reads, serialize in Flink as the values made from their
 * text do (see {@link DecimalForms}): the other decoders are held to this form.
 */
class JsonDecimalFormTest {

  static final List<String> VALUES = DecimalForms.VALUES;

  /** A record with a decimal and an integer field. */
  public record Amount(BigDecimal amount, BigInteger whole) {}

  private final JsonRecordReader<Amount> reader = ReaderFixtures.of(Amount.class).reader();

  @ParameterizedTest
  @FieldSource("VALUES")
  void parse_numbersAndText_serializeAsTheValuesOfTheirText(String text) throws Exception {
    BigDecimal expected = DecimalForms.reference(text);
    BigInteger whole = expected.toBigInteger();

    Amount read =
        reader.read(("{\"amount\":" + text + ",\"whole\":" + whole + "}").getBytes(UTF_8));

    assertThat(read.amount()).isEqualTo(expected);
    assertThat(flinkBytes(read.amount())).isEqualTo(flinkBytes(expected));
    assertThat(read.whole()).isEqualTo(whole);
    assertThat(flinkBytes(read.whole())).isEqualTo(flinkBytes(whole));
  }
}
