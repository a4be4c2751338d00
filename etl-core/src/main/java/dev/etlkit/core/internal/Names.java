package dev.etlkit.core.internal;

import java.util.regex.Pattern;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;

/** Validation of pipeline, step and operator-suffix names (they become parts of uids). */
@Internal
public final class Names {
  private static final Pattern VALID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

  private Names() {}

  /**
   * Returns {@code name} if it is 1 to 64 characters of letters, digits, {@code . _ -} starting
   * with a letter or digit.
   *
   * @throws IllegalArgumentException naming {@code what} and the bad value otherwise
   */
  public static String requireValid(String name, String what) {
    if (name == null) {
      throw new IllegalArgumentException(what + " must not be null");
    }
    if (!VALID.matcher(name).matches()) {
      throw new IllegalArgumentException(
          what
              + " must be 1 to 64 characters of letters, digits, '.', '_' or '-', starting with a"
              + " letter or digit, was '"
              + name
              + "'");
    }
    return name;
  }

  /**
   * A short, readable name of a type for the state inventory: POJOs and records by their simple
   * class name (Flink prints every field), everything else as Flink prints it.
   */
  public static String describeType(TypeInformation<?> type) {
    if (type instanceof PojoTypeInfo) {
      return type.getTypeClass().getSimpleName();
    }
    return type.toString();
  }

  /** Turns an operator's display name into a valid uid suffix ("Process" -> "process"). */
  public static String toSuffix(String operatorName) {
    String s = operatorName.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9._-]+", "-");
    s = s.replaceAll("^[^a-z0-9]+", "").replaceAll("-+$", "");
    if (s.isEmpty()) {
      s = "operator";
    }
    return s.length() > 64 ? s.substring(0, 64) : s;
  }
}
