package dev.etlkit.operators.cdc.internal;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.node.BigIntegerNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.etlkit.operators.internal.JsonNumbers;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.annotation.Nullable;

/**
 * The row type's number, boolean and other primitive properties, and what their column values need
 * before Jackson binds them so that no value changes on the way:
 *
 * <ul>
 *   <li>a number written with a fraction ({@code 12.0}: {@code decimal.handling.mode=double}) for
 *       an integer field becomes that integer when it is one, exactly (the tree holds such numbers
 *       as {@code BigDecimal}, see {@link RowBinder#strictScalars}); any other is left as it is,
 *       and Jackson, whose float-to-int coercion is off, rejects it;
 *   <li>an integer, or integer text, beyond its integer field's range is rejected (Jackson reports
 *       the first as an error of the row's constructor, and stores text up to 255 in a byte
 *       wrapped);
 *   <li>a number, or numeric text, that overflows a {@code double} or {@code float} field to
 *       infinity is rejected; the texts {@code NaN}, {@code Infinity} and {@code -Infinity} (how
 *       Kafka Connect's JsonConverter writes non-finite floats) still bind;
 *   <li>the integers 0 and 1 for a boolean field (MySQL {@code TINYINT(1)}, which Debezium sends as
 *       an integer) become {@code false} and {@code true}; Jackson, whose integer-to-boolean
 *       coercion is off, rejects any other number (it would read 2 as {@code true});
 *   <li>null for a primitive field is rejected (Jackson would bind 0 or {@code false}). A column
 *       that is absent is no null: its field keeps its default, as in a key-only row. Metadata
 *       fields are not looked at: their value comes from the envelope, not from the column;
 *   <li>the text {@code "null"} for a number or boolean field is rejected (Jackson would read it as
 *       null, then 0 or {@code false} for a primitive): a SQL NULL arrives as JSON null.
 * </ul>
 *
 * <p>Integers for integer and floating-point fields and 0 and 1 for boolean fields, the common
 * cases, pass without allocation.
 */
final class ScalarColumns {

  private enum Kind {
    /** {@code int}, {@code long}, {@code short}, {@code byte} and their wrappers. */
    INTEGER,
    BIG_INTEGER,
    /**
     * {@code BigDecimal}: only the text null is checked ({@link ConnectDecimals} bounds the rest).
     */
    DECIMAL,
    /** {@code double}, {@code Double}. */
    DOUBLE,
    /** {@code float}, {@code Float}. */
    FLOAT,
    /** {@code boolean}, {@code Boolean}. */
    BOOLEAN,
    /** {@code char}: only null is checked. */
    CHAR
  }

  private final String[] names;
  private final Kind[] kinds;
  private final Class<?>[] types;
  private final int maxNumberLength;

  /**
   * @param properties the row type's properties (JSON name to type)
   * @param skipped properties whose value does not come from a column (metadata fields)
   * @param maxNumberLength the most digits a number may have in plain notation
   */
  ScalarColumns(Map<String, Class<?>> properties, Set<String> skipped, int maxNumberLength) {
    List<String> checkedNames = new ArrayList<>();
    List<Kind> checkedKinds = new ArrayList<>();
    List<Class<?>> checkedTypes = new ArrayList<>();
    for (Map.Entry<String, Class<?>> property : properties.entrySet()) {
      Kind kind = kindOf(property.getValue());
      if (kind != null && !skipped.contains(property.getKey())) {
        checkedNames.add(property.getKey());
        checkedKinds.add(kind);
        checkedTypes.add(property.getValue());
      }
    }
    this.names = checkedNames.toArray(new String[0]);
    this.kinds = checkedKinds.toArray(new Kind[0]);
    this.types = checkedTypes.toArray(new Class<?>[0]);
    this.maxNumberLength = maxNumberLength;
  }

  /**
   * Rewrites the values of {@code row} (in place) that Jackson would not bind exactly, or rejects
   * the row.
   *
   * @param what the image, for error messages: {@code after}, {@code before} or {@code key}
   * @throws MismatchedInputException naming the column and its field's type
   */
  void prepare(ObjectNode row, String what) throws MismatchedInputException {
    for (int i = 0; i < names.length; i++) {
      JsonNode value = row.get(names[i]);
      if (value == null) {
        continue;
      }
      if (value.isNull()) {
        if (types[i].isPrimitive()) {
          throw mismatch(
              i, what, "null does not fit primitive", " (a nullable column needs a wrapper type)");
        }
        continue;
      }
      if (value.isTextual() && kinds[i] != Kind.CHAR && isNullText(value.textValue())) {
        throw mismatch(i, what, "the text null does not fit", " (NULL is JSON null)");
      }
      switch (kinds[i]) {
        case INTEGER:
        case BIG_INTEGER:
          if (value.isBigDecimal()) {
            JsonNode whole =
                kinds[i] == Kind.INTEGER
                    ? wholeLong(value.decimalValue())
                    : wholeBigInteger(value.decimalValue());
            if (whole != null) {
              row.set(names[i], whole);
              value = whole;
            }
          }
          // Jackson reports an integer beyond its field's range as an error of the row's
          // constructor (InputCoercionException), not as a value that does not fit
          if (kinds[i] == Kind.INTEGER && value.isIntegralNumber() && !fits(value, types[i])) {
            throw mismatch(i, what, "value does not fit", "");
          }
          if (value.isTextual()
              && (types[i] == byte.class || types[i] == Byte.class)
              && textBeyondByte(value.textValue())) {
            throw mismatch(i, what, "value does not fit", "");
          }
          break;
        case BOOLEAN:
          if (value.isInt() && (value.intValue() == 0 || value.intValue() == 1)) {
            row.set(names[i], BooleanNode.valueOf(value.intValue() == 1));
          }
          break;
        case DECIMAL:
        case CHAR:
          break;
        default: // DOUBLE, FLOAT
          if (overflows(value, kinds[i] == Kind.FLOAT)) {
            throw mismatch(i, what, "value does not fit", " (overflows to infinity)");
          }
          break;
      }
    }
  }

