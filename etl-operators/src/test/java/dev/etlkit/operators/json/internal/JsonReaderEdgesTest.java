package dev.etlkit.operators.json.internal;

import static dev.etlkit.operators.json.internal.ReaderFixtures.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.etlkit.operators.JsonReadLimits;
import dev.etlkit.operators.json.Coercion;
import dev.etlkit.operators.json.JsonRecordException;
import dev.etlkit.operators.json.Order;
import dev.etlkit.operators.json.Reading;
import dev.etlkit.operators.json.UnknownFields;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Edges of the JSON reader found by a review on 2026-11-24, each failing before that day's fixes:
 * trailing content and the spelling of {@code -0} in the second pass of a record with a repeated
 * key, {@code -0.0} under {@code Coercion.tryCast()}, a missing {@code @JsonProperty(required =
 * true)} record component, bytes above 127, {@code maxStringLength} for skipped unknown fields,
 * unknown enum constants as map keys, setters that throw, written-only properties with {@code
 * UnknownFields.DEAD_LETTER}, and unpaired surrogates in UTF-16 and UTF-32. One finding was
 * documented instead of fixed, and its test pins the documented behaviour: a {@code BigDecimal}
 * with a negative scale reads back numerically equal, with scale 0.
 */
class JsonReaderEdgesTest {

  private static JsonRecordException rejection(JsonRecordReader<?> reader, String json) {
    return rejection(reader, utf8(json));
  }

  private static JsonRecordException rejection(JsonRecordReader<?> reader, byte[] payload) {
    JsonRecordException e =
        catchThrowableOfType(JsonRecordException.class, () -> reader.read(payload));
    assertThat(e)
        .as("expected a rejection of %s", new String(payload, StandardCharsets.UTF_8))
        .isNotNull();
    return e;
  }

  /** A record: a key repeated after its last component takes the slow (second) pass. */
  public record Pair(String a, String b) {}

  @Test
  void repeatedKeyInRecord_withASecondValueAfterTheObject_isTrailingContent() {
    JsonRecordReader<Pair> reader = ReaderFixtures.of(Pair.class).reader();

    // Without the repeated key the trailing value is rejected, as documented; before, with it, the
    // second pass bound the first object and never looked at what followed.
    assertThat(rejection(reader, "{\"a\":\"x\",\"b\":\"y\"} {\"q\":1}"))
        .hasMessage("TRAILING_CONTENT: content after the JSON object at line 1, column 20");
    assertThat(rejection(reader, "{\"a\":\"x\",\"b\":\"y\",\"a\":\"z\"} {\"q\":1}"))
        .hasMessage("TRAILING_CONTENT: content after the JSON object at line 1, column 28");
  }

  @Test
  void repeatedKeyInRecord_withGarbageAfterTheObject_isTrailingContent() {
    JsonRecordReader<Pair> reader = ReaderFixtures.of(Pair.class).reader();

    // Before, accepted: the second pass stopped at the end of the object.
    assertThat(rejection(reader, "{\"a\":\"x\",\"b\":\"y\",\"a\":\"z\"}]"))
        .hasMessage("TRAILING_CONTENT: content after the JSON object at line 1, column 27");
  }

  @Test
  void tryCast_negativeZeroForADouble_staysNegativeZero() throws Exception {
    JsonRecordReader<Reading> reader =
        ReaderFixtures.of(Reading.class).coercion(Coercion.tryCast()).reader();

    // A JSON number of the field's own type is "read directly"; without coercion -0.0 is -0.0
    // (the docs' strict rules), and Json.write writes a negative zero as -0.0. Before, the cast
    // went through BigDecimal, which has no negative zero, and gave 0.0.
    Double ratio = reader.read(utf8("{\"count\":1,\"ratio\":-0.0}")).ratio;

    assertThat(Double.doubleToRawLongBits(ratio))
        .as("raw bits of %s", ratio)
        .isEqualTo(Double.doubleToRawLongBits(-0.0d));
    // Overflow still fails the cast (to null), and the integer -0 is still 0.0, as without
    // coercion.
    assertThat(reader.read(utf8("{\"count\":1,\"ratio\":1e400}")).ratio).isNull();
    assertThat(Double.doubleToRawLongBits(reader.read(utf8("{\"count\":1,\"ratio\":-0}")).ratio))
        .isEqualTo(Double.doubleToRawLongBits(0.0d));
  }

