package dev.etlkit.operators.cdc;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import dev.etlkit.core.Change;
import dev.etlkit.operators.cdc.Debezium.Metadata;
import dev.etlkit.operators.cdc.Debezium.Tombstones;
import dev.etlkit.operators.cdc.internal.DebeziumDecoder;
import dev.etlkit.operators.cdc.internal.DecoderSettings;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import javax.annotation.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * How column values bind to number, boolean and other primitive fields: exactly, or not at all (a
 * dead letter), never as a changed value.
 */
class DebeziumScalarFieldsTest {

  /** One field of each scalar type; JSON names are the component names. */
  public record Row(
      int i,
      Integer boxedInt,
      long l,
      Long boxedLong,
      short s,
      BigInteger big,
      BigDecimal dec,
      double d,
      Double boxedDouble,
      float f,
      boolean b,
      Boolean boxedBool) {}

  private static Row bind(String column, String json) throws IOException {
    return decode(
        DecoderSettings.defaults(Row.class),
        "{\"op\":\"c\",\"after\":{\"" + column + "\":" + json + "}}",
        null);
  }

  private static <T> T decode(DecoderSettings<T> settings, @Nullable String value, String key)
      throws IOException {
    List<Change<T>> out = new ArrayList<>();
    new DebeziumDecoder<>(settings)
        .decode(
            value == null ? null : value.getBytes(UTF_8),
            key == null ? null : key.getBytes(UTF_8),
            null,
            out);
    return out.get(0).value();
  }

  // ---- integer fields

  @ParameterizedTest
  @CsvSource({
    "i, int",
    "boxedInt, java.lang.Integer",
    "l, long",
    "boxedLong, java.lang.Long",
    "s, short",
    "big, java.math.BigInteger"
  })
  void fractionBeyondDoublePrecision_forAnIntegerField_isADeadLetterNotTruncated(
      String field, String type) {
    // as a double, 12.0000000000000001 is 12.0: the number is judged as written
    for (String fraction : List.of("12.0000000000000001", "\"12.0000000000000001\"", "-0.1e-30")) {
      assertThatThrownBy(() -> bind(field, fraction))
          .isInstanceOf(MismatchedInputException.class)
          .hasMessage("after." + field + ": value does not fit " + type);
    }
  }

  @Test
  void wholeNumberWrittenWithAFraction_forAnIntegerField_isExactBeyondDoublePrecision()
      throws IOException {
    // 2^53 + 1: no double holds it
    assertThat(bind("l", "9007199254740993").l()).isEqualTo(9007199254740993L);
    assertThat(bind("l", "9007199254740993.0").l()).isEqualTo(9007199254740993L);
    assertThat(bind("boxedLong", "9.007199254740993e15").boxedLong()).isEqualTo(9007199254740993L);
    assertThat(bind("l", "-9223372036854775808.00").l()).isEqualTo(Long.MIN_VALUE);
    assertThat(bind("big", "123456789012345678901234567890.000").big())
        .isEqualTo(new BigInteger("123456789012345678901234567890"));
    assertThat(bind("i", "1.2e3").i()).isEqualTo(1200);
  }

  @Test
  @Timeout(10)
  void hugeExponent_forAnIntegerField_isADeadLetterWithoutWritingItOut() {
    for (String huge : List.of("1e999999999", "-1e999999999", "1e-999999999")) {
      assertThatThrownBy(() -> bind("l", huge))
          .isInstanceOf(MismatchedInputException.class)
          .hasMessage("after.l: value does not fit long");
      assertThatThrownBy(() -> bind("big", huge))
          .isInstanceOf(MismatchedInputException.class)
          .hasMessage("after.big: value does not fit java.math.BigInteger");
    }
  }

  @ParameterizedTest
  @CsvSource({
    "i, 2147483648, int",
    "boxedInt, -2147483649, java.lang.Integer",
    "boxedInt, 3000000000.0, java.lang.Integer",
    "s, 32768, short",
    "l, 9223372036854775808, long",
    "boxedLong, 123456789012345678901234567890, java.lang.Long"
  })
  void integerBeyondTheFieldsRange_isAValueThatDoesNotFit(String field, String json, String type) {
    // found by DebeziumIndependentReferenceTest: Jackson's overflow error came out as "cannot build
    // the row (InputCoercionException)", which the docs reserve for a throwing constructor
    assertThatThrownBy(() -> bind(field, json))
        .isInstanceOf(MismatchedInputException.class)
        .hasMessage("after." + field + ": value does not fit " + type);
  }

  public record ByteRow(byte tiny, Byte boxedTiny) {}

