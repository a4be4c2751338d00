package dev.etlkit.operators.avro.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.operators.avro.AvroFormatException;
import dev.etlkit.operators.avro.generated.Payment;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;
import org.apache.avro.Conversions;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.flink.core.memory.DataOutputSerializer;

/**
 * etlkit's Avro writers write any decimal as Avro's own writer and {@code DecimalConversion} do:
 * the same bytes, or the same exception with the same message, for bytes and fixed decimals of
 * every size, precision and scale, and decimals of any digits, sign and scale, built every way a
 * {@code BigDecimal} is built; one writer per schema writes every value in turn (its buffers are
 * reused).
 */
class DecimalWritePropertyTest {

  /** A decimal schema and values to write in it, one after the other. */
  record Case(String raw, int size, int precision, int scale, List<BigDecimal> values) {
    @Override
    public String toString() {
      return raw
          + (raw.equals("fixed") ? "(" + size + ")" : "")
          + " decimal("
          + precision
          + ","
          + scale
          + ") "
          + describe(values);
    }
  }

  private static String describe(List<BigDecimal> values) {
    List<String> each = new ArrayList<>();
    for (BigDecimal v : values) {
      each.add(v.unscaledValue() + "E-" + v.scale());
    }
    return each.toString();
  }

  /**
   * A record of a decimal {@code d}, a nullable one {@code n} and an array of them {@code a}, all
   * of one type.
   */
  private static Schema schema(Case c) {
    String decimal =
        "{\"type\":"
            + (c.raw().equals("bytes")
                ? "\"bytes\""
                : "\"fixed\",\"name\":\"F\",\"size\":" + c.size())
            + ",\"logicalType\":\"decimal\",\"precision\":"
            + c.precision()
            + ",\"scale\":"
            + c.scale()
            + "}";
    String again = c.raw().equals("bytes") ? decimal : "\"F\"";
    return new Schema.Parser()
        .parse(
            "{\"type\":\"record\",\"name\":\"D\",\"fields\":["
                + "{\"name\":\"d\",\"type\":"
                + decimal
                + "},{\"name\":\"n\",\"type\":[\"null\","
                + again
                + "]},{\"name\":\"a\",\"type\":{\"type\":\"array\",\"items\":"
                + again
                + "}}]}");
  }

