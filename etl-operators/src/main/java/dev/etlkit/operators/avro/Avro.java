package dev.etlkit.operators.avro;

import dev.etlkit.core.ErrorPolicy;
import dev.etlkit.core.EtlStep;
import dev.etlkit.core.RawRecord;
import dev.etlkit.core.StepContext;
import dev.etlkit.core.internal.Names;
import dev.etlkit.operators.JsonReadLimits;
import dev.etlkit.operators.PayloadInput;
import dev.etlkit.operators.avro.internal.AvroExpansion;
import dev.etlkit.operators.avro.internal.AvroRecordTypeInfo;
import dev.etlkit.operators.avro.internal.DecodeOptions;
import dev.etlkit.operators.avro.internal.DecodeStepRules;
import dev.etlkit.operators.avro.internal.PojoToAvro;
import dev.etlkit.operators.avro.internal.RecordModel;
import dev.etlkit.operators.avro.internal.WriteStepRules;
import dev.etlkit.operators.internal.DecoderText;
import java.util.Objects;
import javax.annotation.Nullable;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.IndexedRecord;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.datastream.DataStream;

/**
 * Avro steps: bytes to records and back, plain JSON to records and back, Java objects to records,
 * with schema evolution, logical types and the Confluent wire format.
 *
 * <pre>{@code
 * Avro.decode("parse", orderSchema, PayloadInput.rawRecords())
 *     .withConfluentWireFormat(SchemaProvider.of(Map.of(1, orderV1, 2, orderV2)))
 * Avro.encode("to-avro", orderSchema).withConfluentSchemaId(2)
 * }</pre>
 *
 * <p>What every step guarantees:
 *
 * <ul>
 *   <li>A record that cannot be decoded, converted or encoded (or is written longer than {@link
 *       EncodeStep#withMaxBytes} or {@link ToJsonStep#withMaxBytes}) never fails the job by default
 *       and is never dropped silently: it becomes exactly one {@code DeadLetter} (error class
 *       {@link AvroFormatException}, a message naming what was wrong but no payload values, the
 *       original payload, the source coordinates when the input has them), per the step's {@link
 *       ErrorPolicy}. Valid neighbours are unaffected. A failed schema lookup is no bad record: it
 *       fails the task by default ({@link SchemaLookupFailures}).
 *   <li>Decoders skip tombstones (records without a payload) and count them as filtered.
 *   <li>Decoding never allocates more than the payload can hold: strings, bytes and blocks may not
 *       be longer than the bytes left, and one record's arrays and maps hold at most {@link
 *       DecodeStep#withMaxCollectionItems(int) maxCollectionItems} items.
 *   <li>Records come out with logical types converted (decimal as {@code BigDecimal}, date as
 *       {@code LocalDate}, time as {@code LocalTime}, timestamp as {@code Instant}, local-timestamp
 *       as {@code LocalDateTime}, uuid as {@code UUID}) and strings as {@code java.lang.String}.
 *   <li>Outputs have real Flink types ({@link #genericRecordType}, {@link #specificRecordType}):
 *       Avro binary with the schema in the serializer snapshot, never Kryo, and state holding them
 *       can evolve by Avro's schema resolution rules.
 * </ul>
 */
@PublicEvolving
public final class Avro {
  private Avro() {}

  /** Items all arrays and maps of one decoded record may hold together. */
  public static final int DEFAULT_MAX_COLLECTION_ITEMS = 1_000_000;

  /**
   * A failed schema lookup (the {@link SchemaProvider} throws: the registry is down) fails the task
   * unless told otherwise; see {@link SchemaLookupFailures}.
   */
  public static final SchemaLookupFailures DEFAULT_SCHEMA_LOOKUP_FAILURES =
      SchemaLookupFailures.FAIL_TASK;

  /**
   * The largest {@code maxCollectionItems}. Avro allocates an array's slots when it reads the
   * array's item count, before its items, and items may take no bytes ({@code array<null>}): a
   * record of a few bytes can claim this many items and cost 0.4 to 0.8 GB of heap at once (one
   * claiming {@code Integer.MAX_VALUE} fails with an {@code OutOfMemoryError} on any heap).
   */
  public static final int MAX_COLLECTION_ITEMS = 100_000_000;

