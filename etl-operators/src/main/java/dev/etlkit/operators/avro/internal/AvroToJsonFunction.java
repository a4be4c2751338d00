package dev.etlkit.operators.avro.internal;

import org.apache.avro.generic.IndexedRecord;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;

/**
 * Records to JSON text ({@link AvroToJson}); run by the step as a {@code Steps.map}, so a record
 * that does not fit its schema becomes a dead letter holding the record's text.
 */
@Internal
public final class AvroToJsonFunction<T extends IndexedRecord> extends RichMapFunction<T, String> {
  private static final long serialVersionUID = 1L;

  private transient AvroToJson converter;

  @Override
  public void open(OpenContext openContext) {
    converter = new AvroToJson();
  }

  @Override
  public String map(T record) throws Exception {
    return converter.convert(record);
  }
}
