package dev.etlkit.operators.avro.internal;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import javax.annotation.Nullable;
import org.apache.avro.Conversion;
import org.apache.avro.Conversions;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericFixed;

/**
 * The raw value Avro's decimal conversion gives a writer for a decimal, made without allocating
 * where the decimal has at most 38 digits and its schema's scale: the same bytes ({@code
 * DecimalConversion.toBytes}: the unscaled value in big-endian two's complement, as few bytes as
 * {@code BigInteger.toByteArray()} gives; {@code toFixed}: sign-extended to the fixed size), in a
 * buffer the next call overwrites. Avro's conversion makes a {@code BigInteger}, a {@code byte[]}
 * and a {@code ByteBuffer} or {@code Fixed} per decimal. (A decimal of 16 to 18 digits at a scale
 * other than 0 costs one short-lived {@code BigDecimal} until C2 compiles the writer, see {@link
 * #unscaled}. One of 19 to 38 digits is written from its {@code unscaledValue()}, which allocates
 * only where the value still fits a long, see {@link #highBits}.)
 *
 * <p>Only for a writer, which hands the value to its encoder at once (the encoder copies it): never
 * for a value anything may keep, such as a record, a deep copy or a conversion's result. The
 * writers of {@link AvroData} and {@link RecordModel} have one each; the models' conversions stay
 * Avro's, fresh values per call. Any other decimal (more than 38 digits, a scale Avro must pad, a
 * fixed of more than {@value #MAX_FIXED_SIZE} bytes, a conversion other than Avro's) is left to the
 * conversion, and so are its errors. Not thread-safe.
 */
final class ReusedDecimalBytes {

  /** The most digits of an unscaled value that always fits a long. */
  private static final int MAX_LONG_DIGITS = 18;

  /** The most digits written here: SQL's largest precision; 10^38 is below 2^127. */
  private static final int MAX_DIGITS = 38;

  /** The most digits {@link #unscaled} takes from a double: 10^15 < 2^50. */
  private static final int MAX_DOUBLE_DIGITS = 15;

  /** The largest fixed written here: 32 bytes hold 76 digits. */
  static final int MAX_FIXED_SIZE = 32;

  /** 10^0 to 10^22, every one exact as a double. */
  private static final double[] POWERS_OF_TEN = new double[23];

  static {
    double power = 1;
    for (int i = 0; i < POWERS_OF_TEN.length; i++) {
      POWERS_OF_TEN[i] = power;
      power *= 10;
    }
  }

  private final byte[] bytes = new byte[2 * Long.BYTES];
  private final ByteBuffer bytesView = ByteBuffer.wrap(bytes);
  private final ReusedFixed[] fixedBySize = new ReusedFixed[MAX_FIXED_SIZE + 1];

  /**
   * The raw value of {@code datum} for {@code schema} (bytes or fixed), valid until the next call;
   * or null where the conversion must make it.
   */
  @Nullable
  Object convert(
      Schema schema, LogicalType type, @Nullable Conversion<?> conversion, Object datum) {
    if (datum == null || datum.getClass() != BigDecimal.class || !isAvros(conversion)) {
      return null;
    }
    BigDecimal value = (BigDecimal) datum;
    LogicalTypes.Decimal decimal = (LogicalTypes.Decimal) type;
    int precision = value.precision();
    if (value.scale() != decimal.getScale()
        || precision > decimal.getPrecision()
        || precision > MAX_DIGITS) {
      return null; // Avro's validation pads the scale or rejects the value
    }
    long high;
    long low;
    int length;
    if (precision <= MAX_LONG_DIGITS) {
      low = unscaled(value);
      high = low >> (Long.SIZE - 1);
      length = length(low);
    } else {
      BigInteger unscaled = value.unscaledValue();
      low = unscaled.longValue();
      high = highBits(unscaled);
      length = length(unscaled);
    }
    if (schema.getType() == Schema.Type.BYTES) {
      write(high, low, bytes, length);
      bytesView.limit(length).position(0);
      return bytesView;
    }
    int size = schema.getType() == Schema.Type.FIXED ? schema.getFixedSize() : 0;
    if (size < length || size > MAX_FIXED_SIZE) {
      return null;
    }
    ReusedFixed fixed = fixedBySize[size];
    if (fixed == null) {
      fixed = new ReusedFixed(size);
      fixedBySize[size] = fixed;
    }
    fixed.schema = schema;
    write(high, low, fixed.bytes, size);
    return fixed;
  }