  /**
   * No size limit: encode and toJson steps write every record, however long ({@code
   * Integer.MAX_VALUE}).
   */
  public static final int DEFAULT_MAX_BYTES = Integer.MAX_VALUE;

  /**
   * A step decoding Avro binary into {@code GenericRecord}s of {@code readerSchema}. By default the
   * data is plain Avro binary written with the reader schema; see {@link
   * DecodeStep#withWriterSchema} and {@link DecodeStep#withConfluentWireFormat}.
   *
   * @throws IllegalArgumentException if the name is invalid or the schema is not a record schema
   */
  public static <I> DecodeStep<I, GenericRecord> decode(
      String name, Schema readerSchema, PayloadInput<I> input) {
    return new DecodeStep<>(
        DecodeOptions.of(
            Names.requireValid(name, "step name"),
            Objects.requireNonNull(input, "input"),
            RecordModel.generic(readerSchema)));
  }

  /**
   * A step decoding Avro binary into instances of a generated {@code SpecificRecord} class, whose
   * schema is the reader schema.
   *
   * @throws IllegalArgumentException if the name is invalid or the class has no {@code SCHEMA$}
   */
  public static <I, T extends SpecificRecord> DecodeStep<I, T> decodeSpecific(
      String name, Class<T> type, PayloadInput<I> input) {
    return new DecodeStep<>(
        DecodeOptions.of(
            Names.requireValid(name, "step name"),
            Objects.requireNonNull(input, "input"),
            RecordModel.specific(type)));
  }

  /**
   * A step encoding {@code GenericRecord}s of {@code schema} as plain Avro binary (see {@link
   * EncodeStep#withConfluentSchemaId}). Records must carry {@code schema} (or an equal one).
   *
   * @throws IllegalArgumentException if the name is invalid or the schema is not a record schema
   */
  public static EncodeStep<GenericRecord> encode(String name, Schema schema) {
    return new EncodeStep<>(
        Names.requireValid(name, "step name"),
        RecordModel.generic(schema),
        null,
        DEFAULT_MAX_BYTES,
        null);
  }

  /**
   * A step encoding instances of a generated {@code SpecificRecord} class as plain Avro binary.
   *
   * @throws IllegalArgumentException if the name is invalid or the class has no {@code SCHEMA$}
   */
  public static <T extends SpecificRecord> EncodeStep<T> encodeSpecific(
      String name, Class<T> type) {
    return new EncodeStep<>(
        Names.requireValid(name, "step name"),
        RecordModel.specific(type),
        null,
        DEFAULT_MAX_BYTES,
        null);
  }

  /**
   * A step converting plain JSON documents (not Avro's JSON encoding) into {@code GenericRecord}s
   * of {@code schema}: objects to records, a field missing under its name read under its aliases,
   * unknown JSON fields ignored, missing fields filled with their default (or null when nullable),
   * unions chosen by the JSON value's type, logical types from their usual JSON forms (decimal as
   * number or numeric text, timestamps as ISO-8601 text or epoch numbers, uuid as text, bytes as
   * base64). Read with {@link JsonReadLimits#defaults()} unless {@link FromJsonStep#withReadLimits}
   * says otherwise.
   *
   * @throws IllegalArgumentException if the name is invalid or the schema is not a record schema
   */
  public static <I> FromJsonStep<I> fromJson(String name, Schema schema, PayloadInput<I> input) {
    return new FromJsonStep<>(
        Names.requireValid(name, "step name"),
        Objects.requireNonNull(input, "input"),
        RecordModel.generic(schema).schema(),
        JsonReadLimits.defaults(),
        null);
  }

  /**
   * A step converting Java objects (Flink POJOs, Java records, nested objects, lists and maps) into
   * {@code GenericRecord}s of {@code schema}. Each Avro field is filled from the property of the
   * same name (record component, {@code getX()}/{@code isX()}, or public field); a field without a
   * property takes its default, or null if nullable. The mapping is checked here, once.
   *
   * @throws IllegalArgumentException if the name is invalid, the schema is not a record schema, a
   *     required field has no property, or a property's type cannot map to its field's Avro type
   */
  public static <T> FromPojoStep<T> fromPojo(String name, Class<T> type, Schema schema) {
    Objects.requireNonNull(type, "type");
    Schema recordSchema = RecordModel.generic(schema).schema();
    new PojoToAvro<>(type, recordSchema); // fails fast on a class that cannot fill the schema
    return new FromPojoStep<>(Names.requireValid(name, "step name"), type, recordSchema, null);
  }