  /**
   * Numeric text ({@code decimal.handling.mode=string}) from 128 to 255 for a byte field: Jackson
   * lets it through (as an unsigned byte) and stores it wrapped, 200 as -56.
   */
  @ParameterizedTest
  @CsvSource({
    "tiny, '\"200\"', byte",
    "tiny, '\"255\"', byte",
    "boxedTiny, '\"128\"', java.lang.Byte",
    "boxedTiny, '\" 255\"', java.lang.Byte"
  })
  void numericTextBeyondAByteFieldsRange_isAValueThatDoesNotFit_notWrapped(
      String field, String json, String type) {
    assertThatThrownBy(
            () ->
                decode(
                    DecoderSettings.defaults(ByteRow.class),
                    "{\"op\":\"c\",\"after\":{\"" + field + "\":" + json + "}}",
                    null))
        .isInstanceOf(MismatchedInputException.class)
        .hasMessage("after." + field + ": value does not fit " + type);
  }

  @Test
  void numericTextWithinAByteFieldsRange_binds() throws IOException {
    ByteRow row =
        decode(
            DecoderSettings.defaults(ByteRow.class),
            "{\"op\":\"c\",\"after\":{\"tiny\":\"-128\",\"boxedTiny\":\"127\"}}",
            null);
    assertThat(row).isEqualTo(new ByteRow((byte) -128, (byte) 127));
  }

  /** PostgreSQL array columns ({@code integer[]}, {@code float8[]}, ...). */
  public record ArrayRow(long id, int[] quantities, double[] weights, List<Integer> scores) {}

  /**
   * A PostgreSQL array may hold NULL elements, which Debezium writes as JSON null: Jackson stored
   * them in a primitive array as 0 (or 0.0), a value the array never had.
   */
  @ParameterizedTest
  @CsvSource({"quantities, '[1,null,3]', int", "weights, '[null,2.5]', double"})
  void nullElement_forAPrimitiveArrayField_isADeadLetterNotZero(
      String field, String json, String type) {
    assertThatThrownBy(
            () ->
                decode(
                    DecoderSettings.defaults(ArrayRow.class),
                    "{\"op\":\"c\",\"after\":{\"id\":1,\"" + field + "\":" + json + "}}",
                    null))
        .isInstanceOf(MismatchedInputException.class)
        .hasMessage("after." + field + ": value does not fit " + type);
  }

  @Test
  void nullElement_forAListField_isNull_andAnAbsentArrayColumnIsNull() throws IOException {
    ArrayRow row =
        decode(
            DecoderSettings.defaults(ArrayRow.class),
            "{\"op\":\"c\",\"after\":{\"id\":1,\"quantities\":[1,2],\"scores\":[7,null]}}",
            null);
    assertThat(row.quantities()).containsExactly(1, 2);
    assertThat(row.weights()).isNull();
    assertThat(row.scores()).containsExactly(7, null);
  }

  // ---- BigDecimal fields

