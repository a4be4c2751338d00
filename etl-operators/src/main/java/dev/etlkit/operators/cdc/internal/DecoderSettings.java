package dev.etlkit.operators.cdc.internal;

import dev.etlkit.operators.JsonReadLimits;
import dev.etlkit.operators.avro.Avro;
import dev.etlkit.operators.avro.SchemaLookupFailures;
import dev.etlkit.operators.avro.SchemaProvider;
import dev.etlkit.operators.cdc.Debezium;
import dev.etlkit.operators.cdc.Debezium.KeyFormat;
import dev.etlkit.operators.cdc.Debezium.Metadata;
import dev.etlkit.operators.cdc.Debezium.Tombstones;
import dev.etlkit.operators.cdc.Debezium.Truncates;
import java.io.Serializable;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Objects;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;

/** The options of a Debezium decode step, as the decoding function carries them to the cluster. */
@Internal
public final class DecoderSettings<T> implements Serializable {
  private static final long serialVersionUID = 1L;

  final Class<T> rowType;
  final JsonReadLimits limits;
  final Tombstones tombstones;
  final Truncates truncates;
  final ChronoUnit timePrecision;
  final String[] metadataFields;
  final Metadata[] metadata;

  /** The placeholder whose updates are dead letters; null: bound as it is. */
  @Nullable final UnavailableValue unavailableValue;

  /** Where the writer schemas of Avro records come from; null: records are JSON. */
  @Nullable final SchemaProvider avroSchemas;

  /** What an exception of {@link #avroSchemas} does. */
  final SchemaLookupFailures schemaLookupFailures;

  /** How Kafka keys are read: in the values' format, as JSON, or not at all. */
  final KeyFormat keyFormat;

  /** The most array and map items one Avro value or key may hold (as {@code Avro.decode}). */
  static final long AVRO_MAX_COLLECTION_ITEMS = Avro.DEFAULT_MAX_COLLECTION_ITEMS;

  /** Settings that dead-letter updates holding Debezium's default placeholder. */
  public DecoderSettings(
      Class<T> rowType,
      JsonReadLimits limits,
      Tombstones tombstones,
      Truncates truncates,
      ChronoUnit timePrecision,
      String[] metadataFields,
      Metadata[] metadata) {
    this(
        rowType,
        limits,
        tombstones,
        truncates,
        timePrecision,
        metadataFields,
        metadata,
        new UnavailableValue(Debezium.DEFAULT_UNAVAILABLE_VALUE_PLACEHOLDER),
        null,
        Avro.DEFAULT_SCHEMA_LOOKUP_FAILURES,
        Debezium.DEFAULT_KEY_FORMAT);
  }

  private DecoderSettings(
      Class<T> rowType,
      JsonReadLimits limits,
      Tombstones tombstones,
      Truncates truncates,
      ChronoUnit timePrecision,
      String[] metadataFields,
      Metadata[] metadata,
      @Nullable UnavailableValue unavailableValue,
      @Nullable SchemaProvider avroSchemas,
      SchemaLookupFailures schemaLookupFailures,
      KeyFormat keyFormat) {
    this.keyFormat = Objects.requireNonNull(keyFormat, "keyFormat");
    this.unavailableValue = unavailableValue;
    this.avroSchemas = avroSchemas;
    this.schemaLookupFailures =
        Objects.requireNonNull(schemaLookupFailures, "schemaLookupFailures");
    this.rowType = Objects.requireNonNull(rowType, "rowType");
    this.limits = Objects.requireNonNull(limits, "limits");
    this.tombstones = Objects.requireNonNull(tombstones, "tombstones");
    this.truncates = Objects.requireNonNull(truncates, "truncates");
    this.timePrecision = Objects.requireNonNull(timePrecision, "timePrecision");
    if (metadataFields.length != metadata.length) {
      throw new IllegalArgumentException("one metadata kind per metadata field");
    }
    this.metadataFields = metadataFields.clone();
    this.metadata = metadata.clone();
  }

  /** The row type. */
  public Class<T> rowType() {
    return rowType;
  }

