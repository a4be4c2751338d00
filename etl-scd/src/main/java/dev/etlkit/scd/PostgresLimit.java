package dev.etlkit.scd;

import java.io.Serializable;
import java.util.Collection;
import java.util.List;
import java.util.RandomAccess;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.annotation.Nullable;

/**
 * What a column's declared type makes certain to fail, for the values {@link
 * Scd2PostgresTable#bind} sends: each rule refuses only what PostgreSQL refuses (proven on a real
 * one by {@code Scd2PostgresTableLimitsTest}). An array type checks each element of a collection or
 * an object array with its element type's rule. Builds no text and allocates nothing unless a value
 * breaks the rule.
 */
abstract class PostgresLimit implements Serializable {
  private static final long serialVersionUID = 1L;

  /** PostgreSQL's largest n of {@code varchar(n)} and {@code char(n)}; a larger one is no type. */
  private static final int MAX_LENGTH = 10_485_760;

  private static final Pattern CHARACTER_STRING =
      Pattern.compile(
          "(national )?(char|character|nchar|bpchar|varchar)( varying)?( ?\\((\\d{1,8})\\))?");

  /** The element type as declared, for the reason. */
  final String type;

  private final boolean array;

  PostgresLimit(String type, boolean array) {
    this.type = type;
    this.array = array;
  }

  /**
   * The limit of a column of this (grammar-checked) type, or null if its type makes nothing certain
   * to fail.
   */
  @Nullable
  static PostgresLimit of(String sqlType) {
    boolean array = sqlType.endsWith("[]");
    String type = array ? sqlType.substring(0, sqlType.length() - 2) : sqlType;
    Matcher text = CHARACTER_STRING.matcher(type);
    if (text.matches()) {
      int length;
      if (text.group(5) != null) {
        length = Integer.parseInt(text.group(5));
      } else if (text.group(3) == null
          && !text.group(2).equals("bpchar")
          && !text.group(2).equals("varchar")) {
        length = 1; // char, character and nchar without a length are char(1)
      } else {
        return null;
      }
      return length >= 1 && length <= MAX_LENGTH ? new TextLength(type, array, length) : null;
    }
    return null;
  }

  /**
   * Why {@code value} breaks the limit, naming the column ({@code what} and {@code column}: "key
   * column 'id'") and, in an array, the element's index; null if it does not.
   */
  @Nullable
  final String why(String what, String column, @Nullable Object value) {
    if (value == null) {
      return null;
    }
    if (!array) {
      String why = whyNot(value);
      return why == null ? null : what + " '" + column + "' " + why;
    }
    if (value instanceof List<?> elements && elements instanceof RandomAccess) {
      for (int i = 0; i < elements.size(); i++) {
        String why = whyNot(what, column, i, elements.get(i));
        if (why != null) {
          return why;
        }
      }
    } else if (value instanceof Collection<?> elements) {
      int i = 0;
      for (Object element : elements) {
        String why = whyNot(what, column, i++, element);
        if (why != null) {
          return why;
        }
      }
    } else if (value instanceof Object[] elements) {
      for (int i = 0; i < elements.length; i++) {
        String why = whyNot(what, column, i, elements[i]);
        if (why != null) {
          return why;
        }
      }
    }
    return null;
  }

  @Nullable
  private String whyNot(String what, String column, int index, @Nullable Object element) {
    String why = element == null ? null : whyNot(element);
    return why == null ? null : what + " '" + column + "', element " + index + ", " + why;
  }

  /** The rule a value breaks, as "holds ...", or null: no text built unless it breaks one. */
  @Nullable
  abstract String whyNot(Object value);

  /**
   * {@code varchar(n)}, {@code char(n)} and their spellings: text is cast to {@code text}, then
   * assigned, which fails on more than n characters (code points) unless all the excess characters
   * are spaces, which it cuts. Checks what {@code bind} sends as text: a {@code String} and an enum
   * constant's name (a {@code Character} fits any length).
   */
  private static final class TextLength extends PostgresLimit {
    private static final long serialVersionUID = 1L;

    private final int length;

    TextLength(String type, boolean array, int length) {
      super(type, array);
      this.length = length;
    }

    @Override
    @Nullable
    String whyNot(Object value) {
      String text =
          value instanceof String string
              ? string
              : value instanceof Enum<?> constant ? constant.name() : null;
      if (text == null
          || text.length() <= length
          || text.codePointCount(0, text.length()) <= length) {
        return null;
      }
      for (int i = text.offsetByCodePoints(0, length); i < text.length(); i++) {
        if (text.charAt(i) != ' ') {
          return "holds text longer than "
              + length
              + (length == 1 ? " character" : " characters")
              + ", the length of "
              + type
              + " (beyond it PostgreSQL cuts only spaces)";
        }
      }
      return null;
    }
  }
}
