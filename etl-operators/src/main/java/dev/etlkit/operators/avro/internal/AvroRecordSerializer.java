package dev.etlkit.operators.avro.internal;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.IdentityHashMap;
import java.util.Objects;
import javax.annotation.Nullable;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.IndexedRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.Encoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Serializes Avro records as plain Avro binary of one schema, the written schema (no length prefix,
 * no schema id: the schema is in the {@link AvroRecordSerializerSnapshot}, written once per state
 * or checkpoint, not per record). Logical-type values (BigDecimal, Instant, ...) are written
 * through the model's conversions, which Flink's own {@code GenericRecordAvroTypeInfo} cannot do.
 *
 * <p>The written schema is the model's own, except in a serializer restored from a snapshot of a
 * generated {@code SpecificRecord} class whose schema has changed since ({@code writtenWith}). Such
 * a serializer keeps Flink's contract for a restored serializer: it reads <em>and writes</em> the
 * snapshot's schema, and its {@link #snapshotConfiguration()} names that schema, so bytes it wrote
 * and bytes Flink kept from the snapshot (a state restored but not registered again) are described
 * right. Its records are instances of the class: read from the old schema by Avro's schema
 * resolution, and written by resolving the class's schema into the old one, so a field the class no
 * longer has is written as its old default. If the old schema cannot read the class's (a field the
 * class no longer has, without a default), writing fails with an {@link IOException} naming the
 * problem, never with wrong bytes: register the state with its new type, and Flink migrates it. The
 * ordinary serializer does none of this per-record work.
 *
 * <p>A generic record arriving with another, compatible schema (during state migration) is
 * converted to the model's schema before it is written.
 *
 * <p>Not thread-safe (reusable encoder/decoder); {@link #duplicate()} gives each thread its own.
 */
@Internal
public final class AvroRecordSerializer<T extends IndexedRecord> extends TypeSerializer<T> {
  private static final long serialVersionUID = 1L;

  private final RecordModel<T> model;
  @Nullable private final Schema writtenWith;

  private transient Schema schema;
  private transient GenericData data;
  private transient DatumWriter<T> writer;
  private transient DatumReader<T> reader;
  private transient ViewOutput output;
  private transient ViewInput input;
  @Nullable private transient BinaryEncoder encoder;
  @Nullable private transient BinaryDecoder decoder;
  @Nullable private transient Schema lastEqualSchema;
  @Nullable private transient IdentityHashMap<Schema, Converter<T>> converters;

  /**
   * @param model the records, and the schema they are written with unless {@code writtenWith} is
   *     given
   * @param writtenWith the schema of the data read and written, if not the model's (serializers
   *     restored from a snapshot of an older schema of a specific class)
   */
  public AvroRecordSerializer(RecordModel<T> model, @Nullable Schema writtenWith) {
    this.model = Objects.requireNonNull(model, "model");
    this.writtenWith =
        writtenWith == null || writtenWith.equals(model.schema()) ? null : writtenWith;
  }

  public RecordModel<T> model() {
    return model;
  }

  private void init() {
    if (writer == null) {
      schema = model.schema();
      data = model.copyData();
      writer = writtenWith == null ? model.newWriter() : new ToWrittenSchema<>(model, writtenWith);
      reader = model.newReader(writtenWith != null ? writtenWith : schema);
      output = new ViewOutput();
      input = new ViewInput();
    }
  }

  @Override
  public boolean isImmutableType() {
    return false;
  }

  @Override
  public TypeSerializer<T> duplicate() {
    return new AvroRecordSerializer<>(model, writtenWith);
  }

  @Override
  @SuppressWarnings("unchecked")
  public T createInstance() {
    init();
    return (T) data.newRecord(null, schema);
  }

  /**
   * @throws IllegalArgumentException naming the schema and the error class if {@code from} does not
   *     fit its schema (Avro's own message quotes the value)
   */
  @Override
  public T copy(T from) {
    init();
    try {
      return data.deepCopy(from.getSchema(), from);
    } catch (RuntimeException e) {
      IllegalArgumentException unfit =
          new IllegalArgumentException(
              "cannot copy a record of schema "
                  + from.getSchema().getFullName()
                  + ": "
                  + AvroErrors.describe(e));
      unfit.setStackTrace(e.getStackTrace());
      throw unfit;
    }
  }

  @Override
  public T copy(T from, T reuse) {
    return copy(from);
  }

  @Override
  public int getLength() {
    return -1;
  }

  /**
   * @throws AvroFormatException naming the schema and the error class if {@code record} does not
   *     fit its schema (Avro's own message quotes the value)
   */
  @Override
  public void serialize(T record, DataOutputView target) throws IOException {
    init();
    try {
      T conforming = conform(record);
      output.target = target;
      encoder = EncoderFactory.get().directBinaryEncoder(output, encoder);
      writer.write(conforming, encoder);
    } catch (RuntimeException e) {
      throw AvroErrors.sanitize("cannot serialize a record of schema " + schema.getFullName(), e);
    } finally {
      output.target = null;
    }
  }

  @Override
  public T deserialize(DataInputView source) throws IOException {
    init();
    input.source = source;
    decoder = DecoderFactory.get().directBinaryDecoder(input, decoder);
    T record = reader.read(null, decoder);
    input.source = null;
    return record;
  }

  @Override
  public T deserialize(T reuse, DataInputView source) throws IOException {
    return deserialize(source);
  }

  @Override
  public void copy(DataInputView source, DataOutputView target) throws IOException {
    serialize(deserialize(source), target);
  }

  /** The record itself if it has this serializer's schema, else a converted copy. */
  private T conform(T record) throws IOException {
    Schema recordSchema = record.getSchema();
    if (recordSchema == schema || recordSchema == lastEqualSchema) {
      return record;
    }
    if (recordSchema.equals(schema)) {
      lastEqualSchema = recordSchema;
      return record;
    }
    if (converters == null) {
      converters = new IdentityHashMap<>();
    }
    Converter<T> converter = converters.get(recordSchema);
    if (converter == null) {
      String incompatibility = model.incompatibility(recordSchema);
      if (incompatibility != null) {
        throw new IOException(
            "cannot serialize a record of schema "
                + recordSchema.getFullName()
                + " as "
                + schema.getFullName()
                + ": "
                + incompatibility);
      }
      converter = new Converter<>(recordSchema, model);
      converters.put(recordSchema, converter);
    }
    return converter.convert(record);
  }

  @Override
  public boolean equals(Object obj) {
    if (!(obj instanceof AvroRecordSerializer)) {
      return false;
    }
    AvroRecordSerializer<?> that = (AvroRecordSerializer<?>) obj;
    return model.equals(that.model) && Objects.equals(writtenWith, that.writtenWith);
  }

  @Override
  public int hashCode() {
    return model.hashCode();
  }

  @Override
  public TypeSerializerSnapshot<T> snapshotConfiguration() {
    return new AvroRecordSerializerSnapshot<>(
        model, writtenWith != null ? writtenWith : model.schema());
  }

  /**
   * Writes the model's records in an older schema of the class: written in the class's schema, then
   * read back as the older one by Avro's schema resolution, without logical-type conversions (the
   * raw values pass unchanged; a changed logical type makes the schemas incompatible).
   */
  private static final class ToWrittenSchema<T extends IndexedRecord> implements DatumWriter<T> {
    private final DatumWriter<T> modelWriter;
    private final DatumReader<Object> asWritten;
    private final DatumWriter<Object> writtenWriter;
    @Nullable private final String cannotWrite;
    private final Buffer bytes = new Buffer();
    @Nullable private BinaryEncoder bufferEncoder;
    @Nullable private BinaryDecoder bufferDecoder;
    @Nullable private Object resolved;

    ToWrittenSchema(RecordModel<T> model, Schema written) {
      GenericData raw = new GenericData();
      this.modelWriter = model.newWriter();
      this.asWritten = new GenericDatumReader<>(model.schema(), written, raw);
      this.writtenWriter = new GenericDatumWriter<>(written, raw);
      String why = RecordModel.incompatibility(written, model.schema());
      this.cannotWrite =
          why == null
              ? null
              : "cannot serialize a record of schema "
                  + model.schema().getFullName()
                  + " as "
                  + written.getFullName()
                  + ", the schema of the snapshot this serializer was restored from, which cannot"
                  + " read the record's: "
                  + why
                  + "; register the state with its new type to migrate it";
    }

    @Override
    public void setSchema(Schema schema) {
      throw new UnsupportedOperationException("the schemas are fixed when it is created");
    }

    @Override
    public void write(T datum, Encoder out) throws IOException {
      if (cannotWrite != null) {
        throw new IOException(cannotWrite);
      }
      bytes.reset();
      bufferEncoder = EncoderFactory.get().directBinaryEncoder(bytes, bufferEncoder);
      modelWriter.write(datum, bufferEncoder);
      bufferDecoder =
          DecoderFactory.get().binaryDecoder(bytes.array(), 0, bytes.size(), bufferDecoder);
      resolved = asWritten.read(resolved, bufferDecoder);
      writtenWriter.write(resolved, out);
    }
  }

  /** A byte buffer whose bytes can be read without a copy. */
  private static final class Buffer extends java.io.ByteArrayOutputStream {
    byte[] array() {
      return buf;
    }
  }

  /** Re-reads a record of one schema into another (Avro schema resolution). */
  private static final class Converter<T extends IndexedRecord> {
    private final DatumWriter<IndexedRecord> writer;
    private final DatumReader<T> reader;
    private final java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();

    Converter(Schema from, RecordModel<T> to) {
      this.writer = new GenericDatumWriter<>(from, to.data());
      this.reader = to.newReader(from);
    }

    T convert(T record) throws IOException {
      bytes.reset();
      BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(bytes, null);
      writer.write(record, encoder);
      return reader.read(null, DecoderFactory.get().binaryDecoder(bytes.toByteArray(), null));
    }
  }

  /** An output stream writing to a settable {@link DataOutputView}. */
  private static final class ViewOutput extends OutputStream {
    @Nullable DataOutputView target;

    @Override
    public void write(int b) throws IOException {
      target.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      target.write(b, off, len);
    }
  }

  /** An input stream reading from a settable {@link DataInputView}. */
  private static final class ViewInput extends InputStream {
    @Nullable DataInputView source;

    @Override
    public int read() throws IOException {
      try {
        return source.readUnsignedByte();
      } catch (EOFException e) {
        return -1;
      }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      return source.read(b, off, len);
    }
  }
}
