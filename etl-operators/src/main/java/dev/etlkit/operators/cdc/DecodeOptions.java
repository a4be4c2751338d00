package dev.etlkit.operators.cdc;

import dev.etlkit.core.ErrorPolicy;
import dev.etlkit.operators.JsonReadLimits;
import dev.etlkit.operators.avro.SchemaLookupFailures;
import dev.etlkit.operators.avro.SchemaProvider;
import dev.etlkit.operators.cdc.Debezium.KeyFormat;
import dev.etlkit.operators.cdc.Debezium.Metadata;
import dev.etlkit.operators.cdc.Debezium.Tombstones;
import dev.etlkit.operators.cdc.Debezium.Truncates;
import dev.etlkit.operators.cdc.Debezium.UnavailableValues;
import dev.etlkit.operators.cdc.internal.DecoderSettings;
import dev.etlkit.operators.cdc.internal.UnavailableValue;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.annotation.Nullable;

/**
 * The options of a {@link Debezium.DecodeStep} beside its name, row type and input, as its {@code
 * withX} methods set them, and the {@link DecoderSettings} they become when the step is applied.
 * Immutable; each copy changes one option. The step checks each value before it gets here.
 *
 * @param errorPolicy the step's own error policy; null: the pipeline's
 * @param metadataFields the properties receiving source metadata, in the order they were added
 * @param avroSchemas where Avro writer schemas come from; null: the step reads JSON
 * @param schemaLookupFailures as set with {@code withSchemaLookupFailures}; null: not set
 * @param keyFormat how Kafka keys are read
 */
record DecodeOptions(
    @Nullable ErrorPolicy errorPolicy,
    JsonReadLimits limits,
    Tombstones tombstones,
    Truncates truncates,
    ChronoUnit timePrecision,
    Map<String, Metadata> metadataFields,
    UnavailableValues unavailableValues,
    String unavailableValuePlaceholder,
    @Nullable SchemaProvider avroSchemas,
    @Nullable SchemaLookupFailures schemaLookupFailures,
    KeyFormat keyFormat) {

  /** The options of a new step: {@link Debezium}'s defaults. */
  static DecodeOptions defaults() {
    return new DecodeOptions(
        null,
        JsonReadLimits.defaults(),
        Debezium.DEFAULT_TOMBSTONES,
        Debezium.DEFAULT_TRUNCATES,
        Debezium.DEFAULT_TIME_PRECISION,
        Map.of(),
        Debezium.DEFAULT_UNAVAILABLE_VALUES,
        Debezium.DEFAULT_UNAVAILABLE_VALUE_PLACEHOLDER,
        null,
        null,
        Debezium.DEFAULT_KEY_FORMAT);
  }

  DecodeOptions withErrorPolicy(ErrorPolicy policy) {
    return new DecodeOptions(
        policy,
        limits,
        tombstones,
        truncates,
        timePrecision,
        metadataFields,
        unavailableValues,
        unavailableValuePlaceholder,
        avroSchemas,
        schemaLookupFailures,
        keyFormat);
  }

  DecodeOptions withLimits(JsonReadLimits readLimits) {
    return new DecodeOptions(
        errorPolicy,
        readLimits,
        tombstones,
        truncates,
        timePrecision,
        metadataFields,
        unavailableValues,
        unavailableValuePlaceholder,
        avroSchemas,
        schemaLookupFailures,
        keyFormat);
  }

  DecodeOptions withTombstones(Tombstones handling) {
    return new DecodeOptions(
        errorPolicy,
        limits,
        handling,
        truncates,
        timePrecision,
        metadataFields,
        unavailableValues,
        unavailableValuePlaceholder,
        avroSchemas,
        schemaLookupFailures,
        keyFormat);
  }

  DecodeOptions withTruncates(Truncates handling) {
    return new DecodeOptions(
        errorPolicy,
        limits,
        tombstones,
        handling,
        timePrecision,
        metadataFields,
        unavailableValues,
        unavailableValuePlaceholder,
        avroSchemas,
        schemaLookupFailures,
        keyFormat);
  }

  DecodeOptions withTimePrecision(ChronoUnit unit) {
    return new DecodeOptions(
        errorPolicy,
        limits,
        tombstones,
        truncates,
        unit,
        metadataFields,
        unavailableValues,
        unavailableValuePlaceholder,
        avroSchemas,
        schemaLookupFailures,
        keyFormat);
  }

  /**
   * @param fields every metadata field, an unmodifiable map
   */
  DecodeOptions withMetadataFields(Map<String, Metadata> fields) {
    return new DecodeOptions(
        errorPolicy,
        limits,
        tombstones,
        truncates,
        timePrecision,
        fields,
        unavailableValues,
        unavailableValuePlaceholder,
        avroSchemas,
        schemaLookupFailures,
        keyFormat);
  }

  DecodeOptions withUnavailableValues(UnavailableValues handling) {
    return new DecodeOptions(
        errorPolicy,
        limits,
        tombstones,
        truncates,
        timePrecision,
        metadataFields,
        handling,
        unavailableValuePlaceholder,
        avroSchemas,
        schemaLookupFailures,
        keyFormat);
  }

  DecodeOptions withUnavailableValuePlaceholder(String placeholder) {
    return new DecodeOptions(
        errorPolicy,
        limits,
        tombstones,
        truncates,
        timePrecision,
        metadataFields,
        unavailableValues,
        placeholder,
        avroSchemas,
        schemaLookupFailures,
        keyFormat);
  }

  DecodeOptions withAvro(SchemaProvider schemas) {
    return new DecodeOptions(
        errorPolicy,
        limits,
        tombstones,
        truncates,
        timePrecision,
        metadataFields,
        unavailableValues,
        unavailableValuePlaceholder,
        schemas,
        schemaLookupFailures,
        keyFormat);
  }

  DecodeOptions withSchemaLookupFailures(SchemaLookupFailures handling) {
    return new DecodeOptions(
        errorPolicy,
        limits,
        tombstones,
        truncates,
        timePrecision,
        metadataFields,
        unavailableValues,
        unavailableValuePlaceholder,
        avroSchemas,
        handling,
        keyFormat);
  }

  DecodeOptions withKeyFormat(KeyFormat format) {
    return new DecodeOptions(
        errorPolicy,
        limits,
        tombstones,
        truncates,
        timePrecision,
        metadataFields,
        unavailableValues,
        unavailableValuePlaceholder,
        avroSchemas,
        schemaLookupFailures,
        format);
  }

  /** The settings the decoding function of a step with these options carries to the cluster. */
  <T> DecoderSettings<T> settings(Class<T> rowType) {
    List<String> fieldNames = new ArrayList<>(metadataFields.keySet());
    List<Metadata> fieldMetadata = new ArrayList<>(metadataFields.values());
    return new DecoderSettings<>(
            rowType,
            limits,
            tombstones,
            truncates,
            timePrecision,
            fieldNames.toArray(new String[0]),
            fieldMetadata.toArray(new Metadata[0]))
        .withUnavailableValue(
            unavailableValues == UnavailableValues.DEAD_LETTER
                ? new UnavailableValue(unavailableValuePlaceholder)
                : null)
        .withAvro(avroSchemas)
        .withSchemaLookupFailures(
            schemaLookupFailures != null
                ? schemaLookupFailures
                : Debezium.DEFAULT_SCHEMA_LOOKUP_FAILURES)
        .withKeyFormat(keyFormat);
  }
}
