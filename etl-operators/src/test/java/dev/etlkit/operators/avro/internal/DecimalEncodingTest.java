package dev.etlkit.operators.avro.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.operators.JsonReadLimits;
import dev.etlkit.operators.avro.generated.Payment;
import dev.etlkit.operators.internal.Allocations;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.apache.avro.Conversion;
import org.apache.avro.Conversions;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericFixed;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * How etlkit's writers write decimals: the bytes Avro's own {@code DecimalConversion} writes, for
 * bytes and fixed decimals of every scale and any precision, and without allocating for a decimal
 * whose unscaled value fits a long; the reused buffer never reaches a record, a copy or a
 * conversion's result.
 */
class DecimalEncodingTest {

  /** The unscaled values every byte-count boundary of a long lies between. */
  private static final List<Long> LONGS = longs();

  /** Values beyond a long, up to 38 digits. */
  private static final List<BigInteger> BIG =
      List.of(
          BigInteger.valueOf(Long.MAX_VALUE).add(BigInteger.ONE),
          BigInteger.valueOf(Long.MIN_VALUE).subtract(BigInteger.ONE),
          BigInteger.ONE.shiftLeft(64),
          BigInteger.ONE.shiftLeft(64).negate(),
          new BigInteger("12345678901234567890123"),
          new BigInteger("-12345678901234567890123"),
          BigInteger.TEN.pow(38).subtract(BigInteger.ONE),
          BigInteger.TEN.pow(38).subtract(BigInteger.ONE).negate());

  private static List<Long> longs() {
    List<Long> values = new ArrayList<>();
    for (long v : new long[] {0, 1, 10, 127, 128, 255, 256, 32767, 32768, 65535, 65536}) {
      values.add(v);
      values.add(-v);
    }
    for (int bits = 8; bits < 64; bits += 8) {
      long boundary = 1L << (bits - 1);
      for (long v : new long[] {boundary - 1, boundary, boundary + 1}) {
        values.add(v);
        values.add(-v);
      }
    }
    for (long tens = 10; tens <= 1_000_000_000_000_000_000L; tens *= 10) {
      values.add(tens - 1); // every digit count: 9, 99, ...
      values.add(1 - tens);
    }
    values.add(Long.MAX_VALUE);
    values.add(Long.MIN_VALUE);
    values.add(Long.MIN_VALUE + 1);
    Random random = new Random(47);
    for (int i = 0; i < 200; i++) {
      values.add(random.nextLong() >> random.nextInt(64));
    }
    return values;
  }

  /** A record of one decimal, {@code raw} "bytes" or a fixed of {@code size} bytes. */
  private static Schema single(String raw, int size, int precision, int scale) {
    String type =
        raw.equals("bytes") ? "\"bytes\"" : "\"fixed\",\"name\":\"F" + size + "\",\"size\":" + size;
    return new Schema.Parser()
        .parse(
            "{\"type\":\"record\",\"name\":\"One\",\"fields\":[{\"name\":\"d\",\"type\":{\"type\":"
                + type
                + ",\"logicalType\":\"decimal\",\"precision\":"
                + precision
                + ",\"scale\":"
                + scale
                + "}}]}");
  }

  /** The bytes Avro's own writer and conversion write for {@code record}. */
  private static byte[] avrosBytes(GenericRecord record) throws IOException {
    GenericData avro = new GenericData();
    avro.addLogicalTypeConversion(new Conversions.DecimalConversion());
    return write(new GenericDatumWriter<>(record.getSchema(), avro), record);
  }

