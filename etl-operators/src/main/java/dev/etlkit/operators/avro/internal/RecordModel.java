package dev.etlkit.operators.avro.internal;

import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.avro.Conversion;
import org.apache.avro.LogicalType;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.IndexedRecord;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.Encoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.annotation.Internal;

/**
 * What kind of Avro record a step or serializer handles: {@code GenericRecord}s of one schema (read
 * with {@link AvroData}), or one generated {@code SpecificRecord} class (read with the class's own
 * {@code SpecificData}, which the generated code sets up with its logical-type conversions).
 * Creates readers and writers; serializable, so specs and functions can carry it.
 */
@Internal
public final class RecordModel<T extends IndexedRecord> implements Serializable {
  private static final long serialVersionUID = 1L;

  private final Class<T> type;
  private final Schema schema;
  private final boolean specific;

  private RecordModel(Class<T> type, Schema schema, boolean specific) {
    this.type = type;
    this.schema = schema;
    this.specific = specific;
  }

  /** Generic records of {@code schema}, which must be a record schema. */
  public static RecordModel<GenericRecord> generic(Schema schema) {
    Objects.requireNonNull(schema, "schema");
    if (schema.getType() != Schema.Type.RECORD) {
      throw new IllegalArgumentException(
          "schema must be an Avro record schema, was a " + schema.getType() + " schema");
    }
    return new RecordModel<>(GenericRecord.class, schema, false);
  }

