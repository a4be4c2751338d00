package dev.etlkit.operators.cdc;

import dev.etlkit.core.Change;
import dev.etlkit.core.ErrorPolicy;
import dev.etlkit.core.EtlStep;
import dev.etlkit.core.RawRecord;
import dev.etlkit.core.StepContext;
import dev.etlkit.core.internal.Names;
import dev.etlkit.operators.JsonReadLimits;
import dev.etlkit.operators.PayloadInput;
import dev.etlkit.operators.avro.Avro;
import dev.etlkit.operators.avro.SchemaLookupFailures;
import dev.etlkit.operators.avro.SchemaProvider;
import dev.etlkit.operators.cdc.internal.DebeziumDecodingFunction;
import dev.etlkit.operators.cdc.internal.DecoderSettings;
import dev.etlkit.operators.cdc.internal.RowProperties;
import dev.etlkit.operators.cdc.internal.RowTypes;
import dev.etlkit.operators.cdc.internal.UnavailableValue;
import dev.etlkit.operators.internal.DecoderText;
import java.time.temporal.ChronoUnit;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;

/**
 * Decodes Debezium change events (JSON, with or without the Kafka Connect {@code schema}/{@code
 * payload} wrapper, or Avro in the Confluent wire format with {@link DecodeStep#withAvro}) into
 * typed changelog records, {@link Change Change&lt;T&gt;}.
 *
 * <p>Mapping of {@code op}: {@code c} and {@code r} (snapshot read) become {@code +I}; {@code u}
 * becomes {@code -U} (the {@code before} image) and {@code +U} (the {@code after} image), or only
 * {@code +U} when the event carries no complete before-image (PostgreSQL {@code REPLICA IDENTITY
 * DEFAULT}); {@code d} becomes {@code -D} with the {@code before} image, or with only the key
 * fields (from a key-only {@code before} or from the Kafka key). Kafka tombstones are skipped by
 * default ({@link Tombstones}), truncates become dead letters by default ({@link Truncates}).
 * Heartbeats, transaction {@code BEGIN}/{@code END} markers, schema-change records and PostgreSQL
 * logical-decoding messages ({@code op = m}) are skipped on purpose: they count as {@code filtered}
 * and each kind has its own counter ({@code METRIC_*}). Each is recognised by fields Debezium
 * always writes, so that a record flattened by Debezium's {@code ExtractNewRecordState} SMT (which
 * this step does not read) is a dead letter that says so, never skipped or misread, even when its
 * columns are named {@code status}, {@code ddl}, {@code ts_ms} or {@code op}.
 *
 * <p>Every emitted change carries the event time ({@code source.ts_ms}, else the envelope's {@code
 * ts_ms}) and the source position (PostgreSQL {@code source.lsn}; MySQL binlog {@code file} and
 * {@code pos} encoded as {@code fileIndex << 32 | pos}). Other source metadata (table, op, ...) can
 * be copied into fields of {@code T} with {@link DecodeStep#withMetadataField}.
 *
 * <p>A record that cannot be decoded (invalid JSON or UTF-8, a document over the {@link
 * JsonReadLimits}, a missing or unknown {@code op}, a missing image, a value that does not fit
 * {@code T}, a tombstone or key-less delete without a usable key) becomes exactly one dead letter
 * with the original bytes and the record's source coordinates; error messages never quote the
 * payload. Values are bound exactly or not at all: a fraction for an integer field, a number beyond
 * a {@code double}'s range, null for a primitive field or 2 for a {@code boolean} is a dead letter,
 * never a truncated, infinite, zero or {@code true} value.
 *
 * <pre>{@code
 * EtlStream<Change<Customer>> customers =
 *     Etl.from(kafkaRecords, "crm").apply(Debezium.decode("customers-cdc", Customer.class));
 * }</pre>
 */
@PublicEvolving
public final class Debezium {

  /** Tombstones are skipped (and counted) unless told otherwise. */
  public static final Tombstones DEFAULT_TOMBSTONES = Tombstones.SKIP;

  /** Kafka keys are read in the values' format (JSON, or Avro with {@code withAvro}). */
  public static final KeyFormat DEFAULT_KEY_FORMAT = KeyFormat.SAME_AS_VALUE;

