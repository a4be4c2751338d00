package dev.etlkit.operators.avro.internal;

import dev.etlkit.operators.avro.Avro;
import dev.etlkit.operators.avro.AvroFormatException;
import dev.etlkit.operators.avro.SchemaLookupFailures;
import dev.etlkit.operators.avro.SchemaProvider;
import java.util.HashMap;
import javax.annotation.Nullable;
import org.apache.avro.Schema;
import org.apache.avro.generic.IndexedRecord;
import org.apache.avro.io.DatumReader;
import org.apache.flink.annotation.Internal;

/**
 * Decodes one payload into one record: plain Avro binary written with a fixed writer schema, or the
 * Confluent wire format (magic byte 0, 4-byte big-endian schema id, Avro binary) whose writer
 * schema comes from a {@link SchemaProvider}. Data is resolved into the model's reader schema (Avro
 * schema resolution: added reader fields take their defaults, removed writer fields are skipped).
 *
 * <p>For each writer schema id the compatibility with the reader schema is checked once and
 * remembered, together with the resolving reader; an incompatible id rejects its records without
 * another check. Every failure of the record is an {@link AvroFormatException} without payload
 * values; a failed lookup is one too, or an infrastructure failure ({@link SchemaLookups}). Not
 * thread-safe: one instance per subtask, created in {@code open()}.
 */
@Internal
public final class AvroRecordDecoder<T extends IndexedRecord> {

  private final RecordModel<T> model;
  @Nullable private final SchemaProvider provider;
  private final SchemaLookupFailures lookupFailures;
  private final BoundedBinaryDecoder decoder;
  @Nullable private final Resolution<T> plain;
  private final HashMap<Integer, Resolution<T>> byId = new HashMap<>();
  // The last id seen: most topics carry one id for long stretches (and this avoids boxing it).
  private int lastId;
  @Nullable private Resolution<T> lastResolution;

  /** A decoder failing the task when the provider throws ({@code FAIL_TASK}). */
  public AvroRecordDecoder(
      RecordModel<T> model,
      @Nullable Schema writerSchema,
      @Nullable SchemaProvider provider,
      long maxCollectionItems) {
    this(model, writerSchema, provider, Avro.DEFAULT_SCHEMA_LOOKUP_FAILURES, maxCollectionItems);
  }

  /**
   * @param model the records to produce (and the reader schema)
   * @param writerSchema the writer schema of plain binary data; null for the reader schema, ignored
   *     with a provider
   * @param provider the writer schemas of the Confluent wire format, or null for plain binary
   * @param lookupFailures what an exception of the provider does
   * @param maxCollectionItems the most array/map items one record may hold
   * @throws IllegalArgumentException if plain data's writer schema cannot be read with the reader
   *     schema
   */
  public AvroRecordDecoder(
      RecordModel<T> model,
      @Nullable Schema writerSchema,
      @Nullable SchemaProvider provider,
      SchemaLookupFailures lookupFailures,
      long maxCollectionItems) {
    this.model = model;
    this.provider = provider;
    this.lookupFailures = lookupFailures;
    this.decoder = new BoundedBinaryDecoder(maxCollectionItems);
    if (provider == null) {
      Schema writer = writerSchema != null ? writerSchema : model.schema();
      String incompatibility = model.incompatibility(writer);
      if (incompatibility != null) {
        throw new IllegalArgumentException(
            "writer schema "
                + writer.getFullName()
                + " cannot be read with reader schema "
                + model.schema().getFullName()
                + ": "
                + incompatibility);
      }
      this.plain = new Resolution<>(model.newReader(writer), null);
    } else {
      this.plain = null;
    }
  }

  /**
   * Decodes {@code payload} into a new record.
   *
   * @throws AvroFormatException when the payload is not one record the reader schema can read
   * @throws dev.etlkit.operators.internal.InfrastructureFailure when the provider throws (with
   *     {@code FAIL_TASK}, or interrupted)
   */
  public T decode(byte[] payload) throws AvroFormatException {
    Resolution<T> resolution;
    int offset;
    int id = 0;
    if (provider == null) {
      resolution = plain;
      offset = 0;
    } else {
      id = ConfluentWireFormat.schemaId(payload);
      resolution = resolve(id);
      offset = ConfluentWireFormat.HEADER_BYTES;
    }
    decoder.reset(payload, offset, payload.length - offset);
    T record;
    try {
      record = resolution.reader.read(null, decoder);
    } catch (Exception e) {
      throw AvroErrors.sanitize(cannotDecode(id), e);
    } catch (StackOverflowError e) {
      // A recursive schema nests one level per byte or two: a payload can be deeper than a stack.
      throw new AvroFormatException(cannotDecode(id) + ": the record is nested too deeply");
    }
    if (decoder.remaining() != 0) {
      throw new AvroFormatException(
          cannotDecode(id)
              + ": "
              + decoder.remaining()
              + " trailing bytes after the record (not one record of this schema)");
    }
    return record;
  }

  private String cannotDecode(int id) {
    return provider == null
        ? "cannot decode the Avro record"
        : "cannot decode the Avro record (writer schema id " + id + ")";
  }

  private Resolution<T> resolve(int id) throws AvroFormatException {
    Resolution<T> known = lastResolution != null && id == lastId ? lastResolution : byId.get(id);
    if (known == null) {
      known = lookUp(id);
      byId.put(id, known);
    }
    lastId = id;
    lastResolution = known;
    if (known.incompatibility != null) {
      throw new AvroFormatException(known.incompatibility);
    }
    return known;
  }

  /** A resolution to remember for {@code id}; throws (and remembers nothing) when unknown. */
  private Resolution<T> lookUp(int id) throws AvroFormatException {
    Schema writer = SchemaLookups.schemaById(provider, id, lookupFailures, "");
    if (writer == null) {
      throw new AvroFormatException("unknown writer schema id " + id);
    }
    String incompatibility = model.incompatibility(writer);
    if (incompatibility != null) {
      return new Resolution<>(
          null,
          "writer schema id "
              + id
              + " ("
              + writer.getFullName()
              + ") is incompatible with reader schema "
              + model.schema().getFullName()
              + ": "
              + incompatibility);
    }
    return new Resolution<>(model.newReader(writer), null);
  }

  /** A resolving reader for one writer schema, or why there is none. */
  private static final class Resolution<T> {
    @Nullable final DatumReader<T> reader;
    @Nullable final String incompatibility;

    Resolution(@Nullable DatumReader<T> reader, @Nullable String incompatibility) {
      this.reader = reader;
      this.incompatibility = incompatibility;
    }
  }
}
