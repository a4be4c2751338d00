package dev.etlkit.operators.cdc.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.etlkit.operators.internal.Decimals;
import dev.etlkit.operators.internal.JsonNumbers;
import java.math.BigDecimal;
import java.util.Base64;
import javax.annotation.Nullable;

/**
 * The decimals of a row image, for {@link RowBinder}: decodes Kafka Connect's decimal columns
 * (base64 of the unscaled bytes) and rejects any decimal, decoded or read as text or a number,
 * whose scale or plain form is beyond {@code maxNumberLength} digits.
 */
final class ConnectDecimals {
  private final int maxNumberLength;

  ConnectDecimals(int maxNumberLength) {
    this.maxNumberLength = maxNumberLength;
  }

  /**
   * The value of a Kafka Connect decimal column: base64 text where the schema says {@code Decimal}
   * (its scale a parameter there), or Debezium's variable-scale struct {@code {"scale": s, "value":
   * base64}}; null for any other value.
   */
  @Nullable
  BigDecimal connectDecimal(String column, JsonNode value, ColumnEncodings encodings, String what) {
    if (value.isTextual() && encodings.of(column) == ColumnEncodings.Encoding.DECIMAL) {
      Integer scale = encodings.scaleOf(column);
      if (scale == null) {
        throw new IllegalArgumentException(
            what + "." + column + ": decimal schema without a valid scale parameter");
      }
      return decimal(value.textValue(), scale, column, what);
    }
    if (value.isObject() && value.size() == 2) {
      JsonNode scale = value.get("scale");
      JsonNode unscaled = value.get("value");
      if (scale != null && scale.isInt() && unscaled != null && unscaled.isTextual()) {
        return decimal(unscaled.textValue(), scale.intValue(), column, what);
      }
    }
    return null;
  }

  private BigDecimal decimal(String base64, int scale, String column, String what) {
    checkScale(scale, column, what);
    byte[] unscaled;
    try {
      unscaled = Base64.getDecoder().decode(base64);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(what + "." + column + ": decimal is not valid base64");
    }
    // ~2.4 digits per byte: a longer value cannot fit maxNumberLength digits anyway.
    if (unscaled.length == 0 || unscaled.length > maxNumberLength / 2 + 1) {
      throw new IllegalArgumentException(
          what + "." + column + ": decimal of " + unscaled.length + " bytes");
    }
    // not new BigDecimal(new BigInteger(...)): its 0, 1, 10 would serialize unlike the same
    // numbers parsed from text (see Decimals)
    BigDecimal decimal = Decimals.of(unscaled, scale);
    checkDigits(decimal, column, what);
    return decimal;
  }

  /**
   * Rejects decimal text whose plain form has more than {@code maxNumberLength} digits or whose
   * scale is outside {@code +-maxNumberLength}: the bounds of base64 decimals, and what a JSON
   * number of that many digits could express. Text that is no number is left to Jackson, which
   * rejects it.
   */
  void checkDecimalText(String text, String column, String what) {
    // sign, point and an exponent of up to 11 characters besides the digits (in long: the limit
    // may be Integer.MAX_VALUE)
    if (text.length() > maxNumberLength + 14L) {
      throw new IllegalArgumentException(
          what + "." + column + ": decimal longer than maxNumberLength " + maxNumberLength);
    }
    BigDecimal decimal;
    try {
      decimal = new BigDecimal(text.trim());
    } catch (NumberFormatException e) {
      return;
    }
    checkDecimal(decimal, column, what);
  }

  /** Rejects a decimal beyond {@code maxNumberLength} digits in plain notation or in scale. */
  void checkDecimal(BigDecimal decimal, String column, String what) {
    checkScale(decimal.scale(), column, what);
    checkDigits(decimal, column, what);
  }

  private void checkScale(int scale, String column, String what) {
    if (scale < -maxNumberLength || scale > maxNumberLength) {
      throw new IllegalArgumentException(
          what + "." + column + ": decimal scale outside +-maxNumberLength " + maxNumberLength);
    }
  }

  /** Rejects a decimal with more digits in plain notation than {@code maxNumberLength}. */
  private void checkDigits(BigDecimal decimal, String column, String what) {
    if (JsonNumbers.plainDigits(decimal) > maxNumberLength) {
      throw new IllegalArgumentException(
          what + "." + column + ": decimal longer than maxNumberLength " + maxNumberLength);
    }
  }
}
