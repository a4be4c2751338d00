package dev.etlkit.operators.avro.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.avro.Conversion;
import org.apache.avro.Conversions;
import org.apache.avro.LogicalType;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericFixed;
import org.junit.jupiter.api.Test;

/** The decimal bytes etlkit's writers make without allocating, and what they leave to Avro. */
class ReusedDecimalBytesTest {

  private static final Conversion<BigDecimal> AVROS = new Conversions.DecimalConversion();

  private static Schema decimal(String raw, int precision, int scale) {
    String type = raw.equals("bytes") ? "\"bytes\"" : "\"fixed\",\"name\":\"F\",\"size\":" + raw;
    return new Schema.Parser()
        .parse(
            "{\"type\":"
                + type
                + ",\"logicalType\":\"decimal\",\"precision\":"
                + precision
                + ",\"scale\":"
                + scale
                + "}");
  }

  @Test
  void unscaled_everyDigitCountAndScale_isTheUnscaledValue() {
    Random random = new Random(25);
    for (int digits = 1; digits <= 18; digits++) {
      long bound = BigInteger.TEN.pow(digits).longValueExact();
      for (int scale = 0; scale <= 30; scale++) {
        long[] unscaled = new long[1_000];
        unscaled[0] = bound - 1;
        unscaled[1] = 1 - bound;
        unscaled[2] = bound / 10;
        unscaled[3] = -bound / 10;
        for (int i = 4; i < unscaled.length; i++) {
          unscaled[i] = random.nextLong() % bound;
        }
        for (long u : unscaled) {
          BigDecimal compact = BigDecimal.valueOf(u, scale);
          BigDecimal fromBigInteger = new BigDecimal(BigInteger.valueOf(u), scale);
          BigDecimal fromText = new BigDecimal(compact.toString());

          assertThat(ReusedDecimalBytes.unscaled(compact)).as("%s", compact).isEqualTo(u);
          assertThat(ReusedDecimalBytes.unscaled(fromBigInteger)).as("%s", compact).isEqualTo(u);
          assertThat(ReusedDecimalBytes.unscaled(fromText)).as("%s", compact).isEqualTo(u);
        }
      }
    }
  }

  @Test
  void lengthAndWrite_areBigIntegersToByteArray_overTheLongRange() {
    Random random = new Random(26);
    long[] values = new long[10_000];
    values[0] = Long.MIN_VALUE;
    values[1] = Long.MAX_VALUE;
    for (int i = 2; i < values.length; i++) {
      int shift = i % 64;
      long edge = (i & 1) == 0 ? 1L << shift : -(1L << shift);
      values[i] = i < 512 ? edge + (i % 3) - 1 : random.nextLong() >> random.nextInt(64);
    }
    for (long v : values) {
      byte[] expected = BigInteger.valueOf(v).toByteArray();
      byte[] out = new byte[8];

      assertThat(ReusedDecimalBytes.length(v)).as("%d", v).isEqualTo(expected.length);
      ReusedDecimalBytes.write(v, out, expected.length);
      assertThat(Arrays.copyOf(out, expected.length)).as("%d", v).isEqualTo(expected);
    }
  }

  @Test
  void lengthAndWrite_ofUpTo127Bits_areBigIntegersToByteArray() {
    Random random = new Random(48);
    List<BigInteger> values = new ArrayList<>();
    for (int bits = 0; bits <= 127; bits++) {
      BigInteger power = BigInteger.ONE.shiftLeft(bits);
      for (BigInteger edge :
          new BigInteger[] {power, power.subtract(BigInteger.ONE), power.add(BigInteger.ONE)}) {
        values.add(edge);
        values.add(edge.negate());
      }
      for (int i = 0; i < 50; i++) {
        BigInteger v = new BigInteger(bits, random);
        values.add(random.nextBoolean() ? v : v.negate());
      }
    }
    values.add(BigInteger.TEN.pow(38).subtract(BigInteger.ONE));
    values.add(BigInteger.ONE.subtract(BigInteger.TEN.pow(38)));
    for (BigInteger v : values) {
      if (v.bitLength() > 127) {
        continue;
      }
      byte[] expected = v.toByteArray();
      byte[] out = new byte[2 * Long.BYTES];

      assertThat(ReusedDecimalBytes.length(v)).as("%s", v).isEqualTo(expected.length);
      ReusedDecimalBytes.write(ReusedDecimalBytes.highBits(v), v.longValue(), out, expected.length);
      assertThat(Arrays.copyOf(out, expected.length)).as("%s", v).isEqualTo(expected);
    }
  }

