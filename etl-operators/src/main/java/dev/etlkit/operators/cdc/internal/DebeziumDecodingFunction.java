package dev.etlkit.operators.cdc.internal;

import dev.etlkit.core.Change;
import dev.etlkit.core.ErrorHandler;
import dev.etlkit.operators.PayloadInput;
import dev.etlkit.operators.avro.internal.SchemaLookups;
import dev.etlkit.operators.internal.DecodingFunction;
import java.util.List;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.functions.OpenContext;

/**
 * The operator function of {@code Debezium.decode}: a {@link DecodingFunction} around a {@link
 * DebeziumDecoder}. Skipped records (heartbeats, transaction markers, schema changes, tombstones,
 * ...) decode into nothing, so they count as filtered; each kind also has a counter.
 */
@Internal
public final class DebeziumDecodingFunction<I, T> extends DecodingFunction<I, Change<T>> {
  private static final long serialVersionUID = 1L;

  private final ErrorHandler errors;
  private final DecoderSettings<T> settings;
  private transient DebeziumDecoder<T> decoder;
  private transient DebeziumMetrics kinds;

  public DebeziumDecodingFunction(
      PayloadInput<I> input, ErrorHandler errors, DecoderSettings<T> settings) {
    super(input, errors);
    this.errors = errors;
    this.settings = settings;
  }

  @Override
  public void open(OpenContext openContext) throws Exception {
    super.open(openContext);
    if (settings.avroSchemas != null) {
      SchemaLookups.open(settings.avroSchemas, errors.step());
    }
    decoder = new DebeziumDecoder<>(settings);
    kinds = DebeziumMetrics.register(getRuntimeContext().getMetricGroup(), errors.step());
  }

  @Override
  protected void decode(
      I record, @Nullable byte[] payload, @Nullable byte[] key, List<Change<T>> into)
      throws Exception {
    kinds.count(decoder.decode(payload, key, input().timestamp(record), into));
  }

  @Override
  public void close() throws Exception {
    if (settings.avroSchemas != null) {
      settings.avroSchemas.close();
    }
    super.close();
  }
}