  /** Truncate events become dead letters unless told otherwise. */
  public static final Truncates DEFAULT_TRUNCATES = Truncates.DEAD_LETTER;

  /** Updates holding Debezium's unavailable-value placeholder are dead letters by default. */
  public static final UnavailableValues DEFAULT_UNAVAILABLE_VALUES = UnavailableValues.DEAD_LETTER;

  /**
   * A failed schema lookup of {@link DecodeStep#withAvro} (the {@link SchemaProvider} throws: the
   * registry is down) fails the task unless told otherwise; see {@link SchemaLookupFailures}.
   */
  public static final SchemaLookupFailures DEFAULT_SCHEMA_LOOKUP_FAILURES =
      Avro.DEFAULT_SCHEMA_LOOKUP_FAILURES;

  /** Debezium's default {@code unavailable.value.placeholder}. */
  public static final String DEFAULT_UNAVAILABLE_VALUE_PLACEHOLDER = "__debezium_unavailable_value";

  /**
   * Unit of integer timestamps and times in events without a schema: milliseconds, as Debezium
   * writes them with {@code time.precision.mode=connect} and for MySQL {@code DATETIME(0..3)}.
   */
  public static final ChronoUnit DEFAULT_TIME_PRECISION = ChronoUnit.MILLIS;

  /** Counter of skipped heartbeat records ({@code {"ts_ms": ...}}). */
  public static final String METRIC_HEARTBEATS = "debeziumHeartbeats";

  /** Counter of skipped transaction {@code BEGIN}/{@code END} records. */
  public static final String METRIC_TRANSACTION_MARKERS = "debeziumTransactionMarkers";

  /** Counter of skipped schema-change (DDL) records. */
  public static final String METRIC_SCHEMA_CHANGES = "debeziumSchemaChanges";

  /** Counter of skipped tombstones (with {@link Tombstones#SKIP}). */
  public static final String METRIC_TOMBSTONES_SKIPPED = "debeziumTombstonesSkipped";

  /** Counter of skipped truncate events (with {@link Truncates#SKIP}). */
  public static final String METRIC_TRUNCATES_SKIPPED = "debeziumTruncatesSkipped";

  /** Counter of skipped PostgreSQL logical-decoding messages ({@code op = m}). */
  public static final String METRIC_LOGICAL_MESSAGES = "debeziumLogicalMessages";

  /** Counter of updates emitted as {@code +U} only, for lack of a complete before-image. */
  public static final String METRIC_UPDATES_WITHOUT_BEFORE = "debeziumUpdatesWithoutBefore";

  private Debezium() {}

  /**
   * A step decoding Debezium JSON change events of one table into {@code Change<T>}, reading {@link
   * RawRecord}s (so tombstones and Kafka keys are seen); use {@link DecodeStep#withInput} for
   * {@code byte[]} or {@code String} input.
   *
   * @param stepName the step's name in its pipeline
   * @param rowType a POJO or Java record with one property per column (Jackson names; unknown
   *     columns are ignored)
   * @throws IllegalArgumentException if the step name is invalid, or {@code rowType} or one of its
   *     fields has no Flink type (it would be serialized with Kryo; note that Flink's POJO analysis
   *     has no type for {@code java.time.LocalDate}, {@code LocalTime} and {@code LocalDateTime}
   *     fields: annotate them with {@code @TypeInfo}), or a column field is a {@code
   *     java.util.Date} or {@code java.sql.Date}, {@code Time} or {@code Timestamp} (whose values
   *     Jackson would read as epoch milliseconds whatever Debezium's unit: use {@code Instant},
   *     {@code LocalDateTime}, {@code LocalDate} or {@code LocalTime})
   */
  public static <T> DecodeStep<RawRecord, T> decode(String stepName, Class<T> rowType) {
    Names.requireValid(stepName, "step name");
    Objects.requireNonNull(rowType, "rowType");
    TypeInformation<T> valueType =
        RowTypes.requirePojoWithoutKryo(TypeInformation.of(rowType), rowType);
    RowProperties.requireNoLegacyDates(rowType);
    return new DecodeStep<>(
        stepName,
        rowType,
        Change.typeInfo(valueType),
        PayloadInput.rawRecords(),
        DecodeOptions.defaults());
  }

