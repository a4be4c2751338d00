package dev.etlkit.operators.avro.internal;

import dev.etlkit.core.ErrorHandler;
import dev.etlkit.operators.JsonReadLimits;
import dev.etlkit.operators.PayloadInput;
import dev.etlkit.operators.internal.DecodingFunction;
import java.util.List;
import javax.annotation.Nullable;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.functions.OpenContext;

/**
 * JSON documents to records ({@link JsonToAvro}); a tombstone (no payload) is skipped and counted
 * as filtered, every document that does not convert becomes one dead letter.
 */
@Internal
public final class JsonToAvroFunction<I> extends DecodingFunction<I, GenericRecord> {
  private static final long serialVersionUID = 1L;

  private final Schema schema;
  private final JsonReadLimits limits;
  private transient JsonToAvro converter;

  public JsonToAvroFunction(
      PayloadInput<I> input, ErrorHandler errors, Schema schema, JsonReadLimits limits) {
    super(input, errors);
    this.schema = schema;
    this.limits = limits;
  }

  @Override
  public void open(OpenContext openContext) throws Exception {
    super.open(openContext);
    converter = new JsonToAvro(schema, limits);
  }

  @Override
  protected void decode(
      I record, @Nullable byte[] payload, @Nullable byte[] key, List<GenericRecord> into)
      throws Exception {
    if (payload != null) {
      into.add(converter.convert(payload));
    }
  }
}
