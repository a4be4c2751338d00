package dev.etlkit.operators.avro.internal;

import java.io.IOException;
import java.math.BigDecimal;
import org.apache.avro.Conversion;
import org.apache.avro.Conversions;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.data.TimeConversions;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.Encoder;
import org.apache.flink.annotation.Internal;

/**
 * The Avro data model of every {@code GenericRecord} etlkit reads, writes or builds.
 *
 * <ul>
 *   <li>Logical types come out typed: decimal as {@code BigDecimal} (made as {@code
 *       BigDecimal.valueOf} makes it where the unscaled value fits a long, see {@link
 *       CompactDecimalConversion}), date as {@code LocalDate}, time-millis/micros as {@code
 *       LocalTime}, timestamp-millis/micros as {@code Instant}, local-timestamp-millis/micros as
 *       {@code LocalDateTime}, uuid as {@code UUID}.
 *   <li>Strings (and map keys) come out as {@code java.lang.String}, never {@code Utf8}, so {@code
 *       record.get("name").equals("Ada")} holds.
 *   <li>Records are {@link Record}s, whose {@code equals}/{@code hashCode} use this model; Avro's
 *       own {@code GenericData.Record} compares with the conversion-less {@code GenericData.get()}
 *       and throws on a decimal inside a union.
 * </ul>
 *
 * <p>One shared, immutable-after-construction instance: its conversion tables are only read.
 */
@Internal
public final class AvroData extends GenericData {

  /** A decimal type: conversions are looked up by the logical type's name only. */
  private static final LogicalType DECIMAL = LogicalTypes.decimal(1);

  private static final AvroData INSTANCE = new AvroData();

  private AvroData() {
    super();
    addLogicalTypeConversion(CompactDecimalConversion.INSTANCE);
    addLogicalTypeConversion(new Conversions.UUIDConversion());
    addLogicalTypeConversion(new TimeConversions.DateConversion());
    addLogicalTypeConversion(new TimeConversions.TimeMillisConversion());
    addLogicalTypeConversion(new TimeConversions.TimeMicrosConversion());
    addLogicalTypeConversion(new TimeConversions.TimestampMillisConversion());
    addLogicalTypeConversion(new TimeConversions.TimestampMicrosConversion());
    addLogicalTypeConversion(new TimeConversions.LocalTimestampMillisConversion());
    addLogicalTypeConversion(new TimeConversions.LocalTimestampMicrosConversion());
    // The fast reader bypasses the String-producing reader below.
    setFastReaderEnabled(false);
  }

  public static AvroData get() {
    return INSTANCE;
  }

  @Override
  public Object newRecord(Object old, Schema schema) {
    if (old instanceof Record && ((Record) old).getSchema() == schema) {
      return old;
    }
    return new Record(schema);
  }

  @Override
  @SuppressWarnings("rawtypes")
  public DatumReader createDatumReader(Schema schema) {
    return new StringReader<>(schema, schema);
  }

  @Override
  @SuppressWarnings("rawtypes")
  public DatumReader createDatumReader(Schema writer, Schema reader) {
    return new StringReader<>(writer, reader);
  }

  @Override
  @SuppressWarnings("rawtypes")
  public DatumWriter createDatumWriter(Schema schema) {
    return new GenericDatumWriter<>(schema, this);
  }

  /** A reader of this model: resolves {@code writer} data into {@code reader}'s shape. */
  public <D> GenericDatumReader<D> newReader(Schema writer, Schema reader) {
    return new StringReader<>(writer, reader);
  }

  /**
   * A writer of this model that rejects a time or timestamp finer than its logical type, with a
   * {@link ValueException} naming its path, where Avro's conversion would drop the extra digits.
   */
  public <D> GenericDatumWriter<D> newCheckingWriter(Schema schema) {
    return new CheckingWriter<>(schema);
  }

  /** A {@code GenericRecord} whose equality and hash code understand logical types. */
  @Internal
  public static final class Record extends GenericData.Record {
    public Record(Schema schema) {
      super(schema);
    }

    @Override
    public boolean equals(Object o) {
      if (o == this) {
        return true;
      }
      if (!(o instanceof GenericData.Record)) {
        return false;
      }
      GenericData.Record that = (GenericData.Record) o;
      return getSchema().equals(that.getSchema())
          && INSTANCE.compare(this, that, getSchema(), true) == 0;
    }

    @Override
    public int hashCode() {
      return INSTANCE.hashCode(this, getSchema());
    }

    @Override
    public int compareTo(GenericData.Record that) {
      return INSTANCE.compare(this, that, getSchema());
    }
  }

  /** Reads strings as {@code java.lang.String}, whatever the schema's {@code avro.java.string}. */
  private static final class StringReader<D> extends GenericDatumReader<D> {
    StringReader(Schema writer, Schema reader) {
      super(writer, reader, INSTANCE);
    }