  /** What a Kafka tombstone (a key with a null value) becomes. */
  @PublicEvolving
  public enum Tombstones {
    /**
     * Skipped and counted ({@code filtered}, {@link #METRIC_TOMBSTONES_SKIPPED}). Debezium writes a
     * tombstone right after each {@code d} event, for log compaction only: the delete itself was
     * already emitted from the {@code d} event.
     */
    SKIP,
    /**
     * A key-only {@code -D} built from the Kafka key: for topics where deletes arrive as tombstones
     * only (for example after compaction removed the {@code d} event). After a {@code d} event this
     * is a second delete of the same key.
     */
    DELETE
  }

  /**
   * How the Kafka key of a record is read. The step reads a key only where the value cannot give
   * the row: for a tombstone with {@link Tombstones#DELETE}, and for a {@code d} event without a
   * before-image. Kafka Connect converts keys and values with separate converters ({@code
   * key.converter}, {@code value.converter}), so they may differ.
   */
  @PublicEvolving
  public enum KeyFormat {
    /**
     * In the values' format: JSON as Kafka Connect's {@code JsonConverter} writes it, or with
     * {@link DecodeStep#withAvro} the Confluent wire format of {@code AvroConverter}.
     */
    SAME_AS_VALUE,
    /**
     * JSON as Kafka Connect's {@code JsonConverter} writes it ({@code
     * key.converter=org.apache.kafka.connect.json.JsonConverter}), with or without the {@code
     * schema}/{@code payload} wrapper, whatever the values' format: for Avro values with JSON keys.
     * With JSON values this is the default.
     */
    JSON,
    /**
     * Not read at all, as Flink SQL's {@code debezium-avro-confluent} format: for keys in a format
     * the step cannot read ({@code key.converter=org.apache.kafka.connect.storage.StringConverter}
     * writes a key as {@code Struct{id=1}}). Tombstones are then skipped ({@link Tombstones#SKIP},
     * the only choice: a step with {@link Tombstones#DELETE} is refused when applied), and a {@code
     * d} event without a before-image is a dead letter, as no row can be built for it.
     */
    IGNORED
  }

  /** What a truncate event ({@code op = t}) becomes. */
  @PublicEvolving
  public enum Truncates {
    /**
     * A dead letter ({@code UnsupportedOperationException}): a truncate deletes every row of the
     * table, which no row-level change can express, so the records downstream diverge from the
     * table until it is re-snapshotted.
     */
    DEAD_LETTER,
    /** Skipped and counted ({@code filtered}, {@link #METRIC_TRUNCATES_SKIPPED}). */
    SKIP
  }

  /**
   * What an update becomes when a column holds Debezium's {@code unavailable.value.placeholder}
   * (see {@link DecodeStep#withUnavailableValuePlaceholder}): PostgreSQL sends no value for an
   * unchanged TOAST column (a large text, bytea, array or JSON value) under {@code REPLICA IDENTITY
   * DEFAULT}, and Debezium writes the placeholder in its place, in the column's form (the text,
   * base64 or hex text for binary columns, the map of the text to itself or its JSON text for an
   * {@code hstore}, a one-element array of the text, of the UUID of its bytes or of its bytes for a
   * text, {@code uuid[]} or {@code bytea[]} array, the placeholder's bytes as the numbers of a
   * number array).
   */
  @PublicEvolving
  public enum UnavailableValues {
    /**
     * A dead letter ({@code IllegalArgumentException} naming the column): bound, the placeholder
     * would enter the row as its value and reach every step and sink after this one.
     */
    DEAD_LETTER,
    /**
     * Bound as it is (the placeholder text, or its bytes or numbers, in the field), for jobs that
     * recognise it themselves, for example to keep the column's previous value.
     */
    BIND
  }

