package dev.etlkit.operators.avro.internal;

import dev.etlkit.operators.internal.Decimals;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import org.apache.avro.Conversion;
import org.apache.avro.Conversions;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericFixed;

/**
 * Avro's decimal conversion, reading decimals as {@link Decimals} makes them: equal to Avro's, and
 * serialized by Flink as the equal decimal made from text is (Avro's keeps the {@code BigInteger}
 * it reads, so its 0, 1 and 10 are no constants and would be other keys on RocksDB). Writing is
 * Avro's: fresh bytes per call, which a deep copy may keep; etlkit's writers write a decimal of up
 * to 18 digits without it, the same bytes ({@link ReusedDecimalBytes}). Stateless; one shared
 * instance.
 */
final class CompactDecimalConversion extends Conversions.DecimalConversion {

  static final CompactDecimalConversion INSTANCE = new CompactDecimalConversion();

  private CompactDecimalConversion() {}

  /**
   * The conversion to read decimals with in place of {@code conversion}: this one for Avro's own
   * (the generated classes' too), any other unchanged.
   */
  static Conversion<?> replacing(Conversion<?> conversion) {
    return conversion.getClass() == Conversions.DecimalConversion.class ? INSTANCE : conversion;
  }

  @Override
  public BigDecimal fromBytes(ByteBuffer value, Schema schema, LogicalType type) {
    return Decimals.of(value, ((LogicalTypes.Decimal) type).getScale());
  }

  @Override
  public BigDecimal fromFixed(GenericFixed value, Schema schema, LogicalType type) {
    return Decimals.of(value.bytes(), ((LogicalTypes.Decimal) type).getScale());
  }
}
