package dev.etlkit.scd;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.annotation.Nullable;

/**
 * The type modifiers (the numbers in parentheses) PostgreSQL refuses for its built-in types, in a
 * table's DDL and in a cast alike, so that {@link Scd2PostgresTable#withColumn} refuses them when
 * the column is declared rather than when the table is created or the first batch is written
 * (proven on a real PostgreSQL by {@code Scd2PostgresTableLimitsTest}). Refuses only what
 * PostgreSQL 15 and later refuse: a numeric's scale may exceed its precision, a time type's
 * precision above 6 is reduced to 6 with a warning. A type it does not know (an extension's, such
 * as {@code vector(3)}) keeps its modifier unchecked, but for its size.
 */
final class PostgresTypeModifiers {

  /** A parenthesised modifier list as the type grammar allows it: one or two numbers. */
  private static final Pattern MODIFIERS = Pattern.compile(" ?\\((\\d+)(?: ?, ?(\\d+))?\\)");

  private static final Pattern CHARACTER_STRING =
      Pattern.compile("(national )?(char|character|nchar|bpchar|varchar)( varying)?");
  private static final Pattern BIT_STRING = Pattern.compile("bit( varying)?|varbit");
  private static final Pattern NUMERIC = Pattern.compile("numeric|decimal|dec");
  private static final Pattern TIME =
      Pattern.compile(
          "(timestamptz|timestamp|timetz|time)( with time zone| without time zone)?|interval.*");

  /** Built-in types that take no modifier: PostgreSQL refuses one (or cannot parse it). */
  private static final Set<String> NO_MODIFIER =
      Set.of(
          "smallint",
          "int2",
          "integer",
          "int",
          "int4",
          "bigint",
          "int8",
          "real",
          "float4",
          "float8",
          "double precision",
          "text",
          "boolean",
          "bool",
          "date",
          "bytea",
          "uuid",
          "json",
          "jsonb");

  /** PostgreSQL's largest length of a character string type. */
  private static final long MAX_LENGTH = 10_485_760;

  /** PostgreSQL's largest length of a bit string type. */
  private static final long MAX_BITS = 83_886_080;

  private PostgresTypeModifiers() {}

  /**
   * The rule a grammar-checked element type (without {@code []}) breaks, as "must ...", or null.
   */
  @Nullable
  static String whyRefused(String type) {
    Matcher modifiers = MODIFIERS.matcher(type);
    List<Long> numbers = new ArrayList<>();
    int lists = 0;
    while (modifiers.find()) {
      lists++;
      for (int group = 1; group <= 2; group++) {
        String digits = modifiers.group(group);
        if (digits != null) {
          String significant = digits.replaceFirst("^0+(?=\\d)", "");
          if (significant.length() > 10 || Long.parseLong(significant) > Integer.MAX_VALUE) {
            return "must give numbers of at most " + Integer.MAX_VALUE;
          }
          numbers.add(Long.parseLong(significant));
        }
      }
    }
    if (lists == 0) {
      return null;
    }
    if (lists > 1) {
      return "must give at most one (precision[, scale]) or (length)";
    }
    String base = MODIFIERS.matcher(type).replaceAll("");
    if (NO_MODIFIER.contains(base)) {
      return "must give no type modifier: " + base + " takes none";
    }
    if (CHARACTER_STRING.matcher(base).matches()) {
      return length(numbers, MAX_LENGTH);
    }
    if (BIT_STRING.matcher(base).matches()) {
      return length(numbers, MAX_BITS);
    }
    if (NUMERIC.matcher(base).matches()) {
      long precision = numbers.get(0);
      long scale = numbers.size() == 2 ? numbers.get(1) : 0;
      return precision >= 1 && precision <= 1000 && scale <= 1000
          ? null
          : "must give a precision from 1 to 1000 and a scale from 0 to 1000";
    }
    if (base.equals("float")) {
      return numbers.size() == 1 && numbers.get(0) >= 1 && numbers.get(0) <= 53
          ? null
          : "must give a precision from 1 to 53 (bits)";
    }
    if (TIME.matcher(base).matches() && numbers.size() > 1) {
      return "must give one precision";
    }
    return null;
  }

  @Nullable
  private static String length(List<Long> numbers, long max) {
    if (numbers.size() > 1) {
      return "must give one length";
    }
    long length = numbers.get(0);
    return length >= 1 && length <= max ? null : "must give a length from 1 to " + max;
  }
}