  /**
   * Source metadata of a change event that {@link DecodeStep#withMetadataField} can copy into a
   * field of the row type. Absent metadata (a MySQL event has no LSN) leaves the field null.
   */
  @PublicEvolving
  public enum Metadata {
    /** {@code op}: {@code c}, {@code r}, {@code u} or {@code d}. */
    OP(String.class),
    /** Envelope {@code ts_ms}: when the connector processed the event (epoch milliseconds). */
    TS_MS(Long.class),
    /** {@code source.ts_ms}: when the change was made in the database (epoch milliseconds). */
    SOURCE_TS_MS(Long.class),
    /** {@code source.connector}: {@code postgresql}, {@code mysql}, ... */
    CONNECTOR(String.class),
    /** {@code source.db}: the database. */
    DB(String.class),
    /** {@code source.schema}: the schema (PostgreSQL). */
    SCHEMA(String.class),
    /** {@code source.table}: the table. */
    TABLE(String.class),
    /** {@code source.snapshot} as text: {@code true}, {@code last}, {@code false}, ... */
    SNAPSHOT(String.class),
    /** {@code source.lsn}: the PostgreSQL log sequence number. */
    LSN(Long.class),
    /** {@code source.txId}: the PostgreSQL transaction id. */
    TX_ID(Long.class),
    /** {@code source.file}: the MySQL binlog file name. */
    BINLOG_FILE(String.class),
    /** {@code source.pos}: the position in the MySQL binlog file. */
    BINLOG_POS(Long.class),
    /** {@code source.row}: the row within the MySQL binlog event. */
    BINLOG_ROW(Integer.class);

    private final Class<?> valueType;

    Metadata(Class<?> valueType) {
      this.valueType = valueType;
    }

    /**
     * The type of the value: a field receiving it must have this type (or its primitive, or {@code
     * long}/{@code Long} for {@code Integer}).
     */
    public Class<?> valueType() {
      return valueType;
    }
  }

  /**
   * See {@link Debezium#decode}. Immutable; every {@code withX} returns a new spec.
   *
   * @param <I> the input record type
   * @param <T> the row type
   */
  @PublicEvolving
  public static final class DecodeStep<I, T> implements EtlStep<I, Change<T>> {
    private final String name;
    private final Class<T> rowType;
    private final TypeInformation<Change<T>> outputType;
    private final PayloadInput<I> input;
    private final DecodeOptions options;

    private DecodeStep(
        String name,
        Class<T> rowType,
        TypeInformation<Change<T>> outputType,
        PayloadInput<I> input,
        DecodeOptions options) {
      this.name = name;
      this.rowType = rowType;
      this.outputType = outputType;
      this.input = input;
      this.options = options;
    }

    /** This step with other options. */
    private DecodeStep<I, T> with(DecodeOptions changed) {
      return new DecodeStep<>(name, rowType, outputType, input, changed);
    }

    /**
     * Reads another input type: {@link PayloadInput#bytes()} or {@link PayloadInput#text()} (no
     * keys, so no tombstones and no key-only deletes from the key), or your own.
     */
    public <J> DecodeStep<J, T> withInput(PayloadInput<J> newInput) {
      return new DecodeStep<>(
          name, rowType, outputType, Objects.requireNonNull(newInput, "input"), options);
    }

    /**
     * Overrides the pipeline's error policy for this step. A second call replaces the policy;
     * {@link #withPipelineErrorPolicy()} gives the pipeline's default back.
     */
    public DecodeStep<I, T> withErrorPolicy(ErrorPolicy policy) {
      return with(options.withErrorPolicy(Objects.requireNonNull(policy, "policy")));
    }

    /**
     * Uses the pipeline's default error policy ({@code EtlPipeline.defaultErrorPolicy}, else dead
     * letters), the default, undoing {@link #withErrorPolicy} on a step derived from one that has
     * it: the step is then the step that never had a policy of its own.
     */
    public DecodeStep<I, T> withPipelineErrorPolicy() {
      return with(options.withErrorPolicy(null));
    }

    /** Limits on each record's value and key ({@link JsonReadLimits#defaults()} by default). */
    public DecodeStep<I, T> withReadLimits(JsonReadLimits readLimits) {
      return with(options.withLimits(Objects.requireNonNull(readLimits, "readLimits")));
    }