  /** True if the integer {@code value} is within the range of the integer type {@code type}. */
  private static boolean fits(JsonNode value, Class<?> type) {
    if (type == long.class || type == Long.class) {
      return value.canConvertToLong();
    }
    if (!value.canConvertToInt()) {
      return false;
    }
    int v = value.intValue();
    if (type == short.class || type == Short.class) {
      return v >= Short.MIN_VALUE && v <= Short.MAX_VALUE;
    }
    if (type == byte.class || type == Byte.class) {
      return v >= Byte.MIN_VALUE && v <= Byte.MAX_VALUE;
    }
    return true; // int, Integer
  }

  /**
   * True for integer text outside a byte's range: Jackson reads text up to 255 into a byte (as an
   * unsigned byte) and stores it wrapped, 200 as -56. Other text is left to Jackson.
   */
  private static boolean textBeyondByte(String text) {
    try {
      int v = Integer.parseInt(text.trim());
      return v < Byte.MIN_VALUE || v > Byte.MAX_VALUE;
    } catch (NumberFormatException e) {
      return false; // no int: Jackson rejects it
    }
  }

  /** What Jackson reads as null for a number or boolean field. */
  private static boolean isNullText(String text) {
    return text.length() >= 4 && text.trim().equals("null"); // trim copies only around blanks
  }

  /** The long a whole number in range is, or null: a fraction or a number out of range. */
  @Nullable
  private static JsonNode wholeLong(BigDecimal number) {
    try {
      // fails fast, without writing the number out, for a huge or tiny exponent
      return LongNode.valueOf(number.longValueExact());
    } catch (ArithmeticException e) {
      return null;
    }
  }

  @Nullable
  private JsonNode wholeBigInteger(BigDecimal number) {
    if (JsonNumbers.plainDigits(number) > maxNumberLength) {
      return null; // 1e999999999 is a billion digits written out
    }
    try {
      return BigIntegerNode.valueOf(number.toBigIntegerExact());
    } catch (ArithmeticException e) {
      return null;
    }
  }

  /**
   * True for a number, or numeric text, beyond the range of a double (or a float), which Jackson
   * would bind as an infinity. Integers within a long's range never are. Text that spells an
   * infinity out ({@code Infinity}, {@code -Infinity}) is none, and text that is no number is left
   * to Jackson, which rejects it.
   */
  private static boolean overflows(JsonNode value, boolean toFloat) {
    if (value.isBigDecimal() || value.isBigInteger()) {
      double d = value.doubleValue();
      // as Jackson reads a float from the tree: the double, narrowed
      return toFloat ? Float.isInfinite((float) d) : Double.isInfinite(d);
    }
    if (!value.isTextual()) {
      return false;
    }
    String text = value.textValue();
    try {
      boolean infinite =
          toFloat
              ? Float.isInfinite(Float.parseFloat(text))
              : Double.isInfinite(Double.parseDouble(text));
      return infinite && text.indexOf('I') < 0; // digits overflow, "Infinity" is meant
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private MismatchedInputException mismatch(int i, String what, String problem, String why) {
    return MismatchedInputException.from(
        (JsonParser) null,
        types[i],
        what + "." + names[i] + ": " + problem + " " + types[i].getTypeName() + why);
  }

  @Nullable
  private static Kind kindOf(Class<?> type) {
    if (type == int.class
        || type == Integer.class
        || type == long.class
        || type == Long.class
        || type == short.class
        || type == Short.class
        || type == byte.class
        || type == Byte.class) {
      return Kind.INTEGER;
    }
    if (type == double.class || type == Double.class) {
      return Kind.DOUBLE;
    }
    if (type == float.class || type == Float.class) {
      return Kind.FLOAT;
    }
    if (type == boolean.class || type == Boolean.class) {
      return Kind.BOOLEAN;
    }
    if (type == char.class) {
      return Kind.CHAR;
    }
    if (type == BigDecimal.class) {
      return Kind.DECIMAL;
    }
    return type == BigInteger.class ? Kind.BIG_INTEGER : null;
  }
}
