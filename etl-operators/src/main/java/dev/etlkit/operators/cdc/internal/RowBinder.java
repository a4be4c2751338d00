package dev.etlkit.operators.cdc.internal;

import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.datatype.jsr310.deser.InstantDeserializer;
import dev.etlkit.operators.cdc.Debezium.Metadata;
import dev.etlkit.operators.internal.JsonErrors;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.annotation.Nullable;

/**
 * Binds one row image (a JSON object of columns) to the row type: rewrites Debezium's special
 * encodings of the columns whose property is a date, time, timestamp or decimal into the text forms
 * Jackson reads, copies the requested source metadata into its fields, then lets Jackson bind
 * (unknown columns ignored, missing ones null or default). Jackson's lossy scalar coercions are off
 * (see {@link #strictScalars}) and number columns are checked first ({@link ScalarColumns}): a
 * value that does not fit its field is an error, never a changed value. The elements of an array
 * column of dates, date-times or instants are not converted, but are held to the same years 0001 to
 * 9999 as a column's own value.
 */
final class RowBinder<T> {

  /** What a property needs converted. */
  enum Target {
    LOCAL_DATE(LocalDate.class),
    LOCAL_DATE_TIME(LocalDateTime.class),
    INSTANT(Instant.class),
    LOCAL_TIME(LocalTime.class),
    BIG_DECIMAL(BigDecimal.class);

    final Class<?> type;

    Target(Class<?> type) {
      this.type = type;
    }
  }

  private final ObjectReader reader;
  private final Set<String> properties;
  private final String[] converted;
  private final Target[] targets;

  /** Array and collection properties of dates, date-times and instants, and their elements. */
  private final String[] elementColumns;

  private final Target[] elementTargets;

  /**
   * Number and text properties other than {@code BigDecimal}: a Kafka Connect decimal column
   * (base64 of the unscaled bytes) is decoded for them too, never bound as its base64 text.
   */
  private final String[] decimalReaders;

  private final boolean[] decimalAsText;
  private final ScalarColumns scalars;
  private final ChronoUnit schemalessUnit;
  private final ConnectDecimals decimals;
  private final String[] metadataFields;
  private final Metadata[] metadata;