  /** Instances of a generated {@code SpecificRecord} class. */
  public static <T extends SpecificRecord> RecordModel<T> specific(Class<T> type) {
    Objects.requireNonNull(type, "type");
    Schema schema;
    try {
      schema = SpecificData.getForClass(type).getSchema(type);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          type.getName() + " is not a generated Avro SpecificRecord class with a SCHEMA$", e);
    }
    if (schema == null || schema.getType() != Schema.Type.RECORD) {
      throw new IllegalArgumentException(
          type.getName() + " is not a generated Avro SpecificRecord class with a record SCHEMA$");
    }
    return new RecordModel<>(type, schema, true);
  }

  /**
   * A model of the same kind for {@code writtenSchema}: generic records of that schema, or the
   * specific class with its own schema (a serializer then reads and writes {@code writtenSchema}).
   */
  @SuppressWarnings("unchecked")
  static <T extends IndexedRecord> RecordModel<T> restore(
      Class<T> type, Schema writtenSchema, boolean specific) {
    if (specific) {
      return (RecordModel<T>) specific((Class<? extends SpecificRecord>) type);
    }
    return (RecordModel<T>) generic(writtenSchema);
  }

  public Class<T> type() {
    return type;
  }

  /** The schema records of this model have (the reader schema when decoding). */
  public Schema schema() {
    return schema;
  }

  public boolean isSpecific() {
    return specific;
  }

  /** The data model: logical-type conversions, record creation, deep copies. */
  public GenericData data() {
    return specific ? SpecificData.getForClass(type) : AvroData.get();
  }

  /**
   * The data model to deep-copy records with: {@link #data()}, except that a generated class's
   * copies read decimals as {@link CompactDecimalConversion} does where the class has Avro's own
   * conversion (as {@link #newReader} does), so that a copy holds the decimals a read gives. The
   * class's own model would make each decimal anew with Avro's conversion, an unscaled 0, 1 or 10
   * that is no {@code BigInteger} constant. A new model for a specific class: build it once.
   */
  public GenericData copyData() {
    if (!specific) {
      return AvroData.get();
    }
    SpecificData copying = new SpecificData(type.getClassLoader());
    for (Conversion<?> conversion : SpecificData.getForClass(type).getConversions()) {
      copying.addLogicalTypeConversion(CompactDecimalConversion.replacing(conversion));
    }
    return copying;
  }

  /** A reader resolving data written with {@code writer} into this model's schema. */
  @SuppressWarnings("unchecked")
  public DatumReader<T> newReader(Schema writer) {
    if (specific) {
      return new CheckedSpecificReader<>(writer, schema, (SpecificData) data());
    }
    return AvroData.get().<T>newReader(writer, schema);
  }

  /** A writer of this model's schema. */
  @SuppressWarnings("unchecked")
  public DatumWriter<T> newWriter() {
    if (specific) {
      return new SpecificWriter<>(schema, (SpecificData) data());
    }
    return (DatumWriter<T>) AvroData.get().<GenericRecord>newTypedWriter(schema);
  }

  /**
   * A writer for the encode step. It rejects a time or timestamp finer than its logical type
   * ({@link ValueException} naming the path) instead of letting Avro's conversion drop the extra
   * digits, for specific records too: a generated class truncates such values in the constructor
   * and setters of a non-null field only, not of a nullable one (a union), nor in {@code put}. The
   * serializer keeps {@link #newWriter()}: it cannot turn a record into a dead letter, only fail
   * the job.
   */
  @SuppressWarnings("unchecked")
  public DatumWriter<T> newEncodingWriter() {
    if (specific) {
      return new CheckedSpecificWriter<>(schema, (SpecificData) data());
    }
    return (DatumWriter<T>) AvroData.get().<GenericRecord>newCheckingWriter(schema);
  }

  /**
   * Why data written with {@code writer} cannot be read as this model's schema, or null if it can:
   * Avro's schema resolution rules, checked with {@code SchemaCompatibility}, and logical types
   * that match exactly (which Avro does not check, see {@link LogicalTypeResolution}). The reason
   * names schema parts only.
   */
  public String incompatibility(Schema writer) {
    return incompatibility(schema, writer);
  }

  /**
   * Why data written with {@code writer} cannot be read as {@code reader}, or null if it can: the
   * check of {@link #incompatibility(Schema)} for any two schemas.
   */
  static String incompatibility(Schema reader, Schema writer) {
    if (writer.equals(reader)) {
      return null;
    }
    SchemaCompatibility.SchemaPairCompatibility pair =
        SchemaCompatibility.checkReaderWriterCompatibility(reader, writer);
    List<String> problems = new ArrayList<>();
    if (pair.getType() == SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
      problems.addAll(LogicalTypeResolution.mismatches(writer, reader));
      if (problems.isEmpty()) {
        return null;
      }
    } else {
      for (SchemaCompatibility.Incompatibility problem : pair.getResult().getIncompatibilities()) {
        problems.add(
            problem.getType() + " at " + problem.getLocation() + ": " + problem.getMessage());
      }
    }
    StringBuilder why = new StringBuilder();
    for (int i = 0; i < problems.size() && i < 3; i++) {
      if (i > 0) {
        why.append("; ");
      }
      why.append(problems.get(i));
    }
    if (problems.size() > 3) {
      why.append("; and ").append(problems.size() - 3).append(" more");
    }
    return why.length() == 0 ? String.valueOf(pair.getType()) : why.toString();
  }

  /**
   * A specific reader that checks decoded logical values like {@link AvroData}'s reader, and reads
   * decimals as it does ({@link CompactDecimalConversion}) where the class has Avro's conversion.
   */
  private static final class CheckedSpecificReader<T> extends SpecificDatumReader<T> {
    CheckedSpecificReader(Schema writer, Schema reader, SpecificData data) {
      super(writer, reader, data);
    }

    @Override
    protected Object convert(
        Object datum, Schema schema, LogicalType type, Conversion<?> conversion) {
      return LogicalValues.checkDecoded(
          super.convert(
              LogicalValues.checkRawDecoded(datum, type),
              schema,
              type,
              CompactDecimalConversion.replacing(conversion)),
          type);
    }
  }

  /**
   * A specific writer that writes decimals of up to 18 digits without allocating where the class
   * has Avro's decimal conversion ({@link ReusedDecimalBytes}), as {@link AvroData}'s writers do.
   */
  private static class SpecificWriter<T> extends SpecificDatumWriter<T> {
    private final ReusedDecimalBytes decimals = new ReusedDecimalBytes();

    SpecificWriter(Schema schema, SpecificData data) {
      super(schema, data);
    }

    @Override
    protected <C> Object convert(
        Schema schema, LogicalType type, Conversion<C> conversion, Object datum) {
      Object raw = decimals.convert(schema, type, conversion, datum);
      return raw != null ? raw : super.convert(schema, type, conversion, datum);
    }
  }

  /**
   * A specific writer that checks each logical value before Avro converts it, as {@link AvroData}'s
   * checking writer does, collecting the path of a rejected one.
   */
  private static final class CheckedSpecificWriter<T> extends SpecificWriter<T> {
    CheckedSpecificWriter(Schema schema, SpecificData data) {
      super(schema, data);
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

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof RecordModel)) {
      return false;
    }
    RecordModel<?> that = (RecordModel<?>) o;
    return specific == that.specific && type.equals(that.type) && schema.equals(that.schema);
  }

  @Override
  public int hashCode() {
    return Objects.hash(type, schema, specific);
  }

  @Override
  public String toString() {
    return specific ? type.getName() : "GenericRecord(" + schema.getFullName() + ")";
  }
}