    /** What tombstones become ({@link #DEFAULT_TOMBSTONES}: skipped). */
    public DecodeStep<I, T> withTombstones(Tombstones handling) {
      return with(options.withTombstones(Objects.requireNonNull(handling, "tombstones")));
    }

    /**
     * How Kafka keys are read ({@link #DEFAULT_KEY_FORMAT}: in the values' format). Keys are read
     * only for tombstones with {@link Tombstones#DELETE} and for deletes without a before-image;
     * see {@link KeyFormat}. {@link KeyFormat#JSON} with JSON values is the default and accepted.
     * Refused when the step is applied: {@link KeyFormat#IGNORED} with {@link Tombstones#DELETE},
     * and {@code JSON} or {@code IGNORED} on {@link PayloadInput#bytes()} or {@link
     * PayloadInput#text()} input, which carries no keys.
     */
    public DecodeStep<I, T> withKeyFormat(KeyFormat format) {
      return with(options.withKeyFormat(Objects.requireNonNull(format, "keyFormat")));
    }

    /** What truncate events become ({@link #DEFAULT_TRUNCATES}: dead letters). */
    public DecodeStep<I, T> withTruncates(Truncates handling) {
      return with(options.withTruncates(Objects.requireNonNull(handling, "truncates")));
    }

    /**
     * The unit of integer timestamps ({@code LocalDateTime}, {@code Instant} fields) and times
     * ({@code LocalTime} fields) in events without a schema ({@link #DEFAULT_TIME_PRECISION}:
     * milliseconds). Events with a schema carry each column's unit ({@code
     * io.debezium.time.MicroTimestamp}, ...) and ignore this option.
     *
     * @param unit {@code MILLIS}, {@code MICROS} or {@code NANOS}
     */
    public DecodeStep<I, T> withTimePrecision(ChronoUnit unit) {
      Objects.requireNonNull(unit, "timePrecision");
      if (unit != ChronoUnit.MILLIS && unit != ChronoUnit.MICROS && unit != ChronoUnit.NANOS) {
        throw new IllegalArgumentException(
            "timePrecision must be MILLIS, MICROS or NANOS, was " + unit.name());
      }
      return with(options.withTimePrecision(unit));
    }

    /**
     * Copies a piece of source metadata into the property {@code field} of every decoded row
     * (before and after images alike; key-only deletes from tombstones carry none). The value
     * replaces a column of the same name, so pick a name no column has.
     *
     * @param field a property of the row type (its JSON name) of the metadata's {@link
     *     Metadata#valueType() type}
     * @throws IllegalArgumentException if the row type has no such property, its type does not fit,
     *     or the field already receives metadata
     */
    public DecodeStep<I, T> withMetadataField(String field, Metadata metadata) {
      Objects.requireNonNull(field, "field");
      Objects.requireNonNull(metadata, "metadata");
      Map<String, Metadata> metadataFields = options.metadataFields();
      if (metadataFields.containsKey(field)) {
        throw new IllegalArgumentException(
            "metadata field '" + field + "' already receives " + metadataFields.get(field));
      }
      RowProperties.requireMetadataField(rowType, field, metadata.valueType());
      Map<String, Metadata> fields = new LinkedHashMap<>(metadataFields);
      fields.put(field, metadata);
      return with(options.withMetadataFields(Collections.unmodifiableMap(fields)));
    }

    /**
     * What an update whose column holds the unavailable-value placeholder becomes ({@link
     * #DEFAULT_UNAVAILABLE_VALUES}: a dead letter naming the column).
     */
    public DecodeStep<I, T> withUnavailableValues(UnavailableValues handling) {
      return with(
          options.withUnavailableValues(Objects.requireNonNull(handling, "unavailableValues")));
    }

    /**
     * The connector's {@code unavailable.value.placeholder}, when it is not Debezium's default
     * ({@link #DEFAULT_UNAVAILABLE_VALUE_PLACEHOLDER}), written as in the connector's
     * configuration: the text, or {@code hex:} and its bytes in hex.
     *
     * @throws IllegalArgumentException if it is empty, or {@code hex:} is not followed by hex
     *     digits
     */
    public DecodeStep<I, T> withUnavailableValuePlaceholder(String placeholder) {
      new UnavailableValue(Objects.requireNonNull(placeholder, "placeholder")); // validates it
      return with(options.withUnavailableValuePlaceholder(placeholder));
    }

