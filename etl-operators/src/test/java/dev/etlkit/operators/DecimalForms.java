package dev.etlkit.operators;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.List;
import org.apache.flink.api.common.typeutils.base.BigDecSerializer;
import org.apache.flink.api.common.typeutils.base.BigIntSerializer;
import org.apache.flink.core.memory.DataOutputSerializer;

/**
 * Flink's serialized form of decimals, for the tests that decoders make decimals equal values made
 * from text serialize alike. Flink writes the unscaled {@code BigInteger} constants {@code ZERO},
 * {@code ONE} and {@code TEN} in a short form chosen by identity, every other {@code BigInteger} as
 * its bytes: {@code new BigDecimal("1")} and {@code new BigDecimal(new BigInteger("1"), 0)} are
 * equal but serialize differently, so RocksDB (which compares serialized keys) holds two keys.
 */
public final class DecimalForms {
  private DecimalForms() {}

  /**
   * Decimal text to decode: the unscaled values 0, 1 and 10 at several scales (the constants), in
   * short text and in text of more than 18 characters, negative, small and beyond the range of a
   * long.
   */
  public static final List<String> VALUES =
      List.of(
          "0",
          "1",
          "10",
          "0.01",
          "-1",
          "1.0",
          "10.00",
          "0.00",
          "0.000000000000000000",
          "0.000000000000000001",
          "0.000000000000000010",
          "-0.000000000000000001",
          "123.45",
          "-9223372036854775808",
          "9223372036854775807",
          "92233720368547758080.5",
          "-123456789012345678901234567890");

  /**
   * The decimal of {@code text} in the reference form: made by {@code BigDecimal.valueOf(long,
   * scale)} where its unscaled value fits a long.
   */
  public static BigDecimal reference(String text) {
    BigDecimal value = new BigDecimal(text);
    BigInteger unscaled = value.unscaledValue();
    return unscaled.bitLength() < Long.SIZE
        ? BigDecimal.valueOf(unscaled.longValueExact(), value.scale())
        : value;
  }

  /** {@code value} in the reference form: {@code BigInteger.valueOf(long)} where it fits a long. */
  public static BigInteger reference(BigInteger value) {
    return value.bitLength() < Long.SIZE ? BigInteger.valueOf(value.longValueExact()) : value;
  }

  /** The bytes Flink's {@code BigDecSerializer} writes for {@code value}. */
  public static byte[] flinkBytes(BigDecimal value) {
    DataOutputSerializer out = new DataOutputSerializer(32);
    try {
      BigDecSerializer.INSTANCE.serialize(value, out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.getCopyOfBuffer();
  }

  /** The bytes Flink's {@code BigIntSerializer} writes for {@code value}. */
  public static byte[] flinkBytes(BigInteger value) {
    DataOutputSerializer out = new DataOutputSerializer(32);
    try {
      BigIntSerializer.INSTANCE.serialize(value, out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.getCopyOfBuffer();
  }
}