  /** A record whose components are required by annotation. */
  public record Tagged(
      @JsonProperty(required = true) String id,
      @JsonProperty(required = true) String name,
      int n) {}

  @Test
  void annotatedRequiredRecordComponent_missing_isMissingRequiredField() {
    JsonRecordReader<Tagged> reader = ReaderFixtures.of(Tagged.class).reader();

    // JSON null was reported as documented; before, a missing component was Jackson's own
    // "missing required creator property", mislabelled "WRONG_TYPE: expected String, got a JSON
    // object at $", and named only the first missing component.
    assertThat(rejection(reader, "{\"id\":null,\"name\":\"x\",\"n\":1}"))
        .hasMessage(
            "MISSING_REQUIRED_FIELD: required field 'id' of Tagged is missing or null at $");
    assertThat(rejection(reader, "{\"name\":\"x\",\"n\":1}"))
        .hasMessage(
            "MISSING_REQUIRED_FIELD: required field 'id' of Tagged is missing or null at $");
    assertThat(rejection(reader, "{\"n\":1}"))
        .hasMessage(
            "MISSING_REQUIRED_FIELD: required fields 'id', 'name' of Tagged are missing or null"
                + " at $");
  }

  /** A POJO with byte fields: Flink serializes them as BYTE (and byte[] as a byte array). */
  public static class Flags {
    public byte level;
    public Byte mask;
    public byte[] bits;
  }

  @Test
  void byteField_numberAbove127_isOutOfRangeNotWrappedToANegativeByte() throws Exception {
    JsonRecordReader<Flags> reader = ReaderFixtures.of(Flags.class).reader();

    // Before, Jackson's getByteValue() accepted -128..255 and cast, so 200 became -56.
    assertThat(rejection(reader, "{\"level\":200}"))
        .hasMessage("OUT_OF_RANGE: number out of range for byte at $.level");
    assertThat(rejection(reader, "{\"level\":1,\"mask\":255}"))
        .hasMessage("OUT_OF_RANGE: number out of range for byte at $.mask");
    assertThat(rejection(reader, "{\"level\":1,\"bits\":[1,255]}"))
        .hasMessage("OUT_OF_RANGE: number out of range for byte at $.bits[1]");
    assertThat(rejection(reader, "{\"level\":-129}"))
        .hasMessage("OUT_OF_RANGE: number out of range for byte at $.level");

    Flags edges = reader.read(utf8("{\"level\":127,\"mask\":-128,\"bits\":[-128,127]}"));
    assertThat(edges.level).isEqualTo((byte) 127);
    assertThat(edges.mask).isEqualTo((byte) -128);
    assertThat(edges.bits).containsExactly(-128, 127);
    // A byte[] as Json.write writes it, base64, is not affected.
    assertThat(reader.read(utf8("{\"level\":0,\"bits\":\"gH8=\"}")).bits)
        .containsExactly(-128, 127);
  }

  @Test
  void maxStringLength_holdsForAStringOfAnIgnoredUnknownField() throws Exception {
    JsonRecordReader<Reading> reader =
        ReaderFixtures.of(Reading.class)
            .limits(JsonReadLimits.defaults().withMaxStringLength(10))
            .reader();

    // A known field was checked; before, an unknown (ignored) one was not, because Jackson skips
    // its value without reading it (maxNumberLength did hold: numbers are read anyway).
    assertThat(rejection(reader, "{\"count\":1,\"sensor\":\"01234567890123456789\"}"))
        .hasMessage(
            "LIMIT_EXCEEDED: String value length (20) exceeds the maximum allowed (10)"
                + " (JsonReadLimits.maxStringLength)");
    assertThat(rejection(reader, "{\"count\":1,\"other\":\"01234567890123456789\"}"))
        .hasMessage(
            "LIMIT_EXCEEDED: String value length (20) exceeds the maximum allowed (10)"
                + " (JsonReadLimits.maxStringLength)");
    assertThat(rejection(reader, "{\"other\":{\"x\":[1,\"012345678901\"]},\"count\":1}"))
        .hasMessage(
            "LIMIT_EXCEEDED: String value length (12) exceeds the maximum allowed (10)"
                + " (JsonReadLimits.maxStringLength)");
    // Strings within the limit are skipped as before.
    assertThat(reader.read(utf8("{\"other\":{\"x\":[\"0123456789\"]},\"count\":1}")).count)
        .isEqualTo(1);
  }

