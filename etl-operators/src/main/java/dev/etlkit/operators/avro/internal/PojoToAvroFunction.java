package dev.etlkit.operators.avro.internal;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;

/**
 * Objects to records ({@link PojoToAvro}); run by the step as a {@code Steps.map}, so an object
 * that does not fit the schema becomes a dead letter holding the object's text.
 */
@Internal
public final class PojoToAvroFunction<T> extends RichMapFunction<T, GenericRecord> {
  private static final long serialVersionUID = 1L;

  private final Class<T> type;
  private final Schema schema;
  private transient PojoToAvro<T> converter;

  public PojoToAvroFunction(Class<T> type, Schema schema) {
    this.type = type;
    this.schema = schema;
  }

  @Override
  public void open(OpenContext openContext) {
    converter = new PojoToAvro<>(type, schema);
  }

  @Override
  public GenericRecord map(T value) throws Exception {
    return converter.convert(value);
  }
}
