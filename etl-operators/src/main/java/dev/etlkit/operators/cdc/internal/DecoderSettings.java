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

  // The options are not final so that each withX sets its one field on a copy (copy()); no field
  // changes once the copy is returned.
  final Class<T> rowType;
  JsonReadLimits limits;
  Tombstones tombstones;
  Truncates truncates;
  ChronoUnit timePrecision;
  String[] metadataFields;
  Metadata[] metadata;

  /** The placeholder whose updates are dead letters; null: bound as it is. */
  @Nullable UnavailableValue unavailableValue;

  /** Where the writer schemas of Avro records come from; null: records are JSON. */
  @Nullable SchemaProvider avroSchemas;

  /** What an exception of {@link #avroSchemas} does. */
  SchemaLookupFailures schemaLookupFailures;

  /** How Kafka keys are read: in the values' format, as JSON, or not at all. */
  KeyFormat keyFormat;

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
    this.unavailableValue = new UnavailableValue(Debezium.DEFAULT_UNAVAILABLE_VALUE_PLACEHOLDER);
    this.schemaLookupFailures = Avro.DEFAULT_SCHEMA_LOOKUP_FAILURES;
    this.keyFormat = Debezium.DEFAULT_KEY_FORMAT;
  }

  /** A copy of {@code from}, for one withX to change (the arrays are shared: never written). */
  private DecoderSettings(DecoderSettings<T> from) {
    rowType = from.rowType;
    limits = from.limits;
    tombstones = from.tombstones;
    truncates = from.truncates;
    timePrecision = from.timePrecision;
    metadataFields = from.metadataFields;
    metadata = from.metadata;
    unavailableValue = from.unavailableValue;
    avroSchemas = from.avroSchemas;
    schemaLookupFailures = from.schemaLookupFailures;
    keyFormat = from.keyFormat;
  }

  private DecoderSettings<T> copy() {
    return new DecoderSettings<>(this);
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
    DecoderSettings<T> copy = copy();
    copy.avroSchemas = schemas;
    return copy;
  }

  /** What an exception of the Avro schema provider does. */
  public DecoderSettings<T> withSchemaLookupFailures(SchemaLookupFailures handling) {
    DecoderSettings<T> copy = copy();
    copy.schemaLookupFailures = Objects.requireNonNull(handling, "schemaLookupFailures");
    return copy;
  }

  /** How Kafka keys are read. */
  public DecoderSettings<T> withKeyFormat(KeyFormat format) {
    DecoderSettings<T> copy = copy();
    copy.keyFormat = Objects.requireNonNull(format, "keyFormat");
    return copy;
  }

  /** Dead-letters updates holding {@code placeholder}; null binds it as it is. */
  public DecoderSettings<T> withUnavailableValue(@Nullable UnavailableValue placeholder) {
    DecoderSettings<T> copy = copy();
    copy.unavailableValue = placeholder;
    return copy;
  }

  public DecoderSettings<T> withTombstones(Tombstones handling) {
    DecoderSettings<T> copy = copy();
    copy.tombstones = Objects.requireNonNull(handling, "tombstones");
    return copy;
  }

  public DecoderSettings<T> withTruncates(Truncates handling) {
    DecoderSettings<T> copy = copy();
    copy.truncates = Objects.requireNonNull(handling, "truncates");
    return copy;
  }

  public DecoderSettings<T> withTimePrecision(ChronoUnit unit) {
    DecoderSettings<T> copy = copy();
    copy.timePrecision = Objects.requireNonNull(unit, "timePrecision");
    return copy;
  }

  public DecoderSettings<T> withLimits(JsonReadLimits readLimits) {
    DecoderSettings<T> copy = copy();
    copy.limits = Objects.requireNonNull(readLimits, "limits");
    return copy;
  }

  public DecoderSettings<T> withMetadataField(String field, Metadata kind) {
    DecoderSettings<T> copy = copy();
    copy.metadataFields = Arrays.copyOf(metadataFields, metadataFields.length + 1);
    copy.metadata = Arrays.copyOf(metadata, metadata.length + 1);
    copy.metadataFields[metadataFields.length] = field;
    copy.metadata[metadata.length] = kind;
    return copy;
  }
}