  /** An enum used as a map key: Flink serializes the map with an enum key. */
  public enum Level {
    LOW,
    HIGH
  }

  /** A POJO with an enum-keyed map. */
  public static class Limits {
    public Map<Level, String> byLevel;
  }

  @Test
  void unknownEnumConstantAsMapKey_isInvalidValueLikeAnUnknownEnumValue() throws Exception {
    JsonRecordReader<Limits> reader = ReaderFixtures.of(Limits.class).reader();

    // Docs: "an unknown name INVALID_VALUE"; before, as a key it was reported as
    // "WRONG_TYPE: expected Level, got a field name at $.byLevel.?". A key is always a string.
    assertThat(rejection(reader, "{\"byLevel\":{\"MEDIUM\":\"x\"}}"))
        .hasMessage("INVALID_VALUE: invalid Level value at $.byLevel.?");
    assertThat(rejection(reader, "{\"byLevel\":{\"LOW\":\"x\",\"low\":\"y\"}}"))
        .hasMessage("INVALID_VALUE: invalid Level value at $.byLevel.?");
    assertThat(reader.read(utf8("{\"byLevel\":{\"HIGH\":\"x\"}}")).byLevel)
        .containsExactly(Map.entry(Level.HIGH, "x"));
  }

  /** A POJO whose setter validates its value. */
  public static class Validated {
    private String code;

    public String getCode() {
      return code;
    }

    public void setCode(String code) {
      if (code.isBlank()) {
        throw new IllegalArgumentException("blank code");
      }
      if (code.equals("SECRET")) {
        throw new IllegalStateException("code " + code + " is reserved");
      }
      this.code = code;
    }
  }

  @Test
  void setterThatThrows_isReportedByItsExceptionClass() {
    JsonRecordReader<Validated> reader = ReaderFixtures.of(Validated.class).reader();

    // Docs: "a constructor or setter of your type that throws is reported by its exception
    // class only"; before, a setter gave "INVALID_VALUE: cannot bind the value at $.code". Never
    // its message, which may quote the value.
    assertThat(rejection(reader, "{\"code\":\" \"}"))
        .hasMessage(
            "INVALID_VALUE: cannot bind the value (java.lang.IllegalArgumentException) at $.code")
        .hasNoCause();
    assertThat(rejection(reader, "{\"code\":\"SECRET\"}"))
        .hasMessage(
            "INVALID_VALUE: cannot bind the value (java.lang.IllegalStateException) at $.code");
  }

  /** A code read as text from a JSON number (with coercion), a double and a count. */
  public record Code(String code, double d, int n) {}

  @Test
  void repeatedKeyInRecord_negativeZeroReadAsText_keepsItsSpelling() throws Exception {
    JsonRecordReader<Code> reader =
        ReaderFixtures.of(Code.class).fieldCoercion("code", Coercion.tryCast()).reader();

    Code fast = reader.read(utf8("{\"code\":-0,\"d\":-0,\"n\":2}"));
    Code slow = reader.read(utf8("{\"code\":-0,\"d\":-0,\"n\":1,\"n\":2}"));

    // Before, the second pass replayed the integer -0 as the int 0, so the text was "0". A double
    // still reads the JSON integer -0 as 0.0 (docs), in both passes.
    assertThat(fast).isEqualTo(new Code("-0", 0.0d, 2));
    assertThat(slow).isEqualTo(fast); // a record's equals tells -0.0 from 0.0
  }

