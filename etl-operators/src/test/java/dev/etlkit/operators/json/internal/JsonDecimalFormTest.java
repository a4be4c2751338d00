package dev.etlkit.operators.json.internal;

import static dev.etlkit.operators.DecimalForms.flinkBytes;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.operators.DecimalForms;
import dev.etlkit.operators.json.Coercion;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * Decimals and integers {@code Json.parse} reads (and decimals it casts from text) serialize in
 * Flink as equal values made by {@code valueOf} do (see {@link DecimalForms}), long text included.
 */
class JsonDecimalFormTest {

  static final List<String> VALUES = DecimalForms.VALUES;

  /** A record with a decimal and an integer field. */
  public record Amount(BigDecimal amount, BigInteger whole) {}

  private final JsonRecordReader<Amount> reader = ReaderFixtures.of(Amount.class).reader();

  /** A record holding decimals and integers in containers and a nested record. */
  public record Held(
      Map<String, BigDecimal> byName,
      List<BigDecimal> list,
      BigDecimal[] array,
      List<BigInteger> wholes,
      Amount nested) {}

  /** Exponent forms, signed zeros and text of more than 18 characters. */
  static final List<String> FORMS =
      List.of(
          "1E+2",
          "1e1",
          "10e0",
          "1.0E+1",
          "1e-20",
          "-0",
          "-0.0",
          "0E-30",
          "0.0000000000000000001E+1",
          "10000000000000000000E-19",
          "-0.000000000000000000",
          "0.000000000000000000000000000000000000001");

  /** A record with maps keyed by decimals and integers (Flink serializes their keys too). */
  public record Keyed(Map<BigDecimal, String> amounts, Map<BigInteger, String> wholes) {}

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

  @ParameterizedTest
  @FieldSource("VALUES")
  void parse_tryCastFromText_serializesAsTheValueOfItsText(String text) throws Exception {
    BigDecimal expected = DecimalForms.reference(text);
    JsonRecordReader<Amount> casting =
        ReaderFixtures.of(Amount.class).coercion(Coercion.tryCast()).reader();

    Amount read = casting.read(("{\"amount\":\"" + text + "\"}").getBytes(UTF_8));

    assertThat(read.amount()).isEqualTo(expected);
    assertThat(flinkBytes(read.amount())).isEqualTo(flinkBytes(expected));
  }

  @ParameterizedTest
  @FieldSource("VALUES")
  void parse_mapKeys_serializeAsTheValuesOfTheirText(String text) throws Exception {
    BigDecimal expected = DecimalForms.reference(text);
    BigInteger whole = DecimalForms.reference(expected.toBigInteger());
    JsonRecordReader<Keyed> keyed = ReaderFixtures.of(Keyed.class).reader();

    Keyed read =
        keyed.read(
            ("{\"amounts\":{\"" + text + "\":\"a\"},\"wholes\":{\"" + whole + "\":\"w\"}}")
                .getBytes(UTF_8));

    BigDecimal amount = read.amounts().keySet().iterator().next();
    BigInteger wholeKey = read.wholes().keySet().iterator().next();
    assertThat(amount).isEqualTo(expected);
    assertThat(flinkBytes(amount)).isEqualTo(flinkBytes(expected));
    assertThat(wholeKey).isEqualTo(whole);
    assertThat(flinkBytes(wholeKey)).isEqualTo(flinkBytes(whole));
  }

  @ParameterizedTest
  @FieldSource("FORMS")
  void parse_containersAndExponentForms_serializeAsTheValuesOfTheirText(String text)
      throws Exception {
    BigDecimal expected = DecimalForms.reference(text);
    BigInteger whole = DecimalForms.reference(expected.toBigInteger());
    JsonRecordReader<Held> held = ReaderFixtures.of(Held.class).reader();

    Held read =
        held.read(
            ("{\"byName\":{\"a\":"
                    + text
                    + "},\"list\":["
                    + text
                    + "],\"array\":["
                    + text
                    + "],\"wholes\":["
                    + whole
                    + "],\"nested\":{\"amount\":"
                    + text
                    + ",\"whole\":"
                    + whole
                    + "}}")
                .getBytes(UTF_8));

    for (BigDecimal amount :
        List.of(
            read.byName().get("a"), read.list().get(0), read.array()[0], read.nested().amount())) {
      assertThat(amount).isEqualTo(expected);
      assertThat(flinkBytes(amount)).isEqualTo(flinkBytes(expected));
    }
    for (BigInteger integer : List.of(read.wholes().get(0), read.nested().whole())) {
      assertThat(integer).isEqualTo(whole);
      assertThat(flinkBytes(integer)).isEqualTo(flinkBytes(whole));
    }
  }
}