  private static <T> byte[] write(DatumWriter<T> writer, T record) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
    writer.write(record, encoder);
    return out.toByteArray();
  }

  private static byte[] serialize(AvroRecordSerializer<GenericRecord> serializer, GenericRecord r)
      throws IOException {
    DataOutputSerializer out = new DataOutputSerializer(64);
    serializer.serialize(r, out);
    return out.getCopyOfBuffer();
  }

  private static int precision(BigInteger unscaled) {
    return new BigDecimal(unscaled).precision();
  }

  @ParameterizedTest
  @ValueSource(strings = {"bytes", "fixed"})
  void encodeAndSerialize_everyScale_writeAvrosBytes(String raw) throws Exception {
    List<BigInteger> values = new ArrayList<>(BIG);
    for (long v : LONGS) {
      values.add(BigInteger.valueOf(v));
    }
    // fixed: as few bytes as precision 18 needs, one over a long, and room for 38 digits
    int[][] sizesAndPrecisions = {{8, 18}, {9, 20}, {16, 38}, {3, 6}};
    int checked = 0;
    for (int[] sizeAndPrecision : sizesAndPrecisions) {
      int precision = sizeAndPrecision[1];
      for (int scale = 0; scale <= Math.min(18, precision); scale++) {
        Schema schema = single(raw, sizeAndPrecision[0], precision, scale);
        AvroRecordEncoder<GenericRecord> encoder =
            new AvroRecordEncoder<>(RecordModel.generic(schema), null);
        AvroRecordSerializer<GenericRecord> serializer =
            new AvroRecordSerializer<>(RecordModel.generic(schema), null);
        for (BigInteger unscaled : values) {
          if (precision(unscaled) > precision) {
            continue;
          }
          GenericRecord record = new AvroData.Record(schema);
          record.put("d", new BigDecimal(unscaled, scale));
          byte[] expected = avrosBytes(record);

          assertThat(encoder.encode(record)).as("%s in %s", unscaled, schema).isEqualTo(expected);
          assertThat(serialize(serializer, record))
              .as("%s in %s", unscaled, schema)
              .isEqualTo(expected);
          // the same value in valueOf's form, and at a smaller scale Avro pads without rounding
          if (unscaled.bitLength() < Long.SIZE) {
            record.put("d", BigDecimal.valueOf(unscaled.longValue(), scale));
            assertThat(encoder.encode(record)).as("%s compact", unscaled).isEqualTo(expected);
            if (scale > 0 && unscaled.mod(BigInteger.TEN).signum() == 0) {
              record.put("d", BigDecimal.valueOf(unscaled.longValue() / 10, scale - 1));
              assertThat(encoder.encode(record))
                  .as("%s at scale %d", unscaled, scale - 1)
                  .isEqualTo(expected);
            }
          }
          checked++;
        }
      }
    }
    assertThat(checked).isGreaterThan(10_000);
  }

  @Test
  void encodeAndSerialize_specificRecord_writeWhatItsOwnWriterWrites() throws Exception {
    RecordModel<Payment> model = RecordModel.specific(Payment.class);
    AvroRecordEncoder<Payment> encoder = new AvroRecordEncoder<>(model, null);
    AvroRecordSerializer<Payment> serializer = new AvroRecordSerializer<>(model, null);
    SpecificDatumWriter<Payment> avros =
        new SpecificDatumWriter<>(
            Payment.getClassSchema(), SpecificData.getForClass(Payment.class));
    for (long unscaled : LONGS) {
      if (precision(BigInteger.valueOf(unscaled)) > 12) {
        continue;
      }
      Payment payment = payment(BigDecimal.valueOf(unscaled, 2));
      byte[] expected = write(avros, payment);

      assertThat(encoder.encode(payment)).as("%s", unscaled).isEqualTo(expected);
      DataOutputSerializer out = new DataOutputSerializer(64);
      serializer.serialize(payment, out);
      assertThat(out.getCopyOfBuffer()).as("%s", unscaled).isEqualTo(expected);
    }
  }

  /** A record of three arrays of 1000 decimals each, of the raw type {@code raw}. */
  private static GenericRecord amounts(String raw) {
    String[] names = {"cents", "units", "fine"};
    int[][] precisionsAndScales = {{15, 2}, {18, 0}, {18, 12}};
    StringBuilder fields = new StringBuilder();
    for (int i = 0; i < names.length; i++) {
      String item =
          raw.equals("bytes") ? "\"bytes\"" : "\"fixed\",\"name\":\"F" + i + "\",\"size\":8";
      fields
          .append(i == 0 ? "" : ",")
          .append("{\"name\":\"")
          .append(names[i])
          .append("\",\"type\":{\"type\":\"array\",\"items\":{\"type\":")
          .append(item)
          .append(",\"logicalType\":\"decimal\",\"precision\":")
          .append(precisionsAndScales[i][0])
          .append(",\"scale\":")
          .append(precisionsAndScales[i][1])
          .append("}}}");
    }
    Schema schema =
        new Schema.Parser()
            .parse("{\"type\":\"record\",\"name\":\"Amounts\",\"fields\":[" + fields + "]}");
    GenericRecord record = new AvroData.Record(schema);
    Random random = new Random(7);
    for (int i = 0; i < names.length; i++) {
      // up to 15 digits at a scale, up to 18 at scale 0
      int digits = precisionsAndScales[i][1] == 0 ? 18 : 15;
      List<BigDecimal> values = new ArrayList<>();
      for (String everyday : new String[] {"0", "1", "10", "-1", "100"}) {
        values.add(new BigDecimal(everyday).setScale(precisionsAndScales[i][1]));
      }
      while (values.size() < 1000) {
        long bound = BigInteger.TEN.pow(1 + random.nextInt(digits)).longValueExact();
        long unscaled = random.nextLong() % bound;
        values.add(BigDecimal.valueOf(unscaled, precisionsAndScales[i][1]));
      }
      record.put(names[i], values);
    }
    return record;
  }

  @ParameterizedTest
  @ValueSource(strings = {"bytes", "fixed"})
  void encode_decimalsFittingALong_allocateNothingPerDecimal(String raw) throws Exception {
    GenericRecord record = amounts(raw);
    AvroRecordEncoder<GenericRecord> encoder =
        new AvroRecordEncoder<>(RecordModel.generic(record.getSchema()), null);
    encoder.encode(record); // loads and links what the calls need, sizes the buffer

    long before = Allocations.ofCurrentThread();
    byte[] encoded = encoder.encode(record);
    long allocated = Allocations.ofCurrentThread() - before;

    assertThat(encoded).isEqualTo(avrosBytes(record));
    assertThat(allocated - encoded.length)
        .as("bytes allocated for 3000 decimals besides the %d-byte result", encoded.length)
        .isLessThan(1000);
  }

  @ParameterizedTest
  @ValueSource(strings = {"bytes", "fixed"})
  void serialize_decimalsFittingALong_allocateNothingPerDecimal(String raw) throws Exception {
    GenericRecord record = amounts(raw);
    AvroRecordSerializer<GenericRecord> serializer =
        new AvroRecordSerializer<>(RecordModel.generic(record.getSchema()), null);
    DataOutputSerializer out = new DataOutputSerializer(64 << 10);
    serializer.serialize(record, out); // loads and links what the calls need
    out.clear();

    long before = Allocations.ofCurrentThread();
    serializer.serialize(record, out);
    long allocated = Allocations.ofCurrentThread() - before;

    assertThat(out.getCopyOfBuffer()).isEqualTo(avrosBytes(record));
    assertThat(allocated).as("bytes allocated for 3000 decimals").isLessThan(1000);
  }

  @Test
  void encode_aRecordAndItsCopy_keepTheirDecimals_whileOthersAreEncoded() throws Exception {
    Schema schema = single("bytes", 0, 18, 2);
    RecordModel<GenericRecord> model = RecordModel.generic(schema);
    AvroRecordEncoder<GenericRecord> encoder = new AvroRecordEncoder<>(model, null);
    AvroRecordSerializer<GenericRecord> serializer = new AvroRecordSerializer<>(model, null);
    GenericRecord first = new AvroData.Record(schema);
    first.put("d", new BigDecimal("12.34"));
    GenericRecord copy = serializer.copy(first);

    byte[] firstBytes = encoder.encode(first);
    byte[] firstSerialized = serialize(serializer, first);
    GenericRecord second = new AvroData.Record(schema);
    for (long unscaled : LONGS) {
      if (precision(BigInteger.valueOf(unscaled)) <= 18) {
        second.put("d", BigDecimal.valueOf(unscaled, 2));
        encoder.encode(second);
        serialize(serializer, second);
      }
    }

    assertThat(first.get("d")).isEqualTo(new BigDecimal("12.34"));
    assertThat(copy.get("d")).isEqualTo(new BigDecimal("12.34"));
    assertThat(firstBytes).isEqualTo(firstSerialized).isEqualTo(avrosBytes(first));
    assertThat(encoder.encode(copy)).isEqualTo(firstBytes);
  }

  @Test
  void theModelsDecimalConversions_giveAFreshValuePerCall() {
    Schema bytes = single("bytes", 0, 18, 2).getField("d").schema();
    Schema fixed = single("fixed", 8, 18, 2).getField("d").schema();
    List<GenericData> models =
        List.of(
            AvroData.get(),
            RecordModel.specific(Payment.class).data(),
            RecordModel.specific(Payment.class).copyData());
    for (GenericData model : models) {
      Conversion<BigDecimal> conversion =
          model.getConversionByClass(BigDecimal.class, bytes.getLogicalType());

      ByteBuffer one = conversion.toBytes(new BigDecimal("1.23"), bytes, bytes.getLogicalType());
      ByteBuffer two = conversion.toBytes(new BigDecimal("-4.56"), bytes, bytes.getLogicalType());
      GenericFixed fixedOne =
          conversion.toFixed(new BigDecimal("1.23"), fixed, fixed.getLogicalType());
      conversion.toFixed(new BigDecimal("-4.56"), fixed, fixed.getLogicalType());

      assertThat(one.array()).isNotSameAs(two.array()).containsExactly(123);
      assertThat(fixedOne.bytes()).containsExactly(0, 0, 0, 0, 0, 0, 0, 123);
    }
  }

  @Test
  void jsonToAvro_decimalDefaults_areFreshCopies_thatEncodingLeavesAlone() throws Exception {
    Schema schema =
        new Schema.Parser()
            .parse(
                "{\"type\":\"record\",\"name\":\"WithDefault\",\"fields\":["
                    + "{\"name\":\"d\",\"type\":{\"type\":\"bytes\",\"logicalType\":\"decimal\","
                    + "\"precision\":9,\"scale\":2},\"default\":\"\\u0004\\u00d2\"}]}");
    JsonToAvro fromJson = new JsonToAvro(schema, JsonReadLimits.defaults());
    AvroRecordEncoder<GenericRecord> encoder =
        new AvroRecordEncoder<>(RecordModel.generic(schema), null);

    GenericRecord first = fromJson.convert("{}".getBytes(StandardCharsets.UTF_8));
    byte[] firstBytes = encoder.encode(first);
    GenericRecord other = new AvroData.Record(schema);
    other.put("d", new BigDecimal("-99.99"));
    encoder.encode(other);
    GenericRecord second = fromJson.convert("{}".getBytes(StandardCharsets.UTF_8));

    assertThat(first.get("d")).isEqualTo(new BigDecimal("12.34"));
    assertThat(second.get("d")).isEqualTo(new BigDecimal("12.34"));
    assertThat(encoder.encode(second)).isEqualTo(firstBytes).isEqualTo(avrosBytes(first));
  }

  private static Payment payment(BigDecimal amount) {
    return Payment.newBuilder()
        .setId(UUID.fromString("7d3c9a52-4c1e-4f7a-9a8e-0c4b2f1d6e11"))
        .setAmount(amount)
        .setBookedOn(LocalDate.of(2024, 1, 1))
        .setCreatedAt(Instant.parse("2024-01-01T00:00:00Z"))
        .setPayer("ada")
        .build();
  }
}
