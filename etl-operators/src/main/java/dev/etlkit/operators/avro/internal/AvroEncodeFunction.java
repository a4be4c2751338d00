package dev.etlkit.operators.avro.internal;

import javax.annotation.Nullable;
import org.apache.avro.generic.IndexedRecord;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;

/**
 * Records to Avro bytes ({@link AvroRecordEncoder}); run by the step as a {@code Steps.map}, so a
 * record that does not encode, or encodes longer than its size limit, becomes a dead letter holding
 * the record's text.
 */
@Internal
public final class AvroEncodeFunction<T extends IndexedRecord> extends RichMapFunction<T, byte[]> {
  private static final long serialVersionUID = 1L;

  private final RecordModel<T> model;
  @Nullable private final Integer confluentSchemaId;
  private final int maxBytes;
  private transient AvroRecordEncoder<T> encoder;

  /** A function without a size limit. */
  public AvroEncodeFunction(RecordModel<T> model, @Nullable Integer confluentSchemaId) {
    this(model, confluentSchemaId, Integer.MAX_VALUE);
  }

  /**
   * @param maxBytes the most bytes an encoded record may have, Confluent header included
   */
  public AvroEncodeFunction(
      RecordModel<T> model, @Nullable Integer confluentSchemaId, int maxBytes) {
    this.model = model;
    this.confluentSchemaId = confluentSchemaId;
    this.maxBytes = maxBytes;
  }

  @Override
  public void open(OpenContext openContext) {
    encoder = new AvroRecordEncoder<>(model, confluentSchemaId, maxBytes);
  }

  @Override
  public byte[] map(T record) throws Exception {
    return encoder.encode(record);
  }
}