    /**
     * Reads values and keys written by Confluent's {@code AvroConverter} (Flink SQL's {@code
     * debezium-avro-confluent}) instead of JSON: the Confluent wire format (magic byte {@code 0},
     * the writer schema's 4-byte registry id, Avro binary), whose writer schemas come from {@code
     * schemas}. A value decodes exactly as the same event written by Kafka Connect's {@code
     * JsonConverter} with the schema wrapper: the same ops, images, tombstones (a null value),
     * skipped records, metadata, conversions and dead letters. Each column's encoding comes from
     * the {@code connect.name} and {@code connect.parameters} properties {@code AvroConverter}
     * writes on its Avro schema ({@code io.debezium.time.MicroTimestamp}, a decimal's {@code
     * scale}), else from its Avro logical type; {@code bytes} are read as the base64 text {@code
     * JsonConverter} writes for them, so a Kafka Connect decimal becomes its number.
     *
     * <p>Records not in the wire format (another magic byte, fewer than 5 bytes), with a schema id
     * the provider does not know (it returns null), truncated or malformed Avro data, and values
     * whose schema is no record become dead letters ({@code AvroFormatException}, or {@code
     * IllegalArgumentException} for a record that is no Debezium event). A provider that throws
     * (the registry is down) fails the task by default, so that Flink restarts it with its restart
     * strategy's backoff instead of every record becoming a dead letter: see {@link
     * #withSchemaLookupFailures}. The read limits apply: {@code maxDocumentBytes} to the value and
     * key bytes, {@code maxNestingDepth} and {@code maxStringLength} to the decoded data, {@code
     * maxNumberLength} to decimals. {@link SchemaProvider#open()} and {@link
     * SchemaProvider#close()} are called once per subtask; an exception of {@code open()} fails the
     * task.
     *
     * <p>Keys are read in the same format by default; for keys that {@code JsonConverter} wrote
     * beside Avro values, or keys in no readable format, see {@link #withKeyFormat}.
     *
     * <p>The input must be binary: {@link PayloadInput#rawRecords()} (the default) or {@link
     * PayloadInput#bytes()}; a step reading {@link PayloadInput#text()} is refused when applied.
     *
     * @param schemas the writer schemas by registry id (a registry client, or {@link
     *     SchemaProvider#of} for fixed schemas)
     */
    public DecodeStep<I, T> withAvro(SchemaProvider schemas) {
      return with(options.withAvro(Objects.requireNonNull(schemas, "schemas")));
    }

    /**
     * What an exception of the {@link SchemaProvider} of {@link #withAvro} does ({@link
     * #DEFAULT_SCHEMA_LOOKUP_FAILURES}: the task fails and Flink restarts it). {@link
     * SchemaLookupFailures#DEAD_LETTER} makes the record at hand a dead letter instead, as before
     * this option existed. An unknown id is a dead letter either way.
     */
    public DecodeStep<I, T> withSchemaLookupFailures(SchemaLookupFailures handling) {
      return with(
          options.withSchemaLookupFailures(
              Objects.requireNonNull(handling, "schemaLookupFailures")));
    }

    /** The type of the step's output: {@code Change<T>} with the row type's POJO type. */
    public TypeInformation<Change<T>> outputType() {
      return outputType;
    }

    @Override
    public String name() {
      return name;
    }