  /**
   * A step writing Avro records ({@code GenericRecord} or {@code SpecificRecord}) as plain JSON
   * text, the inverse of {@link #fromJson}: objects for records and maps, union values unwrapped,
   * decimals as exact numbers, uuid, dates, times and timestamps as ISO-8601 text, bytes as base64.
   * {@link ToJsonStep#asBytes()} writes the same JSON as UTF-8 bytes.
   *
   * @throws IllegalArgumentException if the name is invalid
   */
  public static <T extends IndexedRecord> ToJsonStep<T, String> toJson(String name) {
    return new ToJsonStep<>(
        Names.requireValid(name, "step name"), Types.STRING, false, DEFAULT_MAX_BYTES, null);
  }

  /**
   * The Flink type of {@code GenericRecord}s of {@code schema}: serialized as Avro binary, the
   * schema kept in the serializer snapshot (never Kryo); logical-type values are supported. Use it
   * wherever you declare a stream of such records, e.g. {@code .returns(...)} of your own map.
   *
   * @throws IllegalArgumentException if the schema is not a record schema
   */
  public static TypeInformation<GenericRecord> genericRecordType(Schema schema) {
    return new AvroRecordTypeInfo<>(RecordModel.generic(schema));
  }

  /**
   * The Flink type of a generated {@code SpecificRecord} class, serialized as Avro binary (never
   * Kryo).
   *
   * @throws IllegalArgumentException if the class has no {@code SCHEMA$}
   */
  public static <T extends SpecificRecord> TypeInformation<T> specificRecordType(Class<T> type) {
    return new AvroRecordTypeInfo<>(RecordModel.specific(type));
  }

  /**
   * Decodes Avro binary ({@link Avro#decode}, {@link Avro#decodeSpecific}). Immutable.
   *
   * <p>Schema evolution: data written with another schema is resolved into the reader schema by
   * Avro's rules: a reader field missing in the data takes its default, a data field missing in the
   * reader is skipped, numbers widen (int → long → float → double), enums and unions resolve by
   * name. Compatibility is checked once per writer schema; data of an incompatible writer schema (a
   * new reader field without a default, a changed type) becomes dead letters.
   *
   * @param <I> input record type
   * @param <T> output record type
   */
  @PublicEvolving
  public static final class DecodeStep<I, T extends IndexedRecord> implements EtlStep<I, T> {
    private final DecodeOptions<I, T> options;

    private DecodeStep(DecodeOptions<I, T> options) {
      this.options = options;
    }

    /**
     * Plain Avro binary written with {@code writerSchema} (default: the reader schema), resolved
     * into the reader schema. Not combinable with {@link #withConfluentWireFormat}.
     *
     * @throws IllegalArgumentException if data of {@code writerSchema} cannot be read with the
     *     reader schema (the message names the incompatibilities)
     */
    public DecodeStep<I, T> withWriterSchema(Schema writerSchema) {
      return new DecodeStep<>(
          options.withWriterSchema(
              DecodeStepRules.readableWriterSchema(options.model(), writerSchema)));
    }

    /**
     * The Confluent wire format: magic byte {@code 0}, the writer schema's id as a 4-byte
     * big-endian int, then Avro binary. Writer schemas are looked up by id in {@code provider}
     * (once per id and subtask) and resolved into the reader schema. A payload shorter than the
     * 5-byte header, with another magic byte, an unknown id (the provider returns null) or an
     * incompatible writer schema becomes a dead letter. A provider that throws (the registry is
     * down) fails the task by default, so that Flink restarts it with its restart strategy's
     * backoff instead of every record becoming a dead letter: see {@link
     * #withSchemaLookupFailures}. {@link SchemaProvider#open()} and {@link SchemaProvider#close()}
     * are called once per subtask; an exception of {@code open()} fails the task.
     */
    public DecodeStep<I, T> withConfluentWireFormat(SchemaProvider provider) {
      return new DecodeStep<>(options.withProvider(Objects.requireNonNull(provider, "provider")));
    }

