package dev.etlkit.operators.avro.internal;

import org.apache.avro.Conversion;
import org.apache.avro.Conversions;
import org.apache.avro.LogicalType;
import org.apache.avro.Schema;
import org.apache.avro.data.TimeConversions;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DatumWriter;
import org.apache.flink.annotation.Internal;

/**
 * The Avro data model of every {@code GenericRecord} etlkit reads, writes or builds.
 *
 * <ul>
 *   <li>Logical types come out typed: decimal as {@code BigDecimal}, date as {@code LocalDate},
 *       time-millis/micros as {@code LocalTime}, timestamp-millis/micros as {@code Instant},
 *       local-timestamp-millis/micros as {@code LocalDateTime}, uuid as {@code UUID}.
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

  private static final AvroData INSTANCE = new AvroData();

  private AvroData() {
    super();
    addLogicalTypeConversion(new Conversions.DecimalConversion());
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
      return LogicalValues.checkDecoded(super.convert(datum, schema, type, conversion), type);
    }
  }
}