  /** Defaults of {@code Debezium.decode}, for tests and direct use of the decoder. */
  public static <T> DecoderSettings<T> defaults(Class<T> rowType) {
    return new DecoderSettings<>(
        rowType,
        JsonReadLimits.defaults(),
        Tombstones.SKIP,
        Truncates.DEAD_LETTER,
        ChronoUnit.MILLIS,
        new String[0],
        new Metadata[0]);
  }

  /** The schema provider of Avro records, or null when records are JSON. */
  @Nullable
  public SchemaProvider avroSchemas() {
    return avroSchemas;
  }

  /** Reads values and keys in the Confluent wire format with these schemas; null: JSON. */
  public DecoderSettings<T> withAvro(@Nullable SchemaProvider schemas) {
    return new DecoderSettings<>(
        rowType,
        limits,
        tombstones,
        truncates,
        timePrecision,
        metadataFields,
        metadata,
        unavailableValue,
        schemas,
        schemaLookupFailures,
        keyFormat);
  }

  /** What an exception of the Avro schema provider does. */
  public DecoderSettings<T> withSchemaLookupFailures(SchemaLookupFailures handling) {
    return new DecoderSettings<>(
        rowType,
        limits,
        tombstones,
        truncates,
        timePrecision,
        metadataFields,
        metadata,
        unavailableValue,
        avroSchemas,
        handling,
        keyFormat);
  }

  /** How Kafka keys are read. */
  public DecoderSettings<T> withKeyFormat(KeyFormat format) {
    return new DecoderSettings<>(
        rowType,
        limits,
        tombstones,
        truncates,
        timePrecision,
        metadataFields,
        metadata,
        unavailableValue,
        avroSchemas,
        schemaLookupFailures,
        format);
  }

  /** Dead-letters updates holding {@code placeholder}; null binds it as it is. */
  public DecoderSettings<T> withUnavailableValue(@Nullable UnavailableValue placeholder) {
    return new DecoderSettings<>(
        rowType,
        limits,
        tombstones,
        truncates,
        timePrecision,
        metadataFields,
        metadata,
        placeholder,
        avroSchemas,
        schemaLookupFailures,
        keyFormat);
  }

  public DecoderSettings<T> withTombstones(Tombstones handling) {
    return new DecoderSettings<>(
        rowType,
        limits,
        handling,
        truncates,
        timePrecision,
        metadataFields,
        metadata,
        unavailableValue,
        avroSchemas,
        schemaLookupFailures,
        keyFormat);
  }

  public DecoderSettings<T> withTruncates(Truncates handling) {
    return new DecoderSettings<>(
        rowType,
        limits,
        tombstones,
        handling,
        timePrecision,
        metadataFields,
        metadata,
        unavailableValue,
        avroSchemas,
        schemaLookupFailures,
        keyFormat);
  }

  public DecoderSettings<T> withTimePrecision(ChronoUnit unit) {
    return new DecoderSettings<>(
        rowType,
        limits,
        tombstones,
        truncates,
        unit,
        metadataFields,
        metadata,
        unavailableValue,
        avroSchemas,
        schemaLookupFailures,
        keyFormat);
  }

  public DecoderSettings<T> withLimits(JsonReadLimits readLimits) {
    return new DecoderSettings<>(
        rowType,
        readLimits,
        tombstones,
        truncates,
        timePrecision,
        metadataFields,
        metadata,
        unavailableValue,
        avroSchemas,
        schemaLookupFailures,
        keyFormat);
  }

  public DecoderSettings<T> withMetadataField(String field, Metadata kind) {
    String[] fields = Arrays.copyOf(metadataFields, metadataFields.length + 1);
    Metadata[] kinds = Arrays.copyOf(metadata, metadata.length + 1);
    fields[fields.length - 1] = field;
    kinds[kinds.length - 1] = kind;
    return new DecoderSettings<>(
        rowType,
        limits,
        tombstones,
        truncates,
        timePrecision,
        fields,
        kinds,
        unavailableValue,
        avroSchemas,
        schemaLookupFailures,
        keyFormat);
  }
}
