package dev.etlkit.operators.cdc.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BigIntegerNode;
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
 * The row type's number properties, and what their column values need before Jackson binds them so
 * that no value changes on the way. A number written with a fraction ({@code 12.0}: {@code
 * decimal.handling.mode=double}) for an integer field becomes that integer when it is one, exactly
 * (the tree holds such numbers as {@code BigDecimal}, see {@link RowBinder#strictScalars}); any
 * other is left as it is, and Jackson, whose float-to-int coercion is off, rejects it.
 *
 * <p>Integers for integer fields, the common case, pass without allocation.
 */
final class ScalarColumns {

  private enum Kind {
    /** {@code int}, {@code long}, {@code short}, {@code byte} and their wrappers. */
    INTEGER,
    BIG_INTEGER
  }

  private final String[] names;
  private final Kind[] kinds;
  private final int maxNumberLength;

  /**
   * @param properties the row type's properties (JSON name to type)
   * @param skipped properties whose value does not come from a column (metadata fields)
   * @param maxNumberLength the most digits a number may have in plain notation
   */
  ScalarColumns(Map<String, Class<?>> properties, Set<String> skipped, int maxNumberLength) {
    List<String> checkedNames = new ArrayList<>();
    List<Kind> checkedKinds = new ArrayList<>();
    for (Map.Entry<String, Class<?>> property : properties.entrySet()) {
      Kind kind = kindOf(property.getValue());
      if (kind != null && !skipped.contains(property.getKey())) {
        checkedNames.add(property.getKey());
        checkedKinds.add(kind);
      }
    }
    this.names = checkedNames.toArray(new String[0]);
    this.kinds = checkedKinds.toArray(new Kind[0]);
    this.maxNumberLength = maxNumberLength;
  }

  /** Rewrites the values of {@code row} (in place) that Jackson would not bind exactly. */
  void prepare(ObjectNode row) {
    for (int i = 0; i < names.length; i++) {
      JsonNode value = row.get(names[i]);
      if (value == null || !value.isBigDecimal()) {
        continue;
      }
      JsonNode whole =
          kinds[i] == Kind.INTEGER
              ? wholeLong(value.decimalValue())
              : wholeBigInteger(value.decimalValue());
      if (whole != null) {
        row.set(names[i], whole);
      }
    }
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
    return type == BigInteger.class ? Kind.BIG_INTEGER : null;
  }
}
