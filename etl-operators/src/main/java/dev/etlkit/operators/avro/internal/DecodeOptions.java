package dev.etlkit.operators.avro.internal;

import dev.etlkit.core.ErrorPolicy;
import dev.etlkit.operators.PayloadInput;
import dev.etlkit.operators.avro.Avro;
import dev.etlkit.operators.avro.SchemaLookupFailures;
import dev.etlkit.operators.avro.SchemaProvider;
import javax.annotation.Nullable;
import org.apache.avro.Schema;
import org.apache.avro.generic.IndexedRecord;
import org.apache.flink.annotation.Internal;

/**
 * The name and options of an {@link Avro.DecodeStep}, as its factories and {@code withX} methods
 * set them: {@code null} where an option is not set. Immutable; each copy changes one option. The
 * step checks each value before it gets here ({@link DecodeStepRules}); {@link AvroExpansion}
 * checks the rules between them when the step is applied.
 *
 * @param <I> input record type
 * @param <T> output record type
 * @param writerSchema the plain binary's writer schema; null: the reader schema
 * @param provider the Confluent wire format's writer schemas; null: plain binary
 * @param errorPolicy the step's own error policy; null: the pipeline's
 * @param lookupFailures what a failed schema lookup does; null: {@link
 *     Avro#DEFAULT_SCHEMA_LOOKUP_FAILURES}
 */
@Internal
public record DecodeOptions<I, T extends IndexedRecord>(
    String name,
    PayloadInput<I> input,
    RecordModel<T> model,
    @Nullable Schema writerSchema,
    @Nullable SchemaProvider provider,
    int maxCollectionItems,
    @Nullable ErrorPolicy errorPolicy,
    @Nullable SchemaLookupFailures lookupFailures) {

  /** The options of a new step: no option set beyond its name, input and records. */
  public static <I, T extends IndexedRecord> DecodeOptions<I, T> of(
      String name, PayloadInput<I> input, RecordModel<T> model) {
    return new DecodeOptions<>(
        name, input, model, null, null, Avro.DEFAULT_MAX_COLLECTION_ITEMS, null, null);
  }

  /** What a failed schema lookup does: as set, else {@link Avro#DEFAULT_SCHEMA_LOOKUP_FAILURES}. */
  public SchemaLookupFailures lookupFailuresOrDefault() {
    return lookupFailures != null ? lookupFailures : Avro.DEFAULT_SCHEMA_LOOKUP_FAILURES;
  }

  public DecodeOptions<I, T> withWriterSchema(Schema schema) {
    return new DecodeOptions<>(
        name, input, model, schema, provider, maxCollectionItems, errorPolicy, lookupFailures);
  }

  public DecodeOptions<I, T> withProvider(SchemaProvider schemas) {
    return new DecodeOptions<>(
        name, input, model, writerSchema, schemas, maxCollectionItems, errorPolicy, lookupFailures);
  }

  public DecodeOptions<I, T> withMaxCollectionItems(int items) {
    return new DecodeOptions<>(
        name, input, model, writerSchema, provider, items, errorPolicy, lookupFailures);
  }

  public DecodeOptions<I, T> withErrorPolicy(@Nullable ErrorPolicy policy) {
    return new DecodeOptions<>(
        name, input, model, writerSchema, provider, maxCollectionItems, policy, lookupFailures);
  }

  public DecodeOptions<I, T> withLookupFailures(SchemaLookupFailures handling) {
    return new DecodeOptions<>(
        name, input, model, writerSchema, provider, maxCollectionItems, errorPolicy, handling);
  }
}