    /**
     * The most items all arrays and maps of one record may hold together (default {@link
     * #DEFAULT_MAX_COLLECTION_ITEMS}); a record claiming more becomes a dead letter before anything
     * is allocated for them. Up to the limit, a claimed array's slots are allocated before its
     * items are read, 4 to 8 bytes each even for items of no bytes: choose it by the heap.
     *
     * @throws IllegalArgumentException if {@code items} is not in 1..{@value
     *     Avro#MAX_COLLECTION_ITEMS}
     */
    public DecodeStep<I, T> withMaxCollectionItems(int items) {
      return new DecodeStep<>(
          options.withMaxCollectionItems(DecodeStepRules.maxCollectionItems(items)));
    }

    /**
     * Overrides the pipeline's error policy for this step. A second call replaces the policy;
     * {@link #withPipelineErrorPolicy()} gives the pipeline's default back.
     */
    public DecodeStep<I, T> withErrorPolicy(ErrorPolicy policy) {
      return new DecodeStep<>(options.withErrorPolicy(Objects.requireNonNull(policy, "policy")));
    }

    /**
     * Uses the pipeline's default error policy ({@code EtlPipeline.defaultErrorPolicy}, else dead
     * letters), the default, undoing {@link #withErrorPolicy} on a step derived from one that has
     * it: the step is then the step that never had a policy of its own.
     */
    public DecodeStep<I, T> withPipelineErrorPolicy() {
      return new DecodeStep<>(options.withErrorPolicy(null));
    }

    /**
     * What an exception of the {@link SchemaProvider} of {@link #withConfluentWireFormat} does
     * ({@link #DEFAULT_SCHEMA_LOOKUP_FAILURES}: the task fails and Flink restarts it). {@link
     * SchemaLookupFailures#DEAD_LETTER} makes the record at hand a dead letter instead, as before
     * this option existed. An unknown id is a dead letter either way.
     */
    public DecodeStep<I, T> withSchemaLookupFailures(SchemaLookupFailures handling) {
      return new DecodeStep<>(
          options.withLookupFailures(Objects.requireNonNull(handling, "schemaLookupFailures")));
    }

    @Override
    public String name() {
      return options.name();
    }

    /**
     * @throws IllegalArgumentException if both {@link #withWriterSchema} and {@link
     *     #withConfluentWireFormat} were set, or {@link #withSchemaLookupFailures} without {@link
     *     #withConfluentWireFormat}, or the input is {@link PayloadInput#text()} (Avro is binary:
     *     read {@link PayloadInput#bytes()} or {@link PayloadInput#rawRecords()})
     */
    @Override
    public DataStream<T> expand(DataStream<I> stream, StepContext context) {
      return AvroExpansion.decode(options, stream, context);
    }

    /**
     * The step's name, records, input and the options set, for logs. A {@link SchemaProvider} other
     * than {@link SchemaProvider#of} is named by its class, never by its text, which may hold a
     * registry URL with credentials.
     */
    @Override
    public String toString() {
      Schema writerSchema = options.writerSchema();
      SchemaProvider provider = options.provider();
      return "Avro.DecodeStep{"
          + options.name()
          + ", records="
          + options.model()
          + ", input="
          + DecoderText.describe(options.input())
          + (writerSchema != null ? ", writerSchema=" + writerSchema.getFullName() : "")
          + (provider != null ? ", confluentWireFormat=" + DecoderText.describe(provider) : "")
          + (options.maxCollectionItems() != DEFAULT_MAX_COLLECTION_ITEMS
              ? ", maxCollectionItems=" + options.maxCollectionItems()
              : "")
          + (options.lookupFailures() != null
              ? ", schemaLookupFailures=" + options.lookupFailures()
              : "")
          + (options.errorPolicy() != null ? ", errorPolicy=" + options.errorPolicy() : "")
          + "}";
    }
  }

  /**
   * Encodes records as Avro binary ({@link Avro#encode}, {@link Avro#encodeSpecific}). Immutable.
   *
   * @param <T> input record type
   */
  @PublicEvolving
  public static final class EncodeStep<T extends IndexedRecord> implements EtlStep<T, byte[]> {
    private final String name;
    private final RecordModel<T> model;
    @Nullable private final Integer confluentSchemaId;
    private final int maxBytes;
    @Nullable private final ErrorPolicy errorPolicy;

    private EncodeStep(
        String name,
        RecordModel<T> model,
        @Nullable Integer confluentSchemaId,
        int maxBytes,
        @Nullable ErrorPolicy errorPolicy) {
      this.name = name;
      this.model = model;
      this.confluentSchemaId = confluentSchemaId;
      this.maxBytes = maxBytes;
      this.errorPolicy = errorPolicy;
    }

