package dev.etlkit.operators.avro.internal;

import dev.etlkit.operators.avro.AvroFormatException;
import dev.etlkit.operators.internal.LimitedBytes;
import javax.annotation.Nullable;
import org.apache.avro.Schema;
import org.apache.avro.generic.IndexedRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.EncoderFactory;
import org.apache.flink.annotation.Internal;

/**
 * Encodes records as Avro binary with the model's schema, optionally behind a Confluent wire-format
 * header with a fixed schema id. The output buffer and encoder are reused (a buffer grown past
 * {@link LimitedBytes#MAX_RETAINED_BYTES} for one record is dropped after it); each call returns a
 * new array of exactly the encoded length.
 *
 * <p>A record encoded longer than {@code maxBytes} (the header included) is rejected. Each record
 * is encoded once: bytes past the limit are counted, for the message's exact size, but not stored,
 * so a record far over the limit costs no more buffer than the limit.
 *
 * <p>A record must carry the writer schema (an equal schema counts; the last equal instance is
 * remembered so the full comparison runs once per schema instance, not per record). Every failure
 * is an {@link AvroFormatException} without payload values. Not thread-safe.
 */
@Internal
public final class AvroRecordEncoder<T extends IndexedRecord> {

  private final Schema schema;
  private final DatumWriter<T> writer;
  @Nullable private final byte[] header;

  private final int maxBytes;
  private final LimitedBytes out = new LimitedBytes();
  @Nullable private BinaryEncoder encoder;
  @Nullable private Schema lastEqualSchema;

  /** An encoder without a size limit. */
  public AvroRecordEncoder(RecordModel<T> model, @Nullable Integer confluentSchemaId) {
    this(model, confluentSchemaId, Integer.MAX_VALUE);
  }

  /**
   * @param model the records to encode and their schema
   * @param confluentSchemaId the schema id to write in a Confluent header, or null for plain binary
   * @param maxBytes the most bytes an encoded record may have, header included; {@code
   *     Integer.MAX_VALUE} for no limit
   */
  public AvroRecordEncoder(
      RecordModel<T> model, @Nullable Integer confluentSchemaId, int maxBytes) {
    this.schema = model.schema();
    this.maxBytes = maxBytes;
    this.writer = model.newEncodingWriter();
    if (confluentSchemaId != null) {
      header = new byte[ConfluentWireFormat.HEADER_BYTES];
      ConfluentWireFormat.writeHeader(confluentSchemaId, header);
    } else {
      header = null;
    }
  }

  /**
   * The Avro bytes of {@code record}.
   *
   * @throws AvroFormatException if the record has another schema or values the schema does not
   *     allow (null in a non-null field, a decimal with too many fraction digits, a time or
   *     timestamp of a generic record finer than its type, ...), or is encoded longer than {@code
   *     maxBytes}
   */
  public byte[] encode(T record) throws AvroFormatException {
    return encode(record, 0);
  }

  /**
   * The Avro bytes of {@code record}, to travel beside a key of {@code keyBytes} bytes that counts
   * against {@code maxBytes} with them, as a Kafka producer counts key and value together; no more
   * than what is left of the limit beside the key is stored.
   *
   * @throws AvroFormatException as {@link #encode(IndexedRecord)}; when the encoded bytes and the
   *     key together are longer than {@code maxBytes}: {@code "... has N bytes and its key K, over
   *     maxBytes M"}
   */
  public byte[] encode(T record, int keyBytes) throws AvroFormatException {
    Schema recordSchema = record.getSchema();
    if (recordSchema != schema && recordSchema != lastEqualSchema) {
      if (!schema.equals(recordSchema)) {
        throw new AvroFormatException(
            "record has schema "
                + recordSchema.getFullName()
                + " that differs from the writer schema "
                + schema.getFullName()
                + " (build records with the step's schema)");
      }
      lastEqualSchema = recordSchema;
    }
    try {
      return write(record, keyBytes);
    } finally {
      out.release(); // whatever became of the record
    }
  }

  /** Encodes a record of the writer schema into the buffer and copies it out. */
  private byte[] write(T record, int keyBytes) throws AvroFormatException {
    out.start(keyBytes >= maxBytes ? 0 : maxBytes - keyBytes);
    if (header != null) {
      out.write(header, 0, header.length);
    }
    encoder = EncoderFactory.get().directBinaryEncoder(out, encoder);
    try {
      writer.write(record, encoder);
    } catch (ValueException e) {
      throw e.toFormatException("record does not fit its schema", schema);
    } catch (Exception e) {
      throw AvroErrors.sanitize(
          "cannot encode the record with writer schema " + schema.getFullName(), e);
    } catch (StackOverflowError e) {
      // A recursive schema's record (or one that holds itself) deeper than the stack: no
      // Exception, so the map step would let it fail the job.
      throw new AvroFormatException(
          "cannot encode the record with writer schema "
              + schema.getFullName()
              + ": the record is nested too deeply");
    }
    if (out.isOverLimit()) {
      throw new AvroFormatException(
          "record too large: "
              + schema.getFullName()
              + " encoded as Avro has "
              + out.size()
              + " bytes"
              + (header != null ? ", the 5-byte Confluent header included" : "")
              + (keyBytes > 0 ? (header != null ? "," : "") + " and its key " + keyBytes : "")
              + ", over maxBytes "
              + maxBytes);
    }
    return out.toByteArray();
  }

  /** The size of the reused buffer, for tests. */
  int retainedBytes() {
    return out.capacity();
  }
}