  /** The bytes {@code writer} writes for {@code datum}, or the class and message it threw. */
  private static <T> String outcome(DatumWriter<T> writer, T datum) {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
      writer.write(datum, encoder);
      return HexFormat.of().formatHex(out.toByteArray());
    } catch (Exception e) {
      return e.getClass().getName() + ": " + e.getMessage();
    }
  }

  @Property
  void generic_everyDecimal_isWrittenAsAvrosWriterWritesIt(@ForAll("cases") Case c)
      throws Exception {
    Schema schema = schema(c);
    GenericData avroModel = new GenericData();
    avroModel.addLogicalTypeConversion(new Conversions.DecimalConversion());
    DatumWriter<GenericRecord> avros = new GenericDatumWriter<>(schema, avroModel);
    RecordModel<GenericRecord> model = RecordModel.generic(schema);
    DatumWriter<GenericRecord> typed = model.newWriter();
    DatumWriter<GenericRecord> checking = model.newEncodingWriter();
    AvroRecordSerializer<GenericRecord> serializer = new AvroRecordSerializer<>(model, null);
    AvroRecordEncoder<GenericRecord> encoder = new AvroRecordEncoder<>(model, null);

    BigDecimal previous = null;
    for (BigDecimal value : c.values()) {
      GenericRecord record = new AvroData.Record(schema);
      record.put("d", value);
      record.put("n", previous);
      record.put("a", previous == null ? List.of(value) : List.of(value, previous, value));
      previous = value;
      String expected = outcome(avros, record);

      assertThat(outcome(typed, record))
          .as("the serializer's writer, %s", value)
          .isEqualTo(expected);
      assertThat(outcome(checking, record))
          .as("the encode step's writer, %s", value)
          .isEqualTo(expected);
      boolean written = !expected.contains(":");
      DataOutputSerializer out = new DataOutputSerializer(64);
      try {
        serializer.serialize(record, out);
        assertThat(HexFormat.of().formatHex(out.getCopyOfBuffer()))
            .as("serialized %s", value)
            .isEqualTo(expected);
      } catch (AvroFormatException e) {
        assertThat(written).as("serializing %s failed: %s", value, e).isFalse();
      }
      try {
        assertThat(HexFormat.of().formatHex(encoder.encode(record)))
            .as("encoded %s", value)
            .isEqualTo(expected);
      } catch (AvroFormatException e) {
        assertThat(written).as("encoding %s failed: %s", value, e).isFalse();
      }
    }
  }

  @Property
  void specific_everyDecimal_isWrittenAsItsOwnWriterWritesIt(
      @ForAll("amounts") List<BigDecimal> amounts) {
    RecordModel<Payment> model = RecordModel.specific(Payment.class);
    DatumWriter<Payment> avros =
        new SpecificDatumWriter<>(
            Payment.getClassSchema(), SpecificData.getForClass(Payment.class));
    DatumWriter<Payment> specific = model.newWriter();
    DatumWriter<Payment> checking = model.newEncodingWriter();
    for (BigDecimal amount : amounts) {
      Payment payment =
          Payment.newBuilder()
              .setId(UUID.fromString("7d3c9a52-4c1e-4f7a-9a8e-0c4b2f1d6e11"))
              .setAmount(amount)
              .setBookedOn(LocalDate.of(2024, 1, 1))
              .setCreatedAt(Instant.parse("2024-01-01T00:00:00Z"))
              .setPayer("ada")
              .build();
      String expected = outcome(avros, payment);

      assertThat(outcome(specific, payment)).as("%s", amount).isEqualTo(expected);
      assertThat(outcome(checking, payment)).as("%s", amount).isEqualTo(expected);
    }
  }

  /**
   * The unscaled long the writers take from a decimal of at most 18 digits, through the double path
   * too (up to 15 digits at scales 1 to 22): exact for any sign, at every scale to 40, at the digit
   * counts' edges (999999999999999 at scale 22 among them) and built every way.
   */
  @Property
  void unscaled_ofEveryDecimalOfAtMost18Digits_isItsUnscaledValue(
      @ForAll("unscaledLongs") long unscaled,
      @ForAll @IntRange(min = 0, max = 40) int scale,
      @ForAll @IntRange(min = 0, max = 5) int form) {
    BigDecimal value = build(BigInteger.valueOf(unscaled), scale, form);
    if (value.scale() != scale) {
      return; // stripTrailingZeros changed it: another decimal
    }

    assertThat(ReusedDecimalBytes.unscaled(value)).as("%s", value).isEqualTo(unscaled);
  }

  @Provide
  Arbitrary<Long> unscaledLongs() {
    long max15 = 999_999_999_999_999L;
    long max18 = 999_999_999_999_999_999L;
    return Arbitraries.frequencyOf(
        Tuple.of(4, Arbitraries.longs().between(-max15, max15)),
        Tuple.of(2, Arbitraries.longs().between(-max18, max18)),
        Tuple.of(
            2,
            Combinators.combine(
                    Arbitraries.longs().between(0, 1000),
                    Arbitraries.of(max15, max18, 1L << 49, 1L << 50, 1L << 52, 1L << 53),
                    Arbitraries.of(1L, -1L))
                .as((off, edge, sign) -> sign * (edge - off))),
        Tuple.of(1, Arbitraries.of(0L, 1L, -1L, 10L, 5L, -5L)));
  }

  @Provide
  Arbitrary<List<BigDecimal>> amounts() {
    // Payment's amount is decimal(12,2)
    return decimals(12, 2).list().ofMinSize(1).ofMaxSize(8);
  }

  @Provide
  Arbitrary<Case> cases() {
    Arbitrary<Integer> sizes =
        Arbitraries.frequencyOf(
            Tuple.of(3, Arbitraries.integers().between(1, 17)),
            Tuple.of(1, Arbitraries.integers().between(18, 40)));
    Arbitrary<Tuple.Tuple2<String, Integer>> raws =
        Arbitraries.frequencyOf(
            Tuple.of(1, Arbitraries.just(Tuple.of("bytes", 0))),
            Tuple.of(1, sizes.map(size -> Tuple.of("fixed", size))));
    return raws.flatMap(
        raw -> {
          int maxPrecision =
              raw.get1().equals("bytes")
                  ? 40
                  : (int) Math.min(40, Math.floor(Math.log10(2) * (8 * raw.get2() - 1)));
          return Arbitraries.integers()
              .between(1, maxPrecision)
              .flatMap(
                  precision ->
                      Arbitraries.integers()
                          .between(0, precision)
                          .flatMap(
                              scale ->
                                  decimals(precision, scale)
                                      .list()
                                      .ofMinSize(1)
                                      .ofMaxSize(8)
                                      .map(
                                          values ->
                                              new Case(
                                                  raw.get1(),
                                                  raw.get2(),
                                                  precision,
                                                  scale,
                                                  values))));
        });
  }

  /**
   * Decimals for a schema of {@code precision} and {@code scale}: mostly of its scale and at most
   * its digits, some of another scale or more digits; of any sign, with trailing zeros or not, and
   * built as Avro's conversion, {@code valueOf}, text, text with an exponent or {@code
   * stripTrailingZeros} build them.
   */
  private static Arbitrary<BigDecimal> decimals(int precision, int scale) {
    Arbitrary<Integer> digits =
        Arbitraries.frequencyOf(
            Tuple.of(8, Arbitraries.integers().between(1, Math.min(precision, 18))),
            Tuple.of(3, Arbitraries.integers().between(1, precision)),
            Tuple.of(1, Arbitraries.integers().between(1, precision + 3)));
    Arbitrary<BigInteger> unscaled =
        digits.flatMap(
            n -> {
              BigInteger max = BigInteger.TEN.pow(n).subtract(BigInteger.ONE);
              return Arbitraries.frequencyOf(
                  Tuple.of(6, Arbitraries.bigIntegers().between(max.negate(), max)),
                  Tuple.of(1, Arbitraries.of(max, max.negate(), BigInteger.ZERO, BigInteger.ONE)),
                  // every byte boundary of the unscaled value: ±2^k and one off either side
                  Tuple.of(
                      2,
                      Combinators.combine(
                              Arbitraries.integers().between(0, 130),
                              Arbitraries.integers().between(-1, 1),
                              Arbitraries.of(1, -1))
                          .as(
                              (k, off, sign) ->
                                  BigInteger.ONE
                                      .shiftLeft(k)
                                      .add(BigInteger.valueOf(off))
                                      .multiply(BigInteger.valueOf(sign)))));
            });
    Arbitrary<Integer> scales =
        Arbitraries.frequencyOf(
            Tuple.of(8, Arbitraries.just(scale)),
            Tuple.of(2, Arbitraries.integers().between(scale - 3, scale + 3)),
            Tuple.of(1, Arbitraries.integers().between(-5, 45)));
    return Combinators.combine(unscaled, scales, Arbitraries.integers().between(0, 5))
        .as(DecimalWritePropertyTest::build);
  }

  private static BigDecimal build(BigInteger unscaled, int scale, int form) {
    BigDecimal avros = new BigDecimal(unscaled, scale);
    switch (form) {
      case 0:
        return avros;
      case 1:
        return unscaled.bitLength() < Long.SIZE
            ? BigDecimal.valueOf(unscaled.longValue(), scale)
            : avros;
      case 2:
        return new BigDecimal(avros.toString());
      case 3:
        return new BigDecimal(unscaled + "E" + (-scale));
      case 4:
        return avros.stripTrailingZeros();
      default:
        return new BigDecimal(avros.toPlainString());
    }
  }
}