  @Test
  void numberForADecimalField_isTheNumberAsWritten() throws IOException {
    // decimal.handling.mode=double: not rounded to a double on the way
    assertThat(bind("dec", "12.0000000000000001").dec())
        .isEqualTo(new BigDecimal("12.0000000000000001"));
    assertThat(bind("dec", "12.30").dec()).isEqualTo(new BigDecimal("12.30"));
    assertThat(bind("dec", "1.5e3").dec()).isEqualTo(new BigDecimal("1.5e3"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"1e999999999", "1e-400", "1e101"})
  void numberForADecimalField_beyondTheNumberLengthLimit_isADeadLetter(String number) {
    // 1e-400 was 0.0 as a double
    assertThatThrownBy(() -> bind("dec", number))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("after.dec: decimal")
        .hasMessageContaining("maxNumberLength 100");
  }

  // ---- double and float fields

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "d | 1e400 | double",
        "d | -1e400 | double",
        "d | \"1e999999999\" | double",
        "boxedDouble | 1e400 | java.lang.Double",
        "boxedDouble | \"-1e999999999\" | java.lang.Double",
        "f | 1e39 | float",
        "f | \"-3.5e38\" | float"
      })
  void numberThatOverflowsToInfinity_isADeadLetter(String field, String json, String type) {
    assertThatThrownBy(() -> bind(field, json))
        .isInstanceOf(MismatchedInputException.class)
        .hasMessage("after." + field + ": value does not fit " + type + " (overflows to infinity)");
  }

  @Test
  void nonFiniteSpellings_andTheLargestFiniteNumbers_bind() throws IOException {
    // how Kafka Connect's JsonConverter writes a non-finite FLOAT64 or FLOAT32
    assertThat(bind("d", "\"NaN\"").d()).isNaN();
    assertThat(bind("d", "\"Infinity\"").d()).isEqualTo(Double.POSITIVE_INFINITY);
    assertThat(bind("boxedDouble", "\"-Infinity\"").boxedDouble())
        .isEqualTo(Double.NEGATIVE_INFINITY);
    assertThat(bind("f", "\"-Infinity\"").f()).isEqualTo(Float.NEGATIVE_INFINITY);
    assertThat(bind("d", "1.7976931348623157e308").d()).isEqualTo(Double.MAX_VALUE);
    assertThat(bind("d", "\"-1.7976931348623157e308\"").d()).isEqualTo(-Double.MAX_VALUE);
    assertThat(bind("f", "3.4028235e38").f()).isEqualTo(Float.MAX_VALUE);
    assertThat(bind("d", "1e39").d()).isEqualTo(1e39);
    assertThat(bind("d", "12.5").d()).isEqualTo(12.5);
  }

  // ---- boolean fields

  @Test
  void zeroAndOne_forABooleanField_areFalseAndTrue() throws IOException {
    // MySQL TINYINT(1) arrives as an integer (Debezium maps it to INT16)
    assertThat(bind("b", "1").b()).isTrue();
    assertThat(bind("b", "0").b()).isFalse();
    assertThat(bind("boxedBool", "1").boxedBool()).isTrue();
    assertThat(bind("boxedBool", "0").boxedBool()).isFalse();
    assertThat(bind("b", "true").b()).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"2", "-1", "256", "9223372036854775807", "1.0", "0.0"})
  void otherNumber_forABooleanField_isADeadLetterNotTrue(String number) {
    // Jackson reads any integer but 0 as true
    assertThatThrownBy(() -> bind("b", number))
        .isInstanceOf(MismatchedInputException.class)
        .hasMessage("after.b: value does not fit boolean");
    assertThatThrownBy(() -> bind("boxedBool", number))
        .isInstanceOf(MismatchedInputException.class)
        .hasMessage("after.boxedBool: value does not fit java.lang.Boolean");
  }

  // ---- null for primitive fields

  @ParameterizedTest
  @CsvSource({"i, int", "l, long", "s, short", "d, double", "f, float", "b, boolean"})
  void null_forAPrimitiveField_isADeadLetterNotZeroOrFalse(String field, String type) {
    assertThatThrownBy(() -> bind(field, "null"))
        .isInstanceOf(MismatchedInputException.class)
        .hasMessage(
            "after."
                + field
                + ": null does not fit primitive "
                + type
                + " (a nullable column needs a wrapper type)");
  }

  @Test
  void null_forAPrimitiveKeyColumn_isADeadLetter() {
    DecoderSettings<Row> deletes =
        DecoderSettings.defaults(Row.class).withTombstones(Tombstones.DELETE);
    assertThatThrownBy(() -> decode(deletes, null, "{\"i\":null}"))
        .isInstanceOf(MismatchedInputException.class)
        .hasMessageStartingWith("key.i: null does not fit primitive int");
  }

  @Test
  void null_forAWrapperField_isNull_andAnAbsentColumnLeavesTheDefault() throws IOException {
    Row row = bind("boxedInt", "null");
    assertThat(row.boxedInt()).isNull();
    // a key-only row: columns that are not in the image are 0 and false, as documented
    assertThat(row.i()).isZero();
    assertThat(row.b()).isFalse();
    Row keyOnly =
        decode(
            DecoderSettings.defaults(Row.class).withTombstones(Tombstones.DELETE),
            null,
            "{\"i\":7}");
    assertThat(keyOnly.i()).isEqualTo(7);
    assertThat(keyOnly.d()).isZero();
  }

  @Test
  void absentMetadata_forAPrimitiveMetadataField_isItsDefault_evenOverANullColumn()
      throws IOException {
    // metadata fields take their value from the envelope, which replaces a column of that name
    DecoderSettings<AuditedCustomer> settings =
        DecoderSettings.defaults(AuditedCustomer.class)
            .withMetadataField("changed_at", Metadata.SOURCE_TS_MS);
    String noTime = "{\"op\":\"c\",\"after\":{\"id\":1,\"changed_at\":null},\"source\":{}}";
    assertThat(decode(settings, noTime, null).changedAt()).isZero();
    String time =
        "{\"op\":\"c\",\"after\":{\"id\":1,\"changed_at\":null},\"source\":{\"ts_ms\":5}}";
    assertThat(decode(settings, time, null).changedAt()).isEqualTo(5L);
  }

  // ---- the text "null"

  @ParameterizedTest
  @CsvSource({
    "i, int",
    "boxedInt, java.lang.Integer",
    "l, long",
    "big, java.math.BigInteger",
    "dec, java.math.BigDecimal",
    "d, double",
    "boxedDouble, java.lang.Double",
    "f, float",
    "b, boolean",
    "boxedBool, java.lang.Boolean"
  })
  void textNull_forANumberOrBooleanField_isADeadLetterNotNullOrZero(String field, String type) {
    // Jackson reads the text as null, and null for a primitive as 0 or false
    for (String text : List.of("\"null\"", "\" null \"")) {
      assertThatThrownBy(() -> bind(field, text))
          .isInstanceOf(MismatchedInputException.class)
          .hasMessage(
              "after." + field + ": the text null does not fit " + type + " (NULL is JSON null)");
    }
  }
}