    @Override
    @SuppressWarnings("rawtypes")
    protected Class findStringClass(Schema schema) {
      return String.class;
    }

    @Override
    protected Object convert(
        Object datum, Schema schema, LogicalType type, Conversion<?> conversion) {
      return LogicalValues.checkDecoded(
          super.convert(LogicalValues.checkRawDecoded(datum, type), schema, type, conversion),
          type);
    }
  }

  /**
   * Checks each logical value before Avro converts it ({@link LogicalValues#checkEncoded}) and
   * collects the path of a rejected one on its way up: record fields by name, array items and map
   * values (whose keys are data) as {@code [*]}.
   */
  /**
   * A writer of this model that refuses a number of the wrong type for its field instead of
   * narrowing it: Avro's writer writes any {@code Number} into an {@code int} field with {@code
   * intValue()}, so a {@code Long} 2^40 + 7 would become 7 and a {@code Double} 2.75 would become
   * 2. Only the exact type goes in, and the widenings that lose nothing: an {@code Integer} into a
   * {@code long} or {@code double}, a {@code Float} into a {@code double}.
   */
  public <D> GenericDatumWriter<D> newTypedWriter(Schema schema) {
    return new TypedWriter<>(schema);
  }

  private static class TypedWriter<D> extends GenericDatumWriter<D> {
    private final ReusedDecimalBytes decimals = new ReusedDecimalBytes();

    /**
     * The model's conversion of a {@code BigDecimal} decimal, looked up once: Avro's {@code write}
     * looks it up per value in two maps.
     */
    private final Conversion<BigDecimal> decimalConversion =
        INSTANCE.getConversionByClass(BigDecimal.class, DECIMAL);

    TypedWriter(Schema schema) {
      super(schema, INSTANCE);
    }

    /**
     * Avro's {@code write}, with the conversion of a {@code BigDecimal} decimal taken from {@link
     * #decimalConversion} (the same one: the model's conversions never change) instead of looked up
     * per value.
     */
    @Override
    protected void write(Schema schema, Object datum, Encoder out) throws IOException {
      LogicalType logicalType = schema.getLogicalType();
      if (datum != null
          && datum.getClass() == BigDecimal.class
          && logicalType instanceof LogicalTypes.Decimal) {
        writeWithoutConversion(schema, convert(schema, logicalType, decimalConversion, datum), out);
      } else {
        super.write(schema, datum, out);
      }
    }

    /** Decimals of up to 18 digits without allocating ({@link ReusedDecimalBytes}). */
    @Override
    protected <C> Object convert(
        Schema schema, LogicalType type, Conversion<C> conversion, Object datum) {
      Object raw = decimals.convert(schema, type, conversion, datum);
      return raw != null ? raw : super.convert(schema, type, conversion, datum);
    }

    @Override
    protected void writeWithoutConversion(Schema schema, Object datum, Encoder out)
        throws IOException {
      Schema.Type type = schema.getType();
      boolean fits;
      switch (type) {
        case INT:
          fits = datum instanceof Integer;
          break;
        case LONG:
          fits = datum instanceof Long || datum instanceof Integer;
          break;
        case FLOAT:
          fits = datum instanceof Float;
          break;
        case DOUBLE:
          fits = datum instanceof Double || datum instanceof Float || datum instanceof Integer;
          break;
        default:
          fits = true;
          break;
      }
      if (!fits) {
        throw new ValueException(
            (datum == null ? "null" : "a " + datum.getClass().getName())
                + " does not fit "
                + type.getName()
                + " (it would be narrowed)");
      }
      super.writeWithoutConversion(schema, datum, out);
    }
  }

  private static final class CheckingWriter<D> extends TypedWriter<D> {
    CheckingWriter(Schema schema) {
      super(schema);
    }

    @Override
    protected <C> Object convert(
        Schema schema, LogicalType type, Conversion<C> conversion, Object datum) {
      return super.convert(schema, type, conversion, LogicalValues.checkEncoded(datum, type));
    }

    @Override
    protected void writeField(Object datum, Schema.Field f, Encoder out, Object state)
        throws IOException {
      try {
        super.writeField(datum, f, out, state);
      } catch (ValueException e) {
        throw e.inField(f.name());
      }
    }

    @Override
    protected void writeArray(Schema schema, Object datum, Encoder out) throws IOException {
      try {
        super.writeArray(schema, datum, out);
      } catch (ValueException e) {
        throw e.inArrayItem();
      }
    }

    @Override
    protected void writeMap(Schema schema, Object datum, Encoder out) throws IOException {
      try {
        super.writeMap(schema, datum, out);
      } catch (ValueException e) {
        throw e.inMapValue();
      }
    }
  }
}