  /** Avro's own conversion, which the generated classes add too, or etlkit's reading of it. */
  private static boolean isAvros(@Nullable Conversion<?> conversion) {
    return conversion != null
        && (conversion.getClass() == Conversions.DecimalConversion.class
            || conversion == CompactDecimalConversion.INSTANCE);
  }

  /**
   * The unscaled value of a decimal of at most 18 digits, allocating nothing at scale 0 or for at
   * most 15 digits at a scale up to 22 ({@code unscaledValue()} makes a {@code BigInteger}).
   */
  static long unscaled(BigDecimal value) {
    int scale = value.scale();
    if (scale == 0) {
      return value.longValueExact();
    }
    if (scale > 0 && scale < POWERS_OF_TEN.length && value.precision() <= MAX_DOUBLE_DIGITS) {
      // doubleValue() is the double nearest unscaled / 10^scale (JDK 17 divides two exact
      // doubles, allocating nothing, for an unscaled value below 2^52), within 2^-53 of it
      // relatively; times 10^scale, rounded once more, it is within 2^-52 of the unscaled value,
      // whose magnitude is below 2^50: less than 1/4 off, so rounding gives it exactly.
      return Math.round(value.doubleValue() * POWERS_OF_TEN[scale]);
    }
    // 16 to 18 digits: one BigDecimal, which C2 removes where it inlines this
    return value.scaleByPowerOfTen(scale).longValueExact();
  }

  /** The length of {@code BigInteger.valueOf(value).toByteArray()}. */
  static int length(long value) {
    int bits = Long.SIZE - Long.numberOfLeadingZeros(value ^ (value >> 63)); // without the sign
    return bits / Byte.SIZE + 1;
  }

  /** The length of {@code unscaled.toByteArray()}. */
  static int length(BigInteger unscaled) {
    return unscaled.bitLength() / Byte.SIZE + 1;
  }

  /**
   * Bits 64 to 127 of {@code unscaled}'s two's complement (the high long of a 128-bit number whose
   * low long is {@code longValue()}), for a value of at most 127 bits. Allocates nothing: {@code
   * shiftRight(64)} would make a {@code BigInteger}; {@code testBit} reads the two's complement bit
   * by bit, up to the value's length (16 bits for a {@code DECIMAL(24, s)}), and the sign fills the
   * rest.
   */
  static long highBits(BigInteger unscaled) {
    long high = unscaled.signum() < 0 ? -1L : 0L;
    int bits = unscaled.bitLength();
    for (int i = Long.SIZE; i < bits; i++) {
      long bit = 1L << (i - Long.SIZE);
      high = unscaled.testBit(i) ? high | bit : high & ~bit;
    }
    return high;
  }

  /** Writes {@code value} into {@code out[0, length)}, big-endian, sign-extended. */
  static void write(long value, byte[] out, int length) {
    write(value >> (Long.SIZE - 1), value, out, length);
  }

  /**
   * Writes the 128-bit two's complement number {@code (high, low)} into {@code out[0, length)},
   * big-endian, sign-extended beyond 16 bytes.
   */
  static void write(long high, long low, byte[] out, int length) {
    long v = low;
    for (int i = length - 1, n = 0; i >= 0; i--, n++) {
      if (n == Long.BYTES) {
        v = high;
      } else if (n == 2 * Long.BYTES) {
        v = high >> (Long.SIZE - 1); // the sign from here on
      }
      out[i] = (byte) v;
      v >>= Byte.SIZE;
    }
  }

  /** A fixed whose bytes the next decimal of its size overwrites. */
  private static final class ReusedFixed implements GenericFixed {
    final byte[] bytes;
    @Nullable Schema schema;

    ReusedFixed(int size) {
      bytes = new byte[size];
    }

    @Override
    public byte[] bytes() {
      return bytes;
    }

    @Override
    public Schema getSchema() {
      return schema;
    }
  }
}