    /**
     * Writes the Confluent wire format: magic byte {@code 0}, {@code schemaId} as a 4-byte
     * big-endian int, then the Avro binary (default: plain binary, no header). The id is the one
     * the schema has in your registry; etlkit does not register schemas.
     *
     * @throws IllegalArgumentException if {@code schemaId} is negative
     */
    public EncodeStep<T> withConfluentSchemaId(int schemaId) {
      return new EncodeStep<>(
          name, model, WriteStepRules.confluentSchemaId(schemaId), maxBytes, errorPolicy);
    }

    /**
     * The most bytes a record may have as encoded, the Confluent header of {@link
     * #withConfluentSchemaId} included: it is part of what the sink sends (default {@link
     * #DEFAULT_MAX_BYTES}, no limit). A record encoded longer is a dead letter of the step like one
     * that cannot be encoded: its payload is the record's text, its message names the size and the
     * limit, never a value ({@code "record too large: shop.Order encoded as Avro has 1126440 bytes,
     * the 5-byte Confluent header included, over maxBytes 1040000"}), and it is counted as the
     * step's other dead letters. Each record is encoded once, and no more of it than the limit is
     * kept: the bytes past it are counted, for the message's exact size, but not stored, so a
     * record far over the limit costs the step about the limit in memory, not its own size (Avro's
     * writer still makes a passing UTF-8 copy of each {@code String} field, as large as that field;
     * a {@code Utf8} value it writes as it is).
     *
     * <p>For a sink that refuses large records, so that one of them is a dead letter here instead
     * of failing the sink, and the job at every restart: a Kafka producer refuses a record over
     * {@code max.request.size} (1,048,576 bytes by default), key, headers and overhead counted in.
     *
     * @throws IllegalArgumentException if {@code maxBytes} is not positive
     */
    public EncodeStep<T> withMaxBytes(int maxBytes) {
      return new EncodeStep<>(
          name, model, confluentSchemaId, WriteStepRules.maxBytes(maxBytes), errorPolicy);
    }

    /**
     * Encodes {@link RawRecord}s instead of bytes: the Avro bytes as the value, {@code key} of the
     * record as the key (null: no key), the record's timestamp; for a sink that only wraps bytes,
     * such as a Kafka serializer that needs the key beside the value. The step keeps this one's
     * options; {@link #withMaxBytes} limits the key and the value together. See {@link
     * AvroRawEncodeStep}.
     */
    public AvroRawEncodeStep<T> asRawRecords(KeySelector<T, byte[]> key) {
      return new AvroRawEncodeStep<>(
          name,
          model,
          confluentSchemaId,
          maxBytes,
          errorPolicy,
          Objects.requireNonNull(key, "key"));
    }

    /**
     * Overrides the pipeline's error policy for this step. A second call replaces the policy;
     * {@link #withPipelineErrorPolicy()} gives the pipeline's default back.
     */
    public EncodeStep<T> withErrorPolicy(ErrorPolicy policy) {
      return new EncodeStep<>(
          name, model, confluentSchemaId, maxBytes, Objects.requireNonNull(policy, "policy"));
    }

    /**
     * Uses the pipeline's default error policy ({@code EtlPipeline.defaultErrorPolicy}, else dead
     * letters), the default, undoing {@link #withErrorPolicy} on a step derived from one that has
     * it: the step is then the step that never had a policy of its own.
     */
    public EncodeStep<T> withPipelineErrorPolicy() {
      return new EncodeStep<>(name, model, confluentSchemaId, maxBytes, null);
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public DataStream<byte[]> expand(DataStream<T> stream, StepContext context) {
      return AvroExpansion.encode(
          name, model, confluentSchemaId, maxBytes, errorPolicy, stream, context);
    }

    @Override
    public String toString() {
      return "Avro.EncodeStep{"
          + name
          + ", records="
          + model
          + (confluentSchemaId != null ? ", confluentSchemaId=" + confluentSchemaId : "")
          + (maxBytes != DEFAULT_MAX_BYTES ? ", maxBytes=" + maxBytes : "")
          + (errorPolicy != null ? ", errorPolicy=" + errorPolicy : "")
          + "}";
    }
  }

