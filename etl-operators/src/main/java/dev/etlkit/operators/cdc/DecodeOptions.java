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
import java.util.function.Consumer;
import javax.annotation.Nullable;

/**
 * The options of a {@link Debezium.DecodeStep} beside its name, row type and input, as its {@code
 * withX} methods set them, and the {@link DecoderSettings} they become when the step is applied.
 * Immutable: each {@code withX} returns a copy with one option changed (as {@code LookupRetry}'s
 * values do). The step checks each value before it gets here.
 */
final class DecodeOptions implements Cloneable {
  @Nullable private ErrorPolicy errorPolicy;
  private JsonReadLimits limits;
  private Tombstones tombstones;
  private Truncates truncates;
  private ChronoUnit timePrecision;
  private Map<String, Metadata> metadataFields;
  private UnavailableValues unavailableValues;
  private String unavailableValuePlaceholder;
  @Nullable private SchemaProvider avroSchemas;
  @Nullable private SchemaLookupFailures schemaLookupFailures;
  private KeyFormat keyFormat;

  private DecodeOptions() {}

  /** The options of a new step: {@link Debezium}'s defaults. */
  static DecodeOptions defaults() {
    DecodeOptions options = new DecodeOptions();
    options.limits = JsonReadLimits.defaults();
    options.tombstones = Debezium.DEFAULT_TOMBSTONES;
    options.truncates = Debezium.DEFAULT_TRUNCATES;
    options.timePrecision = Debezium.DEFAULT_TIME_PRECISION;
    options.metadataFields = Map.of();
    options.unavailableValues = Debezium.DEFAULT_UNAVAILABLE_VALUES;
    options.unavailableValuePlaceholder = Debezium.DEFAULT_UNAVAILABLE_VALUE_PLACEHOLDER;
    options.keyFormat = Debezium.DEFAULT_KEY_FORMAT;
    return options;
  }

  /** A copy with {@code change} made to it: this one never changes. */
  private DecodeOptions with(Consumer<DecodeOptions> change) {
    DecodeOptions copy;
    try {
      copy = (DecodeOptions) clone();
    } catch (CloneNotSupportedException e) {
      throw new AssertionError(e);
    }
    change.accept(copy);
    return copy;
  }

  /** The step's own error policy; null: the pipeline's. */
  @Nullable
  ErrorPolicy errorPolicy() {
    return errorPolicy;
  }

  JsonReadLimits limits() {
    return limits;
  }

  Tombstones tombstones() {
    return tombstones;
  }

  Truncates truncates() {
    return truncates;
  }

  ChronoUnit timePrecision() {
    return timePrecision;
  }

  UnavailableValues unavailableValues() {
    return unavailableValues;
  }

  String unavailableValuePlaceholder() {
    return unavailableValuePlaceholder;
  }

  /** The properties receiving source metadata, in the order they were added. */
  Map<String, Metadata> metadataFields() {
    return metadataFields;
  }

  /** Where Avro writer schemas come from; null: the step reads JSON. */
  @Nullable
  SchemaProvider avroSchemas() {
    return avroSchemas;
  }

  /** As set with {@code withSchemaLookupFailures}; null: not set. */
  @Nullable
  SchemaLookupFailures schemaLookupFailures() {
    return schemaLookupFailures;
  }

  /** How Kafka keys are read. */
  KeyFormat keyFormat() {
    return keyFormat;
  }

  DecodeOptions withErrorPolicy(@Nullable ErrorPolicy policy) {
    return with(o -> o.errorPolicy = policy);
  }

  DecodeOptions withLimits(JsonReadLimits readLimits) {
    return with(o -> o.limits = readLimits);
  }

  DecodeOptions withTombstones(Tombstones handling) {
    return with(o -> o.tombstones = handling);
  }

  DecodeOptions withTruncates(Truncates handling) {
    return with(o -> o.truncates = handling);
  }

  DecodeOptions withTimePrecision(ChronoUnit unit) {
    return with(o -> o.timePrecision = unit);
  }

  /**
   * @param fields every metadata field, an unmodifiable map
   */
  DecodeOptions withMetadataFields(Map<String, Metadata> fields) {
    return with(o -> o.metadataFields = fields);
  }

  DecodeOptions withUnavailableValues(UnavailableValues handling) {
    return with(o -> o.unavailableValues = handling);
  }

  DecodeOptions withUnavailableValuePlaceholder(String placeholder) {
    return with(o -> o.unavailableValuePlaceholder = placeholder);
  }

  DecodeOptions withAvro(SchemaProvider schemas) {
    return with(o -> o.avroSchemas = schemas);
  }

  DecodeOptions withSchemaLookupFailures(SchemaLookupFailures handling) {
    return with(o -> o.schemaLookupFailures = handling);
  }

  DecodeOptions withKeyFormat(KeyFormat format) {
    return with(o -> o.keyFormat = format);
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