  RowBinder(
      ObjectMapper mapper,
      Class<T> rowType,
      ChronoUnit schemalessUnit,
      int maxNumberLength,
      String[] metadataFields,
      Metadata[] metadata) {
    this.reader =
        mapper.readerFor(rowType).without(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    Map<String, Class<?>> types = RowProperties.of(mapper, rowType);
    this.properties = Set.copyOf(types.keySet());
    List<String> names = new ArrayList<>();
    List<Target> kinds = new ArrayList<>();
    for (Map.Entry<String, Class<?>> property : types.entrySet()) {
      Target target = targetOf(property.getValue());
      if (target != null) {
        names.add(property.getKey());
        kinds.add(target);
      }
    }
    this.converted = names.toArray(new String[0]);
    this.targets = kinds.toArray(new Target[0]);
    List<String> elementNames = new ArrayList<>();
    List<Target> elementKinds = new ArrayList<>();
    for (Map.Entry<String, Class<?>> property :
        RowProperties.elementsOf(mapper, rowType).entrySet()) {
      Target target = targetOf(property.getValue());
      if (target == Target.LOCAL_DATE
          || target == Target.LOCAL_DATE_TIME
          || target == Target.INSTANT) {
        elementNames.add(property.getKey());
        elementKinds.add(target);
      }
    }
    this.elementColumns = elementNames.toArray(new String[0]);
    this.elementTargets = elementKinds.toArray(new Target[0]);
    List<String> readers = new ArrayList<>();
    List<Boolean> asText = new ArrayList<>();
    Set<String> metadataNames = Set.copyOf(Arrays.asList(metadataFields));
    for (Map.Entry<String, Class<?>> property : types.entrySet()) {
      if (readsDecimals(property.getValue()) && !metadataNames.contains(property.getKey())) {
        readers.add(property.getKey());
        asText.add(property.getValue() == String.class);
      }
    }
    this.decimalReaders = readers.toArray(new String[0]);
    this.decimalAsText = new boolean[asText.size()];
    for (int i = 0; i < decimalAsText.length; i++) {
      decimalAsText[i] = asText.get(i);
    }
    this.scalars =
        new ScalarColumns(types, Set.copyOf(Arrays.asList(metadataFields)), maxNumberLength);
    this.schemalessUnit = schemalessUnit;
    this.decimals = new ConnectDecimals(maxNumberLength);
    this.metadataFields = metadataFields;
    this.metadata = metadata;
  }

  /**
   * Turns off Jackson's coercions that change a value: a number with a fractional part into an
   * integer field (Jackson truncates {@code 1.9} to 1), an integer into a boolean field (Jackson
   * reads 2 as true; {@link ScalarColumns} turns 0 and 1 into booleans first) and an empty string
   * into a number, boolean or date/time field (Jackson makes it null or 0), and a null element of a
   * primitive array (Jackson stores 0 or {@code false}), and a number into an {@code Instant} that
   * {@link #bind} has not converted, an element of an array column (Jackson reads it as epoch
   * seconds, whatever Debezium's unit: a {@code timestamp[]} holds microseconds). Text into numbers
   * ({@code decimal.handling.mode=string}) and ISO text into dates stay: they are exact. Trees hold
   * numbers with a fraction or exponent as the {@code BigDecimal} written, trailing zeros kept, not
   * as a double: a double cannot tell {@code 12.0000000000000001} from 12 or {@code 12.30} from
   * {@code 12.3}.
   */
  static JsonMapper.Builder strictScalars(JsonMapper.Builder builder) {
    builder
        .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
        .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
        .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES);
    for (LogicalType type :
        new LogicalType[] {
          LogicalType.Integer, LogicalType.Float, LogicalType.Boolean, LogicalType.DateTime
        }) {
      builder.withCoercionConfig(
          type, config -> config.setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail));
    }
    builder.withCoercionConfig(
        LogicalType.Boolean,
        config -> config.setCoercion(CoercionInputShape.Integer, CoercionAction.Fail));
    // A NULL element of an array column (PostgreSQL integer[]): Jackson would store 0 or false.
    for (Class<?> array :
        new Class<?>[] {
          int[].class,
          long[].class,
          short[].class,
          double[].class,
          float[].class,
          boolean[].class,
          char[].class
        }) {
      builder.withConfigOverride(
          array, o -> o.setSetterInfo(JsonSetter.Value.forContentNulls(Nulls.FAIL)));
    }
    // added after the JavaTimeModule, so it takes precedence for Instant
    builder.addModule(
        new SimpleModule("etlkit-debezium-instants")
            .addDeserializer(Instant.class, new IsoInstantDeserializer()));
    return builder;
  }

  /**
   * An {@code Instant} from ISO text only. A column's own integer timestamp is converted to text by
   * {@link #bind} in the unit its schema (or the step's time precision) gives; one nested in an
   * array or struct is not, and nothing says its unit.
   */
  private static final class IsoInstantDeserializer extends StdScalarDeserializer<Instant> {
    private static final long serialVersionUID = 1L;

    IsoInstantDeserializer() {
      super(Instant.class);
    }

    @Override
    public Instant deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      if (p.currentToken() != null && p.currentToken().isNumeric()) {
        return (Instant) ctxt.handleUnexpectedToken(Instant.class, p);
      }
      return InstantDeserializer.INSTANT.deserialize(p, ctxt);
    }
  }

  /** True if some property may need a column's encoding from the event's schema. */
  boolean usesEncodings() {
    return converted.length > 0 || decimalReaders.length > 0;
  }

  /** Integer, floating-point and text types, boxed or not: what a decimal column may go into. */
  private static boolean readsDecimals(Class<?> type) {
    return type == String.class
        || type == BigInteger.class
        || (type.isPrimitive() && type != boolean.class && type != char.class)
        || type == Long.class
        || type == Integer.class
        || type == Short.class
        || type == Byte.class
        || type == Double.class
        || type == Float.class;
  }

  /**
   * Binds {@code row} (which this method changes in place).
   *
   * @param what the image, for error messages: {@code after}, {@code before} or {@code key}
   * @param source the event's metadata to copy into metadata fields, or null for none
   */
  T bind(ObjectNode row, ColumnEncodings encodings, @Nullable EnvelopeMetadata source, String what)
      throws IOException {
    for (int i = 0; i < converted.length; i++) {
      String column = converted[i];
      JsonNode value = row.get(column);
      if (value != null && !value.isNull()) {
        JsonNode text = convert(column, targets[i], value, encodings, what);
        if (text != null) {
          row.set(column, text);
        }
      }
    }
    for (int i = 0; i < elementColumns.length; i++) {
      JsonNode value = row.get(elementColumns[i]);
      if (value != null && value.isArray()) {
        checkElements(elementColumns[i], elementTargets[i], value, what);
      }
    }
    if (encodings != ColumnEncodings.NONE) {
      for (int i = 0; i < decimalReaders.length; i++) {
        String column = decimalReaders[i];
        JsonNode value = row.get(column);
        ColumnEncodings.Encoding encoding = encodings.of(column);
        // only where the schema says decimal: a struct of another type is no decimal here
        if (value != null
            && !value.isNull()
            && (encoding == ColumnEncodings.Encoding.DECIMAL
                || encoding == ColumnEncodings.Encoding.VARIABLE_SCALE_DECIMAL)) {
          BigDecimal decimal = decimals.connectDecimal(column, value, encodings, what);
          if (decimal != null) {
            // a number: ScalarColumns and Jackson bind it exactly into an integer or reject it
            row.set(
                column,
                decimalAsText[i]
                    ? TextNode.valueOf(decimal.toPlainString())
                    : DecimalNode.valueOf(decimal));
          }
        }
      }
    }
    scalars.prepare(row, what);
    if (source != null) {
      for (int i = 0; i < metadataFields.length; i++) {
        JsonNode value = source.value(metadata[i]);
        if (value == null) {
          row.putNull(metadataFields[i]);
        } else {
          row.set(metadataFields[i], value);
        }
      }
    }
    try {
      return reader.readValue(row);
    } catch (IOException | RuntimeException e) {
      throw JsonErrors.binding(e, what, properties);
    }
  }

  @Nullable
  private JsonNode convert(
      String column, Target target, JsonNode value, ColumnEncodings encodings, String what)
      throws IOException {
    ColumnEncodings.Encoding encoding = encodings.of(column);
    if (target == Target.BIG_DECIMAL) {
      BigDecimal decoded = decimals.connectDecimal(column, value, encodings, what);
      if (decoded != null) {
        return TextNode.valueOf(decoded.toPlainString());
      }
      if (value.isTextual()) {
        // decimal.handling.mode=string: Jackson reads it, but no read limit bounds the exponent
        // of text ("1e999999999"), whose plain form would exhaust memory downstream.
        decimals.checkDecimalText(value.textValue(), column, what);
      } else if (value.isBigDecimal()) {
        // decimal.handling.mode=double: nor that of a number
        decimals.checkDecimal(value.decimalValue(), column, what);
      }
      return null; // decimal.handling.mode string or double: Jackson reads it
    }
    ColumnEncodings.Meaning meaning = encodings.meaningOf(column);
    if (meaning != null && !reads(target, meaning)) {
      throw new IllegalArgumentException(
          what
              + "."
              + column
              + ": a column of type "
              + encodings.semanticTypeOf(column)
              + " cannot be read into "
              + target.type.getName());
    }
    if (value.isTextual() ? isNumberText(value.textValue()) : value.isFloatingPointNumber()) {
      // Jackson would read these as epoch seconds (Instant) whatever the column's unit; Debezium
      // writes no date/time this way.
      throw new IllegalArgumentException(
          what
              + "."
              + column
              + ": a number as text or with a fraction is no date/time encoding (integers and"
              + " ISO-8601 text are)");
    }
    if (value.isTextual()
        && (target == Target.LOCAL_DATE || target == Target.LOCAL_TIME)
        && value.textValue().indexOf('T') >= 0) {
      // Jackson reads a timestamp into a LocalDate without its time, into a LocalTime without its
      // date; with the schema such a column is refused above.
      throw new IllegalArgumentException(
          what
              + "."
              + column
              + ": a timestamp (text with a date and a time) cannot be read into "
              + target.type.getName());
    }
    if (!value.isIntegralNumber()) {
      if (!value.isTextual()) {
        return null;
      }
      // ISO text (io.debezium.time.ZonedTimestamp, ZonedTime): Jackson reads it, but not an offset
      // into a local type. Such a value is taken at UTC, like an integer timestamp.
      JsonNode wallTime = utcWallTime(target, value.textValue());
      if (target != Target.LOCAL_TIME
          && !isoTextInRange(target, wallTime != null ? wallTime.textValue() : value.textValue())) {
        throw new IllegalArgumentException(
            what + "." + column + ": date/time outside the years 0001 to 9999 (at UTC)");
      }
      return wallTime;
    }
    if (!value.canConvertToLong()) {
      throw outOfRange(what, column);
    }
    long n = value.longValue();
    ChronoUnit unit = unitOf(encoding, target);
    if (target == Target.LOCAL_TIME) {
      return TextNode.valueOf(timeOfDay(n, unit, what, column).toString());
    }
    long seconds;
    int nanos;
    switch (unit) {
      case DAYS:
        if (n < Temporal.MIN_EPOCH_DAY || n > Temporal.MAX_EPOCH_DAY) {
          throw outOfRange(what, column);
        }
        seconds = n * 86_400L;
        nanos = 0;
        break;
      case MILLIS:
        seconds = Math.floorDiv(n, 1_000L);
        nanos = (int) Math.floorMod(n, 1_000L) * 1_000_000;
        break;
      case MICROS:
        seconds = Math.floorDiv(n, 1_000_000L);
        nanos = (int) Math.floorMod(n, 1_000_000L) * 1_000;
        break;
      default:
        seconds = Math.floorDiv(n, 1_000_000_000L);
        nanos = (int) Math.floorMod(n, 1_000_000_000L);
        break;
    }
    if (seconds < Temporal.MIN_EPOCH_SECOND || seconds > Temporal.MAX_EPOCH_SECOND) {
      throw outOfRange(what, column);
    }
    switch (target) {
      case LOCAL_DATE:
        return TextNode.valueOf(LocalDate.ofEpochDay(Math.floorDiv(seconds, 86_400L)).toString());
      case LOCAL_DATE_TIME:
        return TextNode.valueOf(
            LocalDateTime.ofEpochSecond(seconds, nanos, ZoneOffset.UTC).toString());
      default:
        return TextNode.valueOf(Instant.ofEpochSecond(seconds, nanos).toString());
    }
  }

  /**
   * Rejects an element of an array column outside the years 0001 to 9999 (at UTC), as a column's
   * own value is: ISO text ({@link #isoTextInRange}) and an integer date (days since 1970-01-01,
   * how Debezium writes a {@code date[]}'s elements, which Jackson reads into a {@code LocalDate}).
   * Every element is otherwise bound by Jackson as it is (an integer {@code Instant}, whose unit
   * nothing gives, is refused by {@link #strictScalars}).
   */
  private static void checkElements(String column, Target target, JsonNode array, String what) {
    for (int i = 0; i < array.size(); i++) {
      JsonNode element = array.get(i);
      if (element.isTextual()) {
        if (!isoTextInRange(target, element.textValue())) {
          throw new IllegalArgumentException(
              what
                  + "."
                  + column
                  + "["
                  + i
                  + "]: date/time outside the years 0001 to 9999 (at UTC)");
        }
      } else if (target == Target.LOCAL_DATE
          && element.isIntegralNumber()
          && (!element.canConvertToLong()
              || element.longValue() < Temporal.MIN_EPOCH_DAY
              || element.longValue() > Temporal.MAX_EPOCH_DAY)) {
        throw new IllegalArgumentException(
            what
                + "."
                + column
                + "["
                + i
                + "]: integer date outside the years 0001 to 9999 (days since 1970-01-01)");
      }
    }
  }

  /**
   * ISO text with an offset ({@code 10:15:30Z}, {@code 2024-03-15T10:15:30+02:00}) as the UTC wall
   * time its local target reads; null (left to Jackson) for any other text or target.
   */
  @Nullable
  private static JsonNode utcWallTime(Target target, String text) {
    if (!(target == Target.LOCAL_TIME || target == Target.LOCAL_DATE_TIME)
        || !hasOffset(target, text)) {
      return null;
    }
    try {
      return TextNode.valueOf(
          target == Target.LOCAL_TIME
              ? OffsetTime.parse(text)
                  .withOffsetSameInstant(ZoneOffset.UTC)
                  .toLocalTime()
                  .toString()
              : OffsetDateTime.parse(text)
                  .withOffsetSameInstant(ZoneOffset.UTC)
                  .toLocalDateTime()
                  .toString());
    } catch (DateTimeException e) {
      return null; // not ISO with an offset: Jackson reads or rejects it
    }
  }

  /**
   * A trailing {@code Z}, or a sign after the time's start: an ISO offset. For a timestamp the time
   * starts at its {@code T} (before it, a {@code -} separates the date); for a time of day at its
   * first character (a leading sign is none).
   */
  private static boolean hasOffset(Target target, String text) {
    if (text.endsWith("Z") || text.endsWith("z")) {
      return true;
    }
    int time = target == Target.LOCAL_TIME ? 0 : text.indexOf('T');
    if (time < 0) {
      return false;
    }
    for (int i = time + 1; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '+' || c == '-') {
        return true;
      }
    }
    return false;
  }

  /**
   * False if ISO date or date-time text lies outside the years 0001 to 9999, the range of integer
   * dates and timestamps ({@link Temporal}): a year with a sign (ISO writes one for years past 9999
   * and before 0000) or year 0000; an {@code Instant} with an offset is taken at UTC, which can
   * cross the range's edge on its first or last day. True for any other text, which Jackson reads
   * or rejects.
   */
  private static boolean isoTextInRange(Target target, String text) {
    String iso = text.strip();
    if (iso.startsWith("+") || iso.startsWith("-") || iso.startsWith("0000")) {
      return false;
    }
    if (target == Target.INSTANT
        && (iso.startsWith("0001-01-01") || iso.startsWith("9999-12-31"))) {
      try {
        long seconds = OffsetDateTime.parse(iso).toEpochSecond();
        return seconds >= Temporal.MIN_EPOCH_SECOND && seconds <= Temporal.MAX_EPOCH_SECOND;
      } catch (DateTimeException e) {
        return true; // not ISO with an offset: Jackson reads or rejects it
      }
    }
    return true;
  }

  /** Digits with an optional sign and at most one point: what Jackson reads as epoch seconds. */
  private static boolean isNumberText(String text) {
    int start = text.startsWith("-") || text.startsWith("+") ? 1 : 0;
    boolean digit = false;
    boolean point = false;
    for (int i = start; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c >= '0' && c <= '9') {
        digit = true;
      } else if (c == '.' && !point) {
        point = true;
      } else {
        return false;
      }
    }
    return digit;
  }

  /** False where the field would misread the column or drop part of it (a timestamp's time). */
  private static boolean reads(Target target, ColumnEncodings.Meaning meaning) {
    switch (target) {
      case LOCAL_DATE:
        return meaning == ColumnEncodings.Meaning.DATE;
      case LOCAL_TIME:
        return meaning == ColumnEncodings.Meaning.TIME_OF_DAY;
      default: // LOCAL_DATE_TIME, INSTANT: a date is its midnight
        return meaning == ColumnEncodings.Meaning.DATE
            || meaning == ColumnEncodings.Meaning.TIMESTAMP;
    }
  }

  private ChronoUnit unitOf(ColumnEncodings.Encoding encoding, Target target) {
    switch (encoding) {
      case EPOCH_DAYS:
        return ChronoUnit.DAYS;
      case MILLIS:
        return ChronoUnit.MILLIS;
      case MICROS:
        return ChronoUnit.MICROS;
      case NANOS:
        return ChronoUnit.NANOS;
      default:
        return target == Target.LOCAL_DATE ? ChronoUnit.DAYS : schemalessUnit;
    }
  }

  private static LocalTime timeOfDay(long n, ChronoUnit unit, String what, String column) {
    long perDay;
    long nanosPerUnit;
    switch (unit) {
      case MILLIS:
        perDay = 86_400_000L;
        nanosPerUnit = 1_000_000L;
        break;
      case MICROS:
        perDay = 86_400_000_000L;
        nanosPerUnit = 1_000L;
        break;
      case NANOS:
        perDay = 86_400_000_000_000L;
        nanosPerUnit = 1L;
        break;
      default:
        throw new IllegalArgumentException(
            what + "." + column + ": a date column cannot be read into a time of day");
    }
    if (n < 0 || n >= perDay) {
      throw new IllegalArgumentException(
          what + "." + column + ": time of day outside 00:00 to 24:00 at precision " + unit.name());
    }
    return LocalTime.ofNanoOfDay(n * nanosPerUnit);
  }

  private IllegalArgumentException outOfRange(String what, String column) {
    return new IllegalArgumentException(
        what
            + "."
            + column
            + ": integer date/time outside the years 0001 to 9999 (for events without a schema,"
            + " check the step's time precision, now "
            + schemalessUnit.name()
            + ")");
  }

  @Nullable
  private static Target targetOf(Class<?> type) {
    for (Target target : Target.values()) {
      if (target.type == type) {
        return target;
      }
    }
    return null;
  }

  /** The supported range of integer dates and timestamps. */
  private static final class Temporal {
    static final long MIN_EPOCH_DAY = LocalDate.of(1, 1, 1).toEpochDay();
    static final long MAX_EPOCH_DAY = LocalDate.of(9999, 12, 31).toEpochDay();
    static final long MIN_EPOCH_SECOND = MIN_EPOCH_DAY * 86_400L;
    static final long MAX_EPOCH_SECOND = MAX_EPOCH_DAY * 86_400L + 86_399L;
  }
}