  /**
   * A record with a decimal, as users get it from stripTrailingZeros() or new BigDecimal("1e3").
   */
  public record Amount(BigDecimal value) {}

  @Test
  void writtenDecimalWithNegativeScale_readsBackNumericallyEqualWithScaleZero() throws Exception {
    JsonRecordWriter<Amount> writer = new JsonRecordWriter<>(Amount.class, false);
    JsonRecordReader<Amount> reader = ReaderFixtures.of(Amount.class).reader();

    // Before, the docs promised an equal record; plain notation (also a documented promise) writes
    // 1E+3 as 1000, which reads back with scale 0. Now documented: numerically equal, with scale
    // max(scale, 0).
    byte[] json = writer.writeBytes(new Amount(new BigDecimal("1E+3")));
    BigDecimal read = reader.read(json).value();

    assertThat(new String(json, StandardCharsets.UTF_8)).isEqualTo("{\"value\":1000}");
    assertThat(read).isEqualByComparingTo("1E+3");
    assertThat(read.scale()).isZero();
    assertThat(read).isEqualTo(new BigDecimal("1000"));
    // A scale of 0 or more reads back as written.
    BigDecimal cents = new BigDecimal("12.50");
    assertThat(reader.read(writer.writeBytes(new Amount(cents))).value()).isEqualTo(cents);
  }

  /** A record with a derived getter, which Jackson (and so Json.write) writes as a property. */
  public record Person(String first, String last) {
    public String getFullName() {
      return first + " " + last;
    }
  }

  @Test
  void writtenRecordWithADerivedGetter_readsBackWithUnknownFieldsDeadLetter() throws Exception {
    Person person = new Person("Ada", "Lovelace");
    byte[] json = new JsonRecordWriter<>(Person.class, false).writeBytes(person);
    JsonRecordReader<Person> reader =
        ReaderFixtures.of(Person.class).unknown(UnknownFields.DEAD_LETTER).reader();

    // Json.write writes {"first":..,"last":..,"fullName":..}; before, Json.parse with
    // UnknownFields.DEAD_LETTER rejected its own step's output: "UNKNOWN_FIELD: unknown field in
    // Person at $". A written-only property is known, and ignored; other fields stay unknown.
    assertThat(new String(json, StandardCharsets.UTF_8)).contains("\"fullName\":\"Ada Lovelace\"");
    assertThat(reader.read(json)).isEqualTo(person);
    assertThat(rejection(reader, "{\"first\":\"Ada\",\"last\":\"Lovelace\",\"middle\":\"B\"}"))
        .hasMessage("UNKNOWN_FIELD: unknown field in Person at $");
  }

