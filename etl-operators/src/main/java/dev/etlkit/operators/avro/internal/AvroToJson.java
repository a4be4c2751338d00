package dev.etlkit.operators.avro.internal;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import dev.etlkit.operators.JsonReadLimits;
import dev.etlkit.operators.avro.AvroFormatException;
import dev.etlkit.operators.internal.LimitedBytes;
import dev.etlkit.operators.internal.SafeJson;
import java.io.IOException;
import java.io.OutputStream;
import java.io.Writer;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.annotation.Nullable;
import org.apache.avro.Conversions;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericEnumSymbol;
import org.apache.avro.generic.GenericFixed;
import org.apache.avro.generic.IndexedRecord;
import org.apache.flink.annotation.Internal;

/**
 * Writes Avro records as plain JSON, the inverse of {@link JsonToAvro}: records and maps as
 * objects, union values unwrapped, bytes and fixed as base64, enums as their symbol, decimals as
 * exact JSON numbers (never in exponent notation), uuid, date, time and timestamps as ISO-8601
 * text, and NaN or infinite floats as the text {@code "NaN"}, {@code "Infinity"}, {@code
 * "-Infinity"}. So {@code JsonToAvro} reads back an equal record.
 *
 * <p>A decimal field may also hold its unscaled bytes, as generated classes without the decimal
 * conversion keep it; it is written as the number. A value that does not fit its schema (a null in
 * a non-null field, a value of another type, a decimal that needs rounding, a fixed of another
 * size, a map key that is not text) is an {@link AvroFormatException} naming its path and types,
 * never the value: what encode refuses, toJson refuses. A decimal is written at its schema's scale,
 * as encode writes it. Not thread-safe (one reused generator and output buffer per output form; a
 * buffer grown past {@link LimitedText#MAX_RETAINED_CHARS} chars or {@link
 * LimitedBytes#MAX_RETAINED_BYTES} bytes for one record is dropped after it); build it in {@code
 * open()}.
 *
 * <p>A record written longer than {@code maxBytes} UTF-8 bytes, also for text output, is rejected.
 * Each record is written once: what it writes past the limit is counted, for the message's exact
 * size, but not stored, so a record far over the limit costs no more buffer than the limit (for
 * text, {@code maxBytes} chars: each char is at least one UTF-8 byte).
 */
@Internal
public final class AvroToJson {

  private static final int MAX_CACHED_SCHEMAS = 256;

  private static final Conversions.DecimalConversion DECIMALS = new Conversions.DecimalConversion();

  private final JsonFactory factory;
  // Text output: one generator over one reused writer, kept across records.
  private final LimitedText text = new LimitedText();
  @Nullable private JsonGenerator textJson;
  // Bytes output: one generator writing UTF-8 straight into one reused byte buffer.
  private final LimitedBytes bytes = new LimitedBytes();
  @Nullable private JsonGenerator bytesJson;
  // Field names quoted and encoded once per record schema (schemas are few; bounded anyway).
  private final IdentityHashMap<Schema, SerializedString[]> fieldNames = new IdentityHashMap<>();
  @Nullable private Schema lastSchema;
  @Nullable private SerializedString[] lastNames;
  // Instants are formatted into this buffer rather than through Instant.toString().
  private final char[] instant = new char[IsoInstantFormat.MAX_LENGTH];
  private final int maxBytes;

  /** A writer without a size limit. */
  public AvroToJson() {
    this(Integer.MAX_VALUE);
  }

