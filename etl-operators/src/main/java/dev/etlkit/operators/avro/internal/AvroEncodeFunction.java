package dev.etlkit.operators.avro.internal;

import javax.annotation.Nullable;
import org.apache.avro.generic.IndexedRecord;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;

/**
 * Records to Avro bytes ({@link AvroRecordEncoder}); run by the step as a {@code Steps.map}, so a
 * record that does not encode becomes a dead letter holding the record's text.
 */
@Internal
public final class AvroEncodeFunction<T extends IndexedRecord> extends RichMapFunction<T, byte[]> {
  private static final long serialVersionUID = 1L;

  private final RecordModel<T> model;
  @Nullable private final Integer confluentSchemaId;
  private transient AvroRecordEncoder<T> encoder;

  public AvroEncodeFunction(RecordModel<T> model, @Nullable Integer confluentSchemaId) {
    this.model = model;
    this.confluentSchemaId = confluentSchemaId;
  }

  @Override
  public void open(OpenContext openContext) {
    encoder = new AvroRecordEncoder<>(model, confluentSchemaId);
  }

  @Override
  public byte[] map(T record) throws Exception {
    return encoder.encode(record);
  }
}
