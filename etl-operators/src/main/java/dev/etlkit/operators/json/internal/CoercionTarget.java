package dev.etlkit.operators.json.internal;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;

/** The field types a TRY-cast can produce, with the Java classes they stand for. */
@Internal
public enum CoercionTarget {
  INT("int", Integer.class, int.class),
  LONG("long", Long.class, long.class),
  DOUBLE("double", Double.class, double.class),
  BOOLEAN("boolean", Boolean.class, boolean.class),
  DECIMAL("BigDecimal", BigDecimal.class, null),
  STRING("String", String.class, null),
  DATE("LocalDate", LocalDate.class, null),
  TIMESTAMP("LocalDateTime", LocalDateTime.class, null),
  INSTANT("Instant", Instant.class, null);

  /** For messages: "int, long, double, boolean (and wrappers), BigDecimal, ...". */
  public static final String SUPPORTED =
      "int, long, double, boolean (and their wrappers), BigDecimal, String, LocalDate,"
          + " LocalDateTime, Instant";

  private final String label;
  private final Class<?> boxed;
  @Nullable private final Class<?> primitive;

  CoercionTarget(String label, Class<?> boxed, @Nullable Class<?> primitive) {
    this.label = label;
    this.boxed = boxed;
    this.primitive = primitive;
  }

  /** The target for a field of class {@code type}, or null when it is not coercible. */
  @Nullable
  public static CoercionTarget of(Class<?> type) {
    for (CoercionTarget t : values()) {
      if (t.boxed == type || t.primitive == type) {
        return t;
      }
    }
    return null;
  }

  /** The value of a primitive field that got no value (0, 0L, 0.0, false); null for objects. */
  @Nullable
  public static Object primitiveDefault(Class<?> type) {
    if (type == int.class) {
      return 0;
    } else if (type == long.class) {
      return 0L;
    } else if (type == double.class) {
      return 0.0d;
    } else if (type == boolean.class) {
      return Boolean.FALSE;
    } else if (type == float.class) {
      return 0.0f;
    } else if (type == short.class) {
      return (short) 0;
    } else if (type == byte.class) {
      return (byte) 0;
    } else if (type == char.class) {
      return '\0';
    }
    return null;
  }

  /** The boxed Java class of the values this target produces. */
  public Class<?> boxedType() {
    return boxed;
  }

  @Override
  public String toString() {
    return label;
  }
}