    /**
     * Adds the decoding operator.
     *
     * @throws IllegalArgumentException if the stream's type is not the input type (see {@link
     *     #withInput}), {@link #withSchemaLookupFailures} was set without {@link #withAvro}, {@link
     *     KeyFormat#IGNORED} keys meet {@link Tombstones#DELETE}, or a key format other than {@link
     *     KeyFormat#SAME_AS_VALUE} meets {@link PayloadInput#bytes()} or {@link
     *     PayloadInput#text()} input (which has no keys)
     */
    @Override
    public DataStream<Change<T>> expand(DataStream<I> stream, StepContext context) {
      if (!stream.getType().equals(input.type())) {
        throw new IllegalArgumentException(
            "step '"
                + name
                + "' reads "
                + input.type()
                + " records but the stream carries "
                + stream.getType()
                + ": choose the input with withInput(PayloadInput.bytes() / text() / rawRecords())");
      }
      if (options.avroSchemas() != null && input == PayloadInput.text()) {
        throw new IllegalArgumentException(
            "step '"
                + name
                + "' reads Avro, which is binary: text input cannot carry it; read the records"
                + " as PayloadInput.bytes() or rawRecords()");
      }
      if (options.schemaLookupFailures() != null && options.avroSchemas() == null) {
        throw new IllegalArgumentException(
            "step '"
                + name
                + "': withSchemaLookupFailures is about the SchemaProvider of withAvro, which this"
                + " step does not use (it reads JSON)");
      }
      if (options.keyFormat() == KeyFormat.IGNORED && options.tombstones() == Tombstones.DELETE) {
        throw new IllegalArgumentException(
            "step '"
                + name
                + "': withTombstones(DELETE) builds each delete from the Kafka key, which"
                + " withKeyFormat(IGNORED) does not read: skip tombstones or read the keys");
      }
      if (options.keyFormat() != KeyFormat.SAME_AS_VALUE
          && (input == PayloadInput.text() || input == PayloadInput.bytes())) {
        throw new IllegalArgumentException(
            "step '"
                + name
                + "': withKeyFormat("
                + options.keyFormat()
                + ") is about Kafka keys, which its input does not carry (PayloadInput.text() and"
                + " bytes() read values only): read PayloadInput.rawRecords()");
      }
      DecoderSettings<T> settings = options.settings(rowType);
      SingleOutputStreamOperator<Change<T>> decoded =
          context.named(
              stream.process(
                  new DebeziumDecodingFunction<>(
                      input, context.errorHandler(options.errorPolicy()), settings),
                  outputType));
      context.addDeadLettersOf(decoded);
      return decoded;
    }

    /**
     * The step's name, row type and the options set, for logs. A {@link SchemaProvider} other than
     * {@link SchemaProvider#of} is named by its class, never by its text, which may hold a registry
     * URL with credentials.
     */
    @Override
    public String toString() {
      return "Debezium.DecodeStep{"
          + name
          + ", type="
          + rowType.getSimpleName()
          + (input != PayloadInput.rawRecords() ? ", input=" + DecoderText.describe(input) : "")
          + (options.limits() != JsonReadLimits.defaults()
              ? ", readLimits=" + options.limits()
              : "")
          + (options.tombstones() != DEFAULT_TOMBSTONES
              ? ", tombstones=" + options.tombstones()
              : "")
          + (options.keyFormat() != DEFAULT_KEY_FORMAT ? ", keyFormat=" + options.keyFormat() : "")
          + (options.truncates() != DEFAULT_TRUNCATES ? ", truncates=" + options.truncates() : "")
          + (options.timePrecision() != DEFAULT_TIME_PRECISION
              ? ", timePrecision=" + options.timePrecision().name()
              : "")
          + (options.metadataFields().isEmpty()
              ? ""
              : ", metadataFields=" + options.metadataFields())
          + (options.unavailableValues() != DEFAULT_UNAVAILABLE_VALUES
              ? ", unavailableValues=" + options.unavailableValues()
              : "")
          + (!options.unavailableValuePlaceholder().equals(DEFAULT_UNAVAILABLE_VALUE_PLACEHOLDER)
              ? ", unavailableValuePlaceholder=" + options.unavailableValuePlaceholder()
              : "")
          + (options.avroSchemas() != null
              ? ", avro=" + DecoderText.describe(options.avroSchemas())
              : "")
          + (options.schemaLookupFailures() != null
              ? ", schemaLookupFailures=" + options.schemaLookupFailures()
              : "")
          + (options.errorPolicy() != null ? ", errorPolicy=" + options.errorPolicy() : "")
          + "}";
    }
  }
}
