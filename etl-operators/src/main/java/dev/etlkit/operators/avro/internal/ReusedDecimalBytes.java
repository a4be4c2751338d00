package dev.etlkit.operators.avro.internal;

import java.math.BigDecimal;
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
 * where the decimal has at most 18 digits and its schema's scale: the same bytes ({@code
 * DecimalConversion.toBytes}: the unscaled value in big-endian two's complement, as few bytes as
 * {@code BigInteger.toByteArray()} gives; {@code toFixed}: sign-extended to the fixed size), in a
 * buffer the next call overwrites. Avro's conversion makes a {@code BigInteger}, a {@code byte[]}
 * and a {@code ByteBuffer} or {@code Fixed} per decimal. (A decimal of 16 to 18 digits at a scale
 * other than 0 costs one short-lived {@code BigDecimal} until C2 compiles the writer, see {@link
 * #unscaled}.)
 *
 * <p>Only for a writer, which hands the value to its encoder at once (the encoder copies it): never
 * for a value anything may keep, such as a record, a deep copy or a conversion's result. The
 * writers of {@link AvroData} and {@link RecordModel} have one each; the models' conversions stay
 * Avro's, fresh values per call. Any other decimal (more digits, a scale Avro must pad, a fixed of
 * more than {@value #MAX_FIXED_SIZE} bytes, a conversion other than Avro's) is left to the
 * conversion, and so are its errors. Not thread-safe.
 */
final class ReusedDecimalBytes {

  /** The most digits of an unscaled value that always fits a long. */
  private static final int MAX_LONG_DIGITS = 18;

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

  private final byte[] bytes = new byte[Long.BYTES];
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
        || precision > MAX_LONG_DIGITS) {
      return null; // Avro's validation pads the scale or rejects the value
    }
    long unscaled = unscaled(value);
    int length = length(unscaled);
    if (schema.getType() == Schema.Type.BYTES) {
      write(unscaled, bytes, length);
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
    write(unscaled, fixed.bytes, size);
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

  /** Writes {@code value} into {@code out[0, length)}, big-endian, sign-extended. */
  static void write(long value, byte[] out, int length) {
    long v = value;
    for (int i = length - 1; i >= 0; i--) {
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
