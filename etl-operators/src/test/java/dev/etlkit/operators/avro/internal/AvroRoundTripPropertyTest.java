package dev.etlkit.operators.avro.internal;

import static dev.etlkit.operators.avro.AvroFixtures.EVERYTHING;
import static dev.etlkit.operators.avro.AvroFixtures.ORDER_V1;
import static dev.etlkit.operators.avro.AvroFixtures.ORDER_V2;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.operators.JsonReadLimits;
import dev.etlkit.operators.avro.AvroFormatException;
import dev.etlkit.operators.avro.SchemaProvider;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.Builders;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/**
 * Properties: any record of a fixed schema (every Avro type, every converted logical type) survives
 * encode → decode equal, plain and in the Confluent wire format, and toJson → fromJson equal; any
 * bytes or text given to a decoder give a record or an {@link AvroFormatException}, nothing else.
 */
class AvroRoundTripPropertyTest {

  private static final RecordModel<GenericRecord> MODEL = RecordModel.generic(EVERYTHING);

  @Property(tries = 300)
  void encodeThenDecode_anyRecord_isEqual(@ForAll("records") GenericRecord record)
      throws Exception {
    byte[] bytes = new AvroRecordEncoder<>(MODEL, null).encode(record);

    GenericRecord decoded = new AvroRecordDecoder<>(MODEL, null, null, 10_000).decode(bytes);

    assertThat(decoded).isEqualTo(record);
  }

  @Property(tries = 100)
  void encodeThenDecode_confluentWithAnySchemaId_isEqual(
      @ForAll("records") GenericRecord record, @ForAll int schemaId) throws Exception {
    byte[] bytes = new AvroRecordEncoder<>(MODEL, schemaId).encode(record);
    SchemaProvider provider = SchemaProvider.of(Map.of(schemaId, EVERYTHING));

    assertThat(new AvroRecordDecoder<>(MODEL, null, provider, 10_000).decode(bytes))
        .isEqualTo(record);
  }

  @Property(tries = 200)
  void toJsonThenFromJson_anyRecord_isEqual(@ForAll("records") GenericRecord record)
      throws Exception {
    // JSON has no negative zero once read as an exact decimal: -0.0 comes back as 0.0.
    Assume.that(!isNegativeZero(record.get("score")) && !isNegativeZero(record.get("ratio")));
    String json = new AvroToJson().convert(record);

    GenericRecord parsed =
        new JsonToAvro(EVERYTHING, JsonReadLimits.defaults())
            .convert(json.getBytes(java.nio.charset.StandardCharsets.UTF_8));

    assertThat(parsed).isEqualTo(record);
  }

  // One converter for all tries, as in a step: its reused generators must not carry anything over.
  private final AvroToJson reused = new AvroToJson();

  @Property(tries = 300)
  void toJsonBytes_anyRecord_isTheTextInUtf8(
      @ForAll("records") GenericRecord record,
      @ForAll("unicode") String label,
      @ForAll boolean breakFirst)
      throws Exception {
    record.put("label", label);
    record.put("attributes", Map.of(label, label));
    if (breakFirst) { // a failed record in between leaves the converters usable
      GenericRecord broken = new GenericData.Record(EVERYTHING);
      assertThatThrownBy(() -> reused.convert(broken)).isInstanceOf(AvroFormatException.class);
      assertThatThrownBy(() -> reused.convertToBytes(broken))
          .isInstanceOf(AvroFormatException.class);
    }
    String text = new AvroToJson().convert(record);

    assertThat(reused.convert(record)).isEqualTo(text);
    // An unpaired surrogate has no UTF-8 form: getBytes and the bytes output write '?' for it.
    assertThat(reused.convertToBytes(record)).isEqualTo(text.getBytes(StandardCharsets.UTF_8));
  }

  @Property(tries = 2000)
  void isoInstantFormat_anyInstant_isInstantToString(@ForAll("instants") Instant instant) {
    char[] out = new char[IsoInstantFormat.MAX_LENGTH];
    int length = IsoInstantFormat.format(instant, out);

    if (length < 0) {
      assertThat(
              instant.getEpochSecond() < IsoInstantFormat.MIN_SECONDS
                  || instant.getEpochSecond() >= IsoInstantFormat.END_SECONDS)
          .isTrue();
    } else {
      assertThat(new String(out, 0, length)).isEqualTo(instant.toString());
    }
  }

  /** Text with characters beyond U+FFFF (surrogate pairs), unpaired surrogates and escapes. */
  @Provide
  Arbitrary<String> unicode() {
    Arbitrary<String> piece =
        Arbitraries.oneOf(
            Arbitraries.strings().ofMaxLength(3),
            Arbitraries.of("𝄞", "😀", "käse", "✓", "\"\\\n\u0001", "\uD800", "\uDC00", "\uDBFF"),
            Arbitraries.integers()
                .between(0x10000, Character.MAX_CODE_POINT)
                .map(Character::toString));
    return piece.list().ofMaxSize(6).map(parts -> String.join("", parts));
  }

  @Provide
  Arbitrary<Instant> instants() {
    Arbitrary<Long> seconds =
        Arbitraries.oneOf(
            Arbitraries.longs()
                .between(IsoInstantFormat.MIN_SECONDS - 10, IsoInstantFormat.END_SECONDS + 10),
            Arbitraries.longs().between(-100_000, 100_000),
            Arbitraries.of(
                IsoInstantFormat.MIN_SECONDS,
                IsoInstantFormat.END_SECONDS - 1,
                IsoInstantFormat.END_SECONDS,
                -1L,
                0L,
                951_782_400L, // 2000-02-29
                Instant.MIN.getEpochSecond(),
                Instant.MAX.getEpochSecond()));
    Arbitrary<Integer> nanos =
        Arbitraries.oneOf(
            Arbitraries.integers().between(0, 999_999_999),
            Arbitraries.integers().between(0, 999).map(n -> n * 1_000_000),
            Arbitraries.integers().between(0, 999_999).map(n -> n * 1000),
            Arbitraries.just(0));
    return Combinators.combine(seconds, nanos).as(Instant::ofEpochSecond);
  }

