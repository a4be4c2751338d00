package dev.etlkit.operators.json.internal;

import static dev.etlkit.operators.json.internal.ReaderFixtures.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.etlkit.operators.json.Coercion;
import dev.etlkit.operators.json.JsonRecordException;
import dev.etlkit.operators.json.JsonRecordException.Reason;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The strings a {@code double} or {@code float} is read from without coercion: only {@code "NaN"},
 * {@code "Infinity"} and {@code "-Infinity"}, as {@code Json.write} writes them. Found by a review
 * on 2026-11-25: Jackson also reads its own {@code "INF"} and {@code "-INF"} as infinities, so
 * strict reading took strings that {@code Coercion.tryCast()} refuses ({@code COERCION_FAILED}).
 */
class JsonNonFiniteSpellingTest {

  /** A POJO with every field type that holds a double or a float. */
  public static class Measures {
    public double d;
    public Double boxed;
    public float f;
    public Float boxedFloat;
    public double[] ds;
    public float[] fs;
    public List<Double> list;
  }

  private static final String ALL_SET =
      "{\"d\":1,\"f\":1,\"boxed\":1,\"boxedFloat\":1,\"ds\":[],\"fs\":[],\"list\":[]}";

  private static JsonRecordException rejection(JsonRecordReader<?> reader, String json) {
    return catchThrowableOfType(JsonRecordException.class, () -> reader.read(utf8(json)));
  }

  /** The document with {@code field}'s value replaced. */
  private static String with(String field, String value) {
    return ALL_SET.replaceFirst("\"" + field + "\":[^,}]+", "\"" + field + "\":" + value);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "d          | \"INF\"     | WRONG_TYPE: expected double, got a JSON string at $.d",
        "d          | \"-INF\"    | WRONG_TYPE: expected double, got a JSON string at $.d",
        "boxed      | \"INF\"     | WRONG_TYPE: expected Double, got a JSON string at $.boxed",
        "f          | \"INF\"     | WRONG_TYPE: expected float, got a JSON string at $.f",
        "boxedFloat | \"-INF\"    | WRONG_TYPE: expected Float, got a JSON string at $.boxedFloat",
        "ds         | [\"INF\"]   | WRONG_TYPE: expected double, got a JSON string at $.ds[0]",
        "fs         | [1,\"INF\"] | WRONG_TYPE: expected float, got a JSON string at $.fs[1]",
        "list       | [\"-INF\"]  | WRONG_TYPE: expected Double, got a JSON string at $.list[0]",
      })
  void read_jacksonsInfSpelling_isWrongType(String field, String value, String message) {
    JsonRecordReader<Measures> reader = ReaderFixtures.of(Measures.class).reader();

    assertThat(rejection(reader, with(field, value))).hasMessage(message);
  }

  @Test
  void read_spellingsJsonWriteWrites_areReadBack() throws Exception {
    JsonRecordReader<Measures> reader = ReaderFixtures.of(Measures.class).reader();

    Measures m =
        reader.read(
            utf8(
                "{\"d\":\"NaN\",\"boxed\":\"-Infinity\",\"f\":\"Infinity\",\"boxedFloat\":\"NaN\","
                    + "\"ds\":[\"Infinity\",\"-Infinity\"],\"fs\":[\"NaN\"],\"list\":[\"NaN\"]}"));

    assertThat(m.d).isNaN();
    assertThat(m.boxed).isEqualTo(Double.NEGATIVE_INFINITY);
    assertThat(m.f).isEqualTo(Float.POSITIVE_INFINITY);
    assertThat(m.boxedFloat).isNaN();
    assertThat(m.ds).containsExactly(Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY);
    assertThat(m.fs).containsExactly(Float.NaN);
    assertThat(m.list).containsExactly(Double.NaN);
  }

  @Test
  void read_infWithoutCoercion_isRejectedAsWithCoercion() {
    JsonRecordReader<Measures> strict = ReaderFixtures.of(Measures.class).reader();
    JsonRecordReader<Measures> coerced =
        ReaderFixtures.of(Measures.class).coercion(Coercion.tryCast().orDeadLetter()).reader();

    assertThat(rejection(coerced, with("d", "\"INF\"")))
        .extracting(JsonRecordException::reason)
        .isEqualTo(Reason.COERCION_FAILED);
    assertThat(rejection(strict, with("d", "\"INF\"")))
        .extracting(JsonRecordException::reason)
        .isEqualTo(Reason.WRONG_TYPE);
  }
}