  @Test
  void convert_upTo18Digits_areAvrosBytes_inBuffersTheNextCallReuses() {
    assertAvrosBytesInReusedBuffers(18, 2, 12, "-1.28", "655.36", "1.00");
  }

  @Test
  void convert_19to38Digits_areAvrosBytes_inBuffersTheNextCallReuses() {
    assertAvrosBytesInReusedBuffers(
        38,
        6,
        17,
        "123456789012345678.123456", // DECIMAL(24, 6)
        "-123456789012345678.123456",
        "9223372036854.775807", // 19 digits, Long.MAX_VALUE unscaled
        "-9223372036854.775809",
        "18446744073709.551616", // 2^64 unscaled
        "99999999999999999999999999999999.999999", // 38 digits
        "-99999999999999999999999999999999.999999",
        "0.000000"); // back below 19 digits
  }

  /**
   * One {@link ReusedDecimalBytes} converts each of {@code texts} for a bytes and a fixed decimal:
   * Avro's bytes, in the same buffer or fixed each time, the fixed of the schema written.
   */
  private static void assertAvrosBytesInReusedBuffers(
      int precision, int scale, int fixedSize, String... texts) {
    ReusedDecimalBytes decimals = new ReusedDecimalBytes();
    Schema bytes = decimal("bytes", precision, scale);
    Schema fixed = decimal(String.valueOf(fixedSize), precision, scale);
    LogicalType type = bytes.getLogicalType();
    Object firstBytes = null;
    Object firstFixed = null;
    for (String text : texts) {
      BigDecimal value = new BigDecimal(text);

      ByteBuffer written = (ByteBuffer) decimals.convert(bytes, type, AVROS, value);
      assertThat(written).as(text).isEqualTo(AVROS.toBytes(value, bytes, type));
      firstBytes = firstBytes == null ? written : firstBytes;
      assertThat(written).as(text).isSameAs(firstBytes);

      GenericFixed writtenFixed = (GenericFixed) decimals.convert(fixed, type, AVROS, value);
      assertThat(writtenFixed.bytes())
          .as(text)
          .isEqualTo(AVROS.toFixed(value, fixed, type).bytes());
      assertThat(writtenFixed.getSchema()).isSameAs(fixed);
      firstFixed = firstFixed == null ? writtenFixed : firstFixed;
      assertThat(writtenFixed).as(text).isSameAs(firstFixed);
    }
  }

  @Test
  void convert_leavesToTheConversion_whatItCannotWriteAsAvroDoes() {
    ReusedDecimalBytes decimals = new ReusedDecimalBytes();
    Schema bytes = decimal("bytes", 20, 2);
    LogicalType type = bytes.getLogicalType();
    Conversion<BigDecimal> custom = new Conversions.DecimalConversion() {};

    assertThat(decimals.convert(bytes, type, custom, new BigDecimal("1.00"))).isNull();
    assertThat(decimals.convert(bytes, type, null, new BigDecimal("1.00"))).isNull();
    assertThat(decimals.convert(bytes, type, AVROS, null)).isNull();
    assertThat(decimals.convert(bytes, type, AVROS, new BigDecimal("1.5")))
        .as("a scale Avro pads")
        .isNull();
    assertThat(decimals.convert(bytes, type, AVROS, new BigDecimal("1.234")))
        .as("a scale Avro rejects")
        .isNull();
    Schema widest = decimal("bytes", 40, 2);
    assertThat(
            decimals.convert(
                widest,
                widest.getLogicalType(),
                AVROS,
                new BigDecimal("1234567890123456789012345678901234567.89")))
        .as("39 digits")
        .isNull();
    Schema narrow = decimal("bytes", 4, 2);
    assertThat(decimals.convert(narrow, narrow.getLogicalType(), AVROS, new BigDecimal("123.45")))
        .as("more digits than the precision, which Avro rejects")
        .isNull();
    Schema wide = decimal("33", 18, 2);
    assertThat(decimals.convert(wide, wide.getLogicalType(), AVROS, new BigDecimal("1.00")))
        .as("a fixed of 33 bytes")
        .isNull();
    assertThat(
            decimals.convert(
                bytes, type, CompactDecimalConversion.INSTANCE, new BigDecimal("-0.01")))
        .isEqualTo(ByteBuffer.wrap(new byte[] {-1}));
  }
}