  private static boolean isNegativeZero(Object number) {
    return 1.0 / ((Number) number).doubleValue() == Double.NEGATIVE_INFINITY;
  }

  @Property(tries = 1000)
  void decode_anyBytes_isARecordOrAFormatException(@ForAll byte[] payload) {
    SchemaProvider schemas = SchemaProvider.of(Map.of(0, ORDER_V1, 1, ORDER_V2));
    for (AvroRecordDecoder<GenericRecord> decoder :
        List.of(
            new AvroRecordDecoder<>(MODEL, null, null, 1000),
            new AvroRecordDecoder<>(RecordModel.generic(ORDER_V2), null, schemas, 1000))) {
      try {
        assertThat(decoder.decode(payload)).isNotNull();
      } catch (AvroFormatException expected) {
        assertThat(expected.getMessage()).isNotBlank();
      }
    }
  }

  @Property(tries = 500)
  void fromJson_anyText_isARecordOrAFormatException(@ForAll("jsonish") String text) {
    JsonToAvro converter = new JsonToAvro(EVERYTHING, JsonReadLimits.defaults());
    try {
      assertThat(converter.convert(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)))
          .isNotNull();
    } catch (AvroFormatException expected) {
      assertThat(expected.getMessage()).isNotBlank();
    }
  }

  @Provide
  Arbitrary<String> jsonish() {
    return Arbitraries.strings()
        .withChars("{}[]\":,0123456789.-eEtruefalsn \\abcdxyz")
        .ofMaxLength(80)
        .injectDuplicates(0.1);
  }

  @Provide
  Arbitrary<GenericRecord> records() {
    Schema s = EVERYTHING;
    Arbitrary<String> text = Arbitraries.strings().ofMaxLength(20);
    return Builders.withBuilder(() -> new AvroData.Record(s))
        .use(Arbitraries.of(true, false))
        .in((r, v) -> put(r, "flag", v))
        .use(Arbitraries.integers())
        .in((r, v) -> put(r, "count", v))
        .use(Arbitraries.longs())
        .in((r, v) -> put(r, "total", v))
        .use(Arbitraries.floats())
        .in((r, v) -> put(r, "ratio", v))
        .use(Arbitraries.doubles())
        .in((r, v) -> put(r, "score", v))
        .use(text)
        .in((r, v) -> put(r, "label", v))
        .use(Arbitraries.bytes().array(byte[].class).ofMaxSize(10))
        .in((r, v) -> put(r, "blob", ByteBuffer.wrap(v)))
        .use(Arbitraries.bytes().array(byte[].class).ofSize(4))
        .in((r, v) -> put(r, "code", new GenericData.Fixed(s.getField("code").schema(), v)))
        .use(Arbitraries.of("RED", "GREEN", "BLUE"))
        .in((r, v) -> put(r, "color", new GenericData.EnumSymbol(s.getField("color").schema(), v)))
        .use(Arbitraries.longs().list().ofMaxSize(5))
        .in((r, v) -> put(r, "values", new GenericData.Array<>(s.getField("values").schema(), v)))
        .use(Arbitraries.maps(text, text).ofMaxSize(3))
        .in((r, v) -> put(r, "attributes", v))
        .use(text.injectNull(0.3))
        .in((r, v) -> put(r, "address", address(s, v)))
        .use(text.injectNull(0.5))
        .in((r, v) -> put(r, "nickname", v))
        .use(decimals(16, 4))
        .in((r, v) -> put(r, "price", v))
        .use(decimals(4, 2).injectNull(0.5))
        .in((r, v) -> put(r, "discount", v))
        .use(Arbitraries.longs().between(-1_000_000, 3_000_000))
        .in((r, v) -> put(r, "day", LocalDate.ofEpochDay(v)))
        .use(Arbitraries.longs().between(0, 86_399_999))
        .in((r, v) -> put(r, "clock", LocalTime.ofNanoOfDay(v * 1_000_000)))
        .use(Arbitraries.longs())
        .in((r, v) -> put(r, "createdMillis", Instant.ofEpochMilli(v)))
        .use(Arbitraries.longs())
        .in((r, v) -> put(r, "createdMicros", LogicalValues.timestampFrom(v, "timestamp-micros")))
        .use(Arbitraries.longs().between(-(1L << 60), 1L << 60))
        .in(
            (r, v) ->
                put(
                    r,
                    "localMicros",
                    LocalDateTime.ofInstant(
                        LogicalValues.timestampFrom(v, "timestamp-micros"), ZoneOffset.UTC)))
        .use(Arbitraries.longs().tuple2())
        .in((r, v) -> put(r, "uid", new UUID(v.get1(), v.get2())))
        .build(r -> (GenericRecord) r);
  }

  private static Arbitrary<BigDecimal> decimals(int integerDigits, int scale) {
    BigInteger max = BigInteger.TEN.pow(integerDigits + scale).subtract(BigInteger.ONE);
    return Arbitraries.bigIntegers()
        .between(max.negate(), max)
        .map(unscaled -> new BigDecimal(unscaled, scale));
  }

  private static GenericRecord address(Schema s, String zip) {
    GenericRecord address = new AvroData.Record(s.getField("address").schema());
    address.put("street", "Main St");
    address.put("zip", zip);
    return address;
  }

  private static AvroData.Record put(AvroData.Record r, String field, Object value) {
    r.put(field, value);
    return r;
  }
}