  /**
   * Converts plain JSON documents into {@code GenericRecord}s ({@link Avro#fromJson}). Immutable.
   *
   * @param <I> input record type
   */
  @PublicEvolving
  public static final class FromJsonStep<I> implements EtlStep<I, GenericRecord> {
    private final String name;
    private final PayloadInput<I> input;
    private final Schema schema;
    private final JsonReadLimits limits;
    @Nullable private final ErrorPolicy errorPolicy;

    private FromJsonStep(
        String name,
        PayloadInput<I> input,
        Schema schema,
        JsonReadLimits limits,
        @Nullable ErrorPolicy errorPolicy) {
      this.name = name;
      this.input = input;
      this.schema = schema;
      this.limits = limits;
      this.errorPolicy = errorPolicy;
    }

    /** Limits on document size, nesting, string and number length (default: {@code defaults()}). */
    public FromJsonStep<I> withReadLimits(JsonReadLimits limits) {
      return new FromJsonStep<>(
          name, input, schema, Objects.requireNonNull(limits, "limits"), errorPolicy);
    }

    /**
     * Overrides the pipeline's error policy for this step. A second call replaces the policy;
     * {@link #withPipelineErrorPolicy()} gives the pipeline's default back.
     */
    public FromJsonStep<I> withErrorPolicy(ErrorPolicy policy) {
      return new FromJsonStep<>(
          name, input, schema, limits, Objects.requireNonNull(policy, "policy"));
    }

    /**
     * Uses the pipeline's default error policy ({@code EtlPipeline.defaultErrorPolicy}, else dead
     * letters), the default, undoing {@link #withErrorPolicy} on a step derived from one that has
     * it: the step is then the step that never had a policy of its own.
     */
    public FromJsonStep<I> withPipelineErrorPolicy() {
      return new FromJsonStep<>(name, input, schema, limits, null);
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public DataStream<GenericRecord> expand(DataStream<I> stream, StepContext context) {
      return AvroExpansion.fromJson(input, schema, limits, errorPolicy, stream, context);
    }

    @Override
    public String toString() {
      return "Avro.FromJsonStep{"
          + name
          + ", records=GenericRecord("
          + schema.getFullName()
          + "), input="
          + DecoderText.describe(input)
          + (limits != JsonReadLimits.defaults() ? ", readLimits=" + limits : "")
          + (errorPolicy != null ? ", errorPolicy=" + errorPolicy : "")
          + "}";
    }
  }

  /**
   * Converts Java objects into {@code GenericRecord}s ({@link Avro#fromPojo}). Immutable.
   *
   * @param <T> input object type
   */
  @PublicEvolving
  public static final class FromPojoStep<T> implements EtlStep<T, GenericRecord> {
    private final String name;
    private final Class<T> type;
    private final Schema schema;
    @Nullable private final ErrorPolicy errorPolicy;

    private FromPojoStep(
        String name, Class<T> type, Schema schema, @Nullable ErrorPolicy errorPolicy) {
      this.name = name;
      this.type = type;
      this.schema = schema;
      this.errorPolicy = errorPolicy;
    }

    /**
     * Overrides the pipeline's error policy for this step. A second call replaces the policy;
     * {@link #withPipelineErrorPolicy()} gives the pipeline's default back.
     */
    public FromPojoStep<T> withErrorPolicy(ErrorPolicy policy) {
      return new FromPojoStep<>(name, type, schema, Objects.requireNonNull(policy, "policy"));
    }

    /**
     * Uses the pipeline's default error policy ({@code EtlPipeline.defaultErrorPolicy}, else dead
     * letters), the default, undoing {@link #withErrorPolicy} on a step derived from one that has
     * it: the step is then the step that never had a policy of its own.
     */
    public FromPojoStep<T> withPipelineErrorPolicy() {
      return new FromPojoStep<>(name, type, schema, null);
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public DataStream<GenericRecord> expand(DataStream<T> stream, StepContext context) {
      return AvroExpansion.fromPojo(name, type, schema, errorPolicy, stream, context);
    }

    @Override
    public String toString() {
      return "Avro.FromPojoStep{"
          + name
          + ", type="
          + type.getSimpleName()
          + ", records=GenericRecord("
          + schema.getFullName()
          + ")"
          + (errorPolicy != null ? ", errorPolicy=" + errorPolicy : "")
          + "}";
    }
  }

