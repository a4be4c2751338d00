package dev.etlkit.operators.internal;

import java.math.BigDecimal;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;

/** How etlkit's JSON readers and writers spell numbers, shared by the JSON, Avro and CDC code. */
@Internal
public final class JsonNumbers {

  private JsonNumbers() {}

  /**
   * NaN or an infinity spelled as {@code Json.write} and {@code AvroToJson} write them ({@code
   * "NaN"}, {@code "Infinity"}, {@code "-Infinity"}), or null for any other text.
   */
  @Nullable
  public static Double nonFinite(@Nullable String text) {
    if (text == null) {
      return null;
    }
    switch (text) {
      case "NaN":
        return Double.NaN;
      case "Infinity":
        return Double.POSITIVE_INFINITY;
      case "-Infinity":
        return Double.NEGATIVE_INFINITY;
      default:
        return null;
    }
  }

  /**
   * The digits of {@code value} in plain notation ({@code toPlainString}), without sign and decimal
   * point: {@code 1E+3} has 4, {@code 1E-3} ({@code 0.001}) 4. Computed from precision and scale,
   * never by writing it out, so {@code 1E+999999999} costs nothing to measure. What {@code
   * JsonReadLimits.maxNumberLength} bounds for decimals.
   */
  public static long plainDigits(BigDecimal value) {
    long precision = value.precision();
    long scale = value.scale();
    return scale <= 0 ? precision - scale : Math.max(precision, scale + 1);
  }
}
