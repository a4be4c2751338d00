package dev.etlkit.operators.avro.internal;

import dev.etlkit.core.ErrorHandler;
import dev.etlkit.core.StepIdentity;
import dev.etlkit.operators.PayloadInput;
import dev.etlkit.operators.avro.Avro;
import dev.etlkit.operators.avro.SchemaLookupFailures;
import dev.etlkit.operators.avro.SchemaProvider;
import dev.etlkit.operators.internal.DecodingFunction;
import java.util.List;
import javax.annotation.Nullable;
import org.apache.avro.Schema;
import org.apache.avro.generic.IndexedRecord;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.functions.OpenContext;

/**
 * Avro bytes to records ({@link AvroRecordDecoder}); a tombstone (no payload) is skipped and
 * counted as filtered, every payload that does not decode becomes one dead letter. A schema
 * provider that throws fails the task or rejects the record, per {@link SchemaLookupFailures}.
 */
@Internal
public final class AvroDecodingFunction<I, T extends IndexedRecord> extends DecodingFunction<I, T> {
  private static final long serialVersionUID = 1L;

  private final RecordModel<T> model;
  @Nullable private final Schema writerSchema;
  @Nullable private final SchemaProvider provider;
  private final SchemaLookupFailures lookupFailures;
  private final int maxCollectionItems;
  private final StepIdentity step;
  private transient AvroRecordDecoder<T> decoder;

  public AvroDecodingFunction(
      PayloadInput<I> input,
      ErrorHandler errors,
      RecordModel<T> model,
      @Nullable Schema writerSchema,
      @Nullable SchemaProvider provider,
      int maxCollectionItems) {
    this(
        input,
        errors,
        model,
        writerSchema,
        provider,
        Avro.DEFAULT_SCHEMA_LOOKUP_FAILURES,
        maxCollectionItems);
  }

  public AvroDecodingFunction(
      PayloadInput<I> input,
      ErrorHandler errors,
      RecordModel<T> model,
      @Nullable Schema writerSchema,
      @Nullable SchemaProvider provider,
      SchemaLookupFailures lookupFailures,
      int maxCollectionItems) {
    super(input, errors);
    this.model = model;
    this.writerSchema = writerSchema;
    this.provider = provider;
    this.lookupFailures = lookupFailures;
    this.maxCollectionItems = maxCollectionItems;
    this.step = errors.step();
  }

  @Override
  public void open(OpenContext openContext) throws Exception {
    super.open(openContext);
    if (provider != null) {
      SchemaLookups.open(provider, step);
    }
    decoder =
        new AvroRecordDecoder<>(model, writerSchema, provider, lookupFailures, maxCollectionItems);
  }

  @Override
  protected void decode(I record, @Nullable byte[] payload, @Nullable byte[] key, List<T> into)
      throws Exception {
    if (payload != null) {
      into.add(decoder.decode(payload));
    }
  }

  @Override
  public void close() throws Exception {
    if (provider != null) {
      provider.close();
    }
    super.close();
  }
}