  /** UTF-16LE (no byte order mark: Jackson detects it from the zero bytes) with one bad unit. */
  private static byte[] utf16le(String before, char unit, String after) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(before.getBytes(StandardCharsets.UTF_16LE));
    out.write(unit & 0xFF);
    out.write(unit >>> 8);
    out.writeBytes(after.getBytes(StandardCharsets.UTF_16LE));
    return out.toByteArray();
  }

  /** UTF-32BE with one code point given as a number. */
  private static byte[] utf32be(String before, int codePoint, String after) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(before.getBytes(java.nio.charset.Charset.forName("UTF-32BE")));
    out.write(codePoint >>> 24);
    out.write((codePoint >>> 16) & 0xFF);
    out.write((codePoint >>> 8) & 0xFF);
    out.write(codePoint & 0xFF);
    out.writeBytes(after.getBytes(java.nio.charset.Charset.forName("UTF-32BE")));
    return out.toByteArray();
  }

  @Test
  void utf16_unpairedSurrogate_isInvalidEncodingAndDoesNotSwallowTheNextCharacter()
      throws Exception {
    JsonRecordReader<Order> reader = ReaderFixtures.of(Order.class).reader();
    String before = "{\"customerNumber\":1,\"orderId\":\"a";

    // Before, the decoder replaced the high surrogate and the character after it with one U+FFFD:
    // with a quote after it, the x became part of the string and the document was accepted with
    // orderId "a\uFFFDx"; with a letter after it, the letter was lost ("a\uFFFD").
    assertThat(rejection(reader, utf16le(before, '\ud800', "\"x\",\"paid\":true}")))
        .hasMessage("INVALID_ENCODING: invalid UTF-16 at line 1, column 33");
    assertThat(rejection(reader, utf16le(before, '\ud800', "x\",\"paid\":true}")))
        .hasMessage("INVALID_ENCODING: invalid UTF-16 at line 1, column 33");
    assertThat(rejection(reader, utf16le(before, '\udc00', "x\"}")))
        .hasMessage("INVALID_ENCODING: invalid UTF-16 at line 1, column 33");
    // So is a last code unit cut short.
    ByteArrayOutputStream oddLength = new ByteArrayOutputStream();
    oddLength.writeBytes("{\"customerNumber\":1}".getBytes(StandardCharsets.UTF_16LE));
    oddLength.write(' ');
    assertThat(rejection(reader, oddLength.toByteArray()))
        .hasMessage("INVALID_ENCODING: invalid UTF-16 at line 1, column 21");
    // A surrogate pair is one character, without a byte order mark as with one.
    String paired = before + "\ud83d\ude00\"}";
    assertThat(reader.read(paired.getBytes(StandardCharsets.UTF_16LE)).orderId)
        .isEqualTo("a\ud83d\ude00");
    assertThat(reader.read(("\uFEFF" + paired).getBytes(StandardCharsets.UTF_16BE)).orderId)
        .isEqualTo("a\ud83d\ude00");
  }

  @Test
  void utf32_encodedSurrogate_isInvalidEncodingLikeInUtf8() throws Exception {
    JsonRecordReader<Order> reader = ReaderFixtures.of(Order.class).reader();
    String before = "{\"customerNumber\":1,\"orderId\":\"a";

    // UTF-8's ED A0 80 is INVALID_ENCODING (docs); before, the same code point in UTF-32 was
    // accepted and bound as an unpaired surrogate.
    assertThat(rejection(reader, utf32be(before, 0xD800, "\"}")))
        .hasMessage("INVALID_ENCODING: invalid UTF-32 at line 1, column 33");
    assertThat(rejection(reader, utf32be("\n" + before, 0xDFFF, "\"}")))
        .hasMessage("INVALID_ENCODING: invalid UTF-32 at line 2, column 33");
    assertThat(reader.read(utf32be(before, 0x1F600, "\"}")).orderId).isEqualTo("a\ud83d\ude00");
  }

  /** Containers, whose JSON type is an array or an object whatever their elements. */
  public static class Containers {
    public int[] ints;
    public Integer[] boxed;
    public java.util.Set<String> names;
    public Map<String, Integer> counts;
  }

  @Test
  void aStringForAnArrayOrAMap_isWrongType() {
    JsonRecordReader<Containers> reader = ReaderFixtures.of(Containers.class).reader();

    // A string is the wrong JSON type for an array, a set or a map, as a number is; before, a
    // string was INVALID_VALUE "cannot bind the value" (the message of a setter that throws) and
    // an empty string INVALID_VALUE "invalid int[] value".
    assertThat(rejection(reader, "{\"ints\":\"1,2\"}"))
        .hasMessage("WRONG_TYPE: expected int[], got a JSON string at $.ints");
    assertThat(rejection(reader, "{\"ints\":\"\"}"))
        .hasMessage("WRONG_TYPE: expected int[], got a JSON string at $.ints");
    assertThat(rejection(reader, "{\"boxed\":\"1\"}"))
        .hasMessage("WRONG_TYPE: expected Integer[], got a JSON string at $.boxed");
    assertThat(rejection(reader, "{\"names\":\"\"}"))
        .hasMessage("WRONG_TYPE: expected HashSet, got a JSON string at $.names");
    assertThat(rejection(reader, "{\"counts\":\"\"}"))
        .hasMessage("WRONG_TYPE: expected LinkedHashMap, got a JSON string at $.counts");
  }
}