  /**
   * Writes Avro records as plain JSON ({@link Avro#toJson}): text by default, UTF-8 bytes with
   * {@link #asBytes()}. Immutable.
   *
   * @param <T> input record type
   * @param <O> {@code String} or {@code byte[]}
   */
  @PublicEvolving
  public static final class ToJsonStep<T extends IndexedRecord, O> implements EtlStep<T, O> {
    private final String name;
    private final TypeInformation<O> outputType;
    private final boolean bytes;
    private final int maxBytes;
    @Nullable private final ErrorPolicy errorPolicy;

    private ToJsonStep(
        String name,
        TypeInformation<O> outputType,
        boolean bytes,
        int maxBytes,
        @Nullable ErrorPolicy errorPolicy) {
      this.name = name;
      this.outputType = outputType;
      this.bytes = bytes;
      this.maxBytes = maxBytes;
      this.errorPolicy = errorPolicy;
    }

    /**
     * Writes the JSON as UTF-8 bytes ({@code byte[]}) instead of text: the same document, without
     * building a {@code String} first (what a byte sink such as Kafka's needs anyway). The bytes
     * are the text's {@code getBytes(UTF_8)}: an unpaired surrogate, which has no UTF-8 form,
     * becomes {@code ?} as there.
     */
    public ToJsonStep<T, byte[]> asBytes() {
      return new ToJsonStep<>(
          name, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO, true, maxBytes, errorPolicy);
    }

    /**
     * The most bytes a record may have as written, in UTF-8 also for text output (a {@code String}
     * of that many UTF-8 bytes may have fewer characters); default {@link #DEFAULT_MAX_BYTES}, no
     * limit. A record written longer is a dead letter of the step like one that cannot be written:
     * its payload is the record's text, its message names the size and the limit, never a value
     * ({@code "record too large: shop.Order written as JSON has 1126440 bytes, over maxBytes
     * 1040000"}), and it is counted as the step's other dead letters. Each record is written once,
     * and no more of it than the limit is kept: what it writes past the limit is counted, for the
     * message's exact size, but not stored (text keeps up to {@code maxBytes} chars), so a record
     * far over the limit costs the step about the limit in memory, not its own size.
     *
     * <p>For a sink that refuses large records, so that one of them is a dead letter here instead
     * of failing the sink, and the job at every restart: a Kafka producer refuses a record over
     * {@code max.request.size} (1,048,576 bytes by default), key, headers and overhead counted in.
     *
     * @throws IllegalArgumentException if {@code maxBytes} is not positive
     */
    public ToJsonStep<T, O> withMaxBytes(int maxBytes) {
      return new ToJsonStep<>(
          name, outputType, bytes, WriteStepRules.maxBytes(maxBytes), errorPolicy);
    }

    /**
     * Overrides the pipeline's error policy for this step. A second call replaces the policy;
     * {@link #withPipelineErrorPolicy()} gives the pipeline's default back.
     */
    public ToJsonStep<T, O> withErrorPolicy(ErrorPolicy policy) {
      return new ToJsonStep<>(
          name, outputType, bytes, maxBytes, Objects.requireNonNull(policy, "policy"));
    }

    /**
     * Uses the pipeline's default error policy ({@code EtlPipeline.defaultErrorPolicy}, else dead
     * letters), the default, undoing {@link #withErrorPolicy} on a step derived from one that has
     * it: the step is then the step that never had a policy of its own.
     */
    public ToJsonStep<T, O> withPipelineErrorPolicy() {
      return new ToJsonStep<>(name, outputType, bytes, maxBytes, null);
    }

    @Override
    public String name() {
      return name;
    }

    /** The type of the step's output records: {@code String} or {@code byte[]}. */
    public TypeInformation<O> outputType() {
      return outputType;
    }

    @Override
    public DataStream<O> expand(DataStream<T> stream, StepContext context) {
      return AvroExpansion.toJson(name, outputType, bytes, maxBytes, errorPolicy, stream, context);
    }

    @Override
    public String toString() {
      return "Avro.ToJsonStep{"
          + name
          + ", output="
          + (bytes ? "bytes" : "text")
          + (maxBytes != DEFAULT_MAX_BYTES ? ", maxBytes=" + maxBytes : "")
          + (errorPolicy != null ? ", errorPolicy=" + errorPolicy : "")
          + "}";
    }
  }
}