  /**
   * @param maxBytes the most UTF-8 bytes a written record may have, also for text output; {@code
   *     Integer.MAX_VALUE} for no limit
   */
  public AvroToJson(int maxBytes) {
    this.maxBytes = maxBytes;
    this.factory =
        SafeJson.mapperBuilder(JsonReadLimits.defaults())
            .enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN)
            .disable(StreamWriteFeature.AUTO_CLOSE_TARGET)
            // Characters beyond U+FFFF as their 4 UTF-8 bytes, as in the text, not as two escaped
            // surrogates (Jackson 2's default in UTF-8 output).
            .enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8)
            .build()
            .getFactory();
  }

  /**
   * The JSON text of {@code record}, written with its own schema.
   *
   * @throws AvroFormatException if a value does not fit the record's schema, or the text has more
   *     than {@code maxBytes} bytes in UTF-8
   */
  public String convert(IndexedRecord record) throws AvroFormatException {
    try {
      text.start(maxBytes);
      try {
        if (textJson == null) {
          textJson = newGenerator(text);
        }
        write(textJson, record);
      } catch (AvroFormatException e) {
        discard(textJson); // mid-document: the next record starts a fresh generator
        textJson = null;
        throw e;
      }
      // up to maxBytes / 3 chars are within the limit whatever they are: no need to count them
      if (text.isOverLimit() || (long) text.length() * 3 > maxBytes) {
        checkSize(record, text.utf8Length());
      }
      return text.text();
    } finally {
      text.release(); // whatever became of the record
    }
  }

  /**
   * The JSON of {@code record} as UTF-8 bytes: exactly {@code convert(record).getBytes(UTF_8)} (so
   * an unpaired surrogate, which has no UTF-8 form, becomes {@code ?}), written without the {@code
   * String}.
   *
   * @throws AvroFormatException if a value does not fit the record's schema, or the bytes are more
   *     than {@code maxBytes}
   */
  public byte[] convertToBytes(IndexedRecord record) throws AvroFormatException {
    try {
      bytes.start(maxBytes);
      try {
        if (bytesJson == null) {
          bytesJson = newGenerator(bytes);
        }
        write(bytesJson, record);
      } catch (AvroFormatException e) {
        discard(bytesJson); // mid-document: the next record starts a fresh generator
        bytesJson = null;
        throw e;
      }
      // a whole document, over the limit or not: the generator goes on with the next record
      checkSize(record, bytes.size());
      return bytes.toByteArray();
    } finally {
      bytes.release(); // whatever became of the record
    }
  }

  private void checkSize(IndexedRecord record, long size) throws AvroFormatException {
    if (size > maxBytes) {
      throw new AvroFormatException(
          "record too large: "
              + record.getSchema().getFullName()
              + " written as JSON has "
              + size
              + " bytes, over maxBytes "
              + maxBytes);
    }
  }

  private JsonGenerator newGenerator(Object target) throws AvroFormatException {
    JsonGenerator json;
    try {
      json =
          target instanceof Writer
              ? factory.createGenerator((Writer) target)
              : factory.createGenerator((OutputStream) target, JsonEncoding.UTF8);
    } catch (IOException e) {
      throw AvroErrors.sanitize("cannot write the record as JSON", e);
    }
    // One generator for many documents: no separator between the root values (one per record).
    json.setRootValueSeparator(null);
    return json;
  }

  /** Closes a generator left mid-document, returning its buffers to Jackson's recycler. */
  private static void discard(@Nullable JsonGenerator json) {
    if (json != null) {
      try {
        json.close();
      } catch (IOException | RuntimeException ignored) {
        // its output is thrown away anyway
      }
    }
  }

  private void write(JsonGenerator json, IndexedRecord record) throws AvroFormatException {
    Schema schema = record.getSchema();
    try {
      record(json, record, schema);
      json.flush();
    } catch (ValueException e) {
      throw e.toFormatException("record does not fit its schema", schema);
    } catch (IOException | RuntimeException e) {
      throw AvroErrors.sanitize("cannot write the record as JSON", e);
    } catch (StackOverflowError e) {
      // Deeper than the stack before Jackson's nesting limit (or holding itself): no Exception,
      // so the map step would let it fail the job.
      throw new AvroFormatException(
          "cannot write the record as JSON: the record is nested too deeply");
    }
  }

  private void record(JsonGenerator json, IndexedRecord record, Schema schema) throws IOException {
    json.writeStartObject();
    List<Schema.Field> fields = schema.getFields();
    SerializedString[] names = fieldNames(schema, fields);
    for (int i = 0, n = fields.size(); i < n; i++) {
      Schema.Field field = fields.get(i);
      json.writeFieldName(names[i]);
      try {
        value(json, record.get(i), field.schema());
      } catch (ValueException e) {
        throw e.inField(field.name());
      }
    }
    json.writeEndObject();
  }

  /**
   * {@code text} as the UTF-8 output must see it: an unpaired surrogate, which has no UTF-8 form,
   * becomes {@code ?} as in {@code text.getBytes(UTF_8)} (Jackson would mangle it), so the bytes
   * are always the text output's UTF-8 encoding. Text output and surrogate-free strings as they
   * are.
   */
  private String utf8Safe(JsonGenerator json, String text) {
    if (json != bytesJson) {
      return text;
    }
    for (int i = 0, n = text.length(); i < n; i++) {
      if (Character.isSurrogate(text.charAt(i))) {
        return new String(text.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
      }
    }
    return text;
  }

  /** The capacity of the reused text buffer, for tests. */
  int retainedChars() {
    return text.capacity();
  }

  /** The capacity of the reused byte buffer, for tests. */
  int retainedBytes() {
    return bytes.capacity();
  }

  private SerializedString[] fieldNames(Schema schema, List<Schema.Field> fields) {
    if (schema == lastSchema) {
      return lastNames;
    }
    SerializedString[] names = fieldNames.get(schema);
    if (names == null) {
      if (fieldNames.size() >= MAX_CACHED_SCHEMAS) {
        fieldNames.clear(); // a new Schema object per record would otherwise grow it forever
      }
      names = new SerializedString[fields.size()];
      for (int i = 0; i < names.length; i++) {
        names[i] = new SerializedString(fields.get(i).name());
      }
      fieldNames.put(schema, names);
    }
    lastSchema = schema;
    lastNames = names;
    return names;
  }

  private void value(JsonGenerator json, Object v, Schema s) throws IOException {
    if (v == null) {
      if (!JsonToAvro.isNullable(s)) {
        throw new ValueException("null is not allowed for " + LogicalValues.describe(s));
      }
      json.writeNull();
      return;
    }
    String logical = LogicalValues.logicalName(s);
    switch (s.getType()) {
      case UNION:
        Schema branch = branch(v, s);
        if (branch.getType() == Schema.Type.FLOAT
            && v instanceof Float
            && Float.isFinite((Float) v)
            && hasDoubleBranch(s)) {
          // "0.1" would be read back as the double 0.1, which the float 0.1f is not: the float's
          // exact value picks the float branch again (see JsonToAvro's union rule).
          json.writeNumber(((Float) v).doubleValue());
          return;
        }
        value(json, v, branch);
        return;
      case RECORD:
        record(json, cast(v, IndexedRecord.class, s), s);
        return;
      case ARRAY:
        array(json, cast(v, Collection.class, s), s.getElementType());
        return;
      case MAP:
        map(json, cast(v, Map.class, s), s.getValueType());
        return;
      case ENUM:
        String symbol = v.toString();
        if (!(v instanceof GenericEnumSymbol || v instanceof Enum) || !s.hasEnumSymbol(symbol)) {
          throw mismatch(v, s);
        }
        json.writeString(utf8Safe(json, symbol));
        return;
      case STRING:
        json.writeString(
            LogicalValues.UUID_TYPE.equals(logical)
                ? uuid(v, s)
                : utf8Safe(json, cast(v, CharSequence.class, s).toString()));
        return;
      case BYTES:
      case FIXED:
        if (LogicalValues.DECIMAL.equals(logical)) {
          // At the schema's scale, as encode writes it (and fromJson reads it back): 1.5 in a
          // decimal(5,2) is 1.50; one that needs rounding or has too many digits is refused.
          json.writeNumber(LogicalValues.decimal(decimal(v, s), s));
        } else if (s.getType() == Schema.Type.FIXED) {
          byte[] fixed = cast(v, GenericFixed.class, s).bytes();
          if (fixed.length != s.getFixedSize()) {
            throw new ValueException(
                fixed.length
                    + " bytes do not fit "
                    + LogicalValues.describe(s)
                    + " of size "
                    + s.getFixedSize());
          }
          json.writeBinary(fixed);
        } else {
          ByteBuffer bytes = cast(v, ByteBuffer.class, s).duplicate();
          byte[] copy = new byte[bytes.remaining()];
          bytes.get(copy);
          json.writeBinary(copy);
        }
        return;
      case INT:
      case LONG:
        if (logical != null && !(v instanceof Number)) {
          Object checked = temporal(v, s);
          int length =
              checked instanceof Instant ? IsoInstantFormat.format((Instant) checked, instant) : -1;
          if (length >= 0) {
            json.writeString(instant, 0, length);
          } else {
            json.writeString(checked.toString());
          }
        } else if (s.getType() == Schema.Type.INT) {
          json.writeNumber(cast(v, Integer.class, s));
        } else if (v instanceof Integer) { // encode widens an Integer into a long field too
          json.writeNumber((Integer) v);
        } else {
          json.writeNumber(cast(v, Long.class, s));
        }
        return;
      case FLOAT:
      case DOUBLE:
        // What encode takes: a Float, or in a double field also a Double or an Integer. Any other
        // number it refuses as narrowed (a Long beyond 2^53 would lose digits here).
        if (!(v instanceof Float
            || (s.getType() == Schema.Type.DOUBLE
                && (v instanceof Double || v instanceof Integer)))) {
          throw mismatch(v, s);
        }
        double d = ((Number) v).doubleValue();
        if (Double.isNaN(d) || Double.isInfinite(d)) {
          json.writeString(Double.toString(d));
        } else if (v instanceof Float && s.getType() == Schema.Type.FLOAT) {
          json.writeNumber((Float) v);
        } else { // a Float in a double field as the double encode widens it to
          json.writeNumber(d);
        }
        return;
      case BOOLEAN:
        json.writeBoolean(cast(v, Boolean.class, s));
        return;
      default: // NULL with a non-null value
        throw mismatch(v, s);
    }
  }

  /**
   * The value of a date, time or timestamp field if it is of its logical type's Java class and no
   * finer than the type holds (what {@code encode} accepts, and {@code fromJson} reads back);
   * otherwise a {@link ValueException}.
   */
  private static Object temporal(Object v, Schema s) {
    LogicalType logical = s.getLogicalType();
    Class<?> expected;
    if (logical instanceof LogicalTypes.Date) {
      expected = LocalDate.class;
    } else if (logical instanceof LogicalTypes.TimeMillis
        || logical instanceof LogicalTypes.TimeMicros) {
      expected = LocalTime.class;
    } else if (logical instanceof LogicalTypes.TimestampMillis
        || logical instanceof LogicalTypes.TimestampMicros) {
      expected = Instant.class;
    } else if (logical instanceof LogicalTypes.LocalTimestampMillis
        || logical instanceof LogicalTypes.LocalTimestampMicros) {
      expected = LocalDateTime.class;
    } else {
      expected = null;
    }
    if (expected == null || !expected.isInstance(v)) {
      throw mismatch(v, s);
    }
    return LogicalValues.checkEncoded(v, logical);
  }

  private void array(JsonGenerator json, Collection<?> items, Schema itemSchema)
      throws IOException {
    json.writeStartArray();
    int i = 0;
    for (Object item : items) {
      try {
        value(json, item, itemSchema);
      } catch (ValueException e) {
        throw e.atIndex(i);
      }
      i++;
    }
    json.writeEndArray();
  }

  private void map(JsonGenerator json, Map<?, ?> map, Schema valueSchema) throws IOException {
    json.writeStartObject();
    for (Map.Entry<?, ?> e : map.entrySet()) {
      if (!(e.getKey() instanceof CharSequence)) { // encode refuses these too
        throw new ValueException(
            e.getKey() == null
                ? "a map key is null"
                : "a map key is a " + e.getKey().getClass().getName() + ", not text");
      }
      json.writeFieldName(utf8Safe(json, e.getKey().toString()));
      try {
        value(json, e.getValue(), valueSchema);
      } catch (ValueException ve) {
        throw ve.inMapValue();
      }
    }
    json.writeEndObject();
  }

  private static boolean hasDoubleBranch(Schema union) {
    List<Schema> branches = union.getTypes();
    for (int i = 0, n = branches.size(); i < n; i++) {
      if (branches.get(i).getType() == Schema.Type.DOUBLE) {
        return true;
      }
    }
    return false;
  }

  /** The union branch of {@code v}: Avro's resolution, which knows the logical-type classes. */
  private static Schema branch(Object v, Schema union) {
    try {
      return union.getTypes().get(AvroData.get().resolveUnion(union, v));
    } catch (RuntimeException e) { // UnresolvedUnionException quotes the value
      throw new ValueException(
          "a " + v.getClass().getName() + " fits no branch of the union " + union.getTypes());
    }
  }

  /**
   * The decimal value: a {@code BigDecimal}, or the unscaled bytes a generated class without the
   * decimal conversion holds (avro-maven-plugin's default), read at the schema's scale as Avro's
   * conversion reads them.
   */
  private static BigDecimal decimal(Object v, Schema s) {
    if (v instanceof BigDecimal) {
      return (BigDecimal) v;
    }
    LogicalType type = s.getLogicalType();
    if (v instanceof ByteBuffer && s.getType() == Schema.Type.BYTES) {
      return DECIMALS.fromBytes(((ByteBuffer) v).duplicate(), s, type);
    }
    if (v instanceof GenericFixed && s.getType() == Schema.Type.FIXED) {
      GenericFixed fixed = (GenericFixed) v;
      if (fixed.bytes().length != s.getFixedSize()) {
        throw new ValueException(
            fixed.bytes().length
                + " bytes do not fit "
                + LogicalValues.describe(s)
                + " of size "
                + s.getFixedSize());
      }
      return DECIMALS.fromFixed(fixed, s, type);
    }
    throw mismatch(v, s);
  }

  /** A uuid's text: the {@code UUID}'s, or canonical text as encode writes it. */
  private static String uuid(Object v, Schema s) {
    if (v instanceof CharSequence) {
      return LogicalValues.uuidText((CharSequence) v).toString();
    }
    return cast(v, UUID.class, s).toString();
  }

  private static <X> X cast(Object v, Class<X> type, Schema s) {
    if (!type.isInstance(v)) {
      throw mismatch(v, s);
    }
    return type.cast(v);
  }

  private static ValueException mismatch(Object v, Schema s) {
    return new ValueException(
        "a " + v.getClass().getName() + " does not fit " + LogicalValues.describe(s));
  }
}
