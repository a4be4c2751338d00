package dev.etlkit.operators.json;

import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.ErrorHandler;
import dev.etlkit.core.ErrorPolicy;
import dev.etlkit.core.EtlStep;
import dev.etlkit.core.RawRecord;
import dev.etlkit.core.StepContext;
import dev.etlkit.operators.json.internal.JsonWriteFunction;
import java.util.Objects;
import javax.annotation.Nullable;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.functions.ProcessFunction;

/**
 * A step writing each record as one JSON object: UTF-8 bytes by default, text with {@link
 * #asText()}, the bytes beside a key with {@link #asRawRecords}; build it with {@link Json#write}.
 * Properties are those Jackson sees (public fields, getters, record components), java.time values
 * are ISO-8601 strings ({@code "2024-01-31"}, {@code "2024-01-31T10:15:30Z"}) and {@code
 * BigDecimal}s plain numbers ({@code 1000}, never {@code 1E+3}), so {@link Json#parse} reads the
 * output back into equal records, as long as it fits the parse step's {@code JsonReadLimits}
 * (writing checks none: a {@code BigDecimal} of {@code 1E+200} has 201 digits in plain notation,
 * over the default number length). One exception: a {@code BigDecimal} with a negative scale
 * ({@code 1E+3}, as {@code stripTrailingZeros()} gives) reads back numerically equal ({@code
 * compareTo} is 0) but with scale 0 ({@code 1000}), which {@code BigDecimal.equals} tells apart: in
 * general a {@code BigDecimal} reads back with scale {@code max(scale, 0)}.
 *
 * <p>A record that cannot be written (a getter throws an exception, a {@code BigDecimal} scale
 * beyond what plain notation allows, writing overflows the stack: a cycle in the data or a getter
 * recursing, which Jackson reports alike) becomes one {@link DeadLetter} whose payload is the
 * record's {@code toString()}, per the step's {@link ErrorPolicy}. So does a record written longer
 * than {@link #withMaxBytes} ({@code TOO_LARGE}). Any other {@link Error} a getter throws is no bad
 * record: it fails the task, unwrapped, whatever the policy. Immutable.
 *
 * @param <T> the record type
 * @param <O> {@code byte[]}, {@code String} or {@link RawRecord}
 */
@PublicEvolving
public final class JsonWrite<T, O> implements EtlStep<T, O> {

  /** Null fields are written as {@code "field": null}. */
  public static final boolean DEFAULT_OMIT_NULL_FIELDS = false;

  /**
   * No size limit: every record is written, however long (a Java array holds no more than this).
   */
  public static final int DEFAULT_MAX_BYTES = Integer.MAX_VALUE;

  private final String name;
  private final Class<T> type;
  private final TypeInformation<O> outputType;
  private final boolean text;
  @Nullable private final KeySelector<T, byte[]> key;
  private final boolean omitNullFields;
  private final int maxBytes;
  @Nullable private final ErrorPolicy errorPolicy;

  private JsonWrite(
      String name,
      Class<T> type,
      TypeInformation<O> outputType,
      boolean text,
      @Nullable KeySelector<T, byte[]> key,
      boolean omitNullFields,
      int maxBytes,
      @Nullable ErrorPolicy errorPolicy) {
    this.name = name;
    this.type = type;
    this.outputType = outputType;
    this.text = text;
    this.key = key;
    this.omitNullFields = omitNullFields;
    this.maxBytes = maxBytes;
    this.errorPolicy = errorPolicy;
  }

  static <T> JsonWrite<T, byte[]> create(String name, Class<T> type) {
    return new JsonWrite<>(
        name,
        type,
        PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO,
        false,
        null,
        DEFAULT_OMIT_NULL_FIELDS,
        DEFAULT_MAX_BYTES,
        null);
  }

  /** Writes JSON text ({@code String}) instead of UTF-8 bytes. */
  public JsonWrite<T, String> asText() {
    return new JsonWrite<>(
        name, type, Types.STRING, true, null, omitNullFields, maxBytes, errorPolicy);
  }

  /**
   * Writes {@link RawRecord}s instead of bytes: the JSON (UTF-8) as the value and {@code key} of
   * the record as the key, with the record's timestamp (null for one without, also for Flink's "no
   * timestamp" marker {@code Long.MIN_VALUE} that a source without a timestamp assigner stamps) and
   * no source, for a sink that only wraps bytes, such as a Kafka serializer that needs the key
   * beside the value. A null key is a record without key. A key function that throws an exception
   * makes the record a {@code WRITE_FAILED} dead letter naming the exception's class (never its
   * message); {@link #withMaxBytes} limits the key and the value together. Of {@code asText()} and
   * {@code asRawRecords}, the one called last decides the output.
   *
   * <pre>{@code
   * Json.write("json", Shipment.class)
   *     .asRawRecords(shipment -> shipment.shipmentId().getBytes(StandardCharsets.UTF_8))
   * }</pre>
   */
  public JsonWrite<T, RawRecord> asRawRecords(KeySelector<T, byte[]> key) {
    return new JsonWrite<>(
        name,
        type,
        RawRecord.TYPE_INFO,
        false,
        Objects.requireNonNull(key, "key"),
        omitNullFields,
        maxBytes,
        errorPolicy);
  }

  /** Whether null fields are left out of the JSON ({@link #DEFAULT_OMIT_NULL_FIELDS}). */
  public JsonWrite<T, O> withNullFieldsOmitted(boolean omit) {
    return new JsonWrite<>(name, type, outputType, text, key, omit, maxBytes, errorPolicy);
  }

  /**
   * The most bytes a record may have as written, in UTF-8 also for {@link #asText()} output (a
   * {@code String} of that many UTF-8 bytes may have fewer characters); default {@link
   * #DEFAULT_MAX_BYTES}, no limit. A record written longer becomes a dead letter of the step, as a
   * record that cannot be written does: its payload is the record's {@code toString()}, its message
   * names the size and the limit, never the value ({@code "TOO_LARGE: Order written as JSON has
   * 1126440 bytes, over maxBytes 1048000"}), and it is counted as the step's other dead letters.
   * Each record is written once, and no more of it than the limit is kept: the bytes past it are
   * counted, for the message's exact size, but not stored, so a record far over the limit costs the
   * step about the limit in memory, not its own size. With {@link #asRawRecords}, the key's bytes
   * count too ({@code "... has 1047000 bytes and its key 2000, over maxBytes 1048000"}).
   *
   * <p>For a sink that refuses large records, so that one of them becomes a dead letter here
   * instead of failing the sink, and the job at every restart: a Kafka producer refuses a record
   * over {@code max.request.size} (1,048,576 bytes by default) with the key, headers and record
   * overhead counted in, so leave room for the headers and the overhead.
   *
   * @throws IllegalArgumentException if {@code maxBytes} is not positive
   */
  public JsonWrite<T, O> withMaxBytes(int maxBytes) {
    if (maxBytes <= 0) {
      throw new IllegalArgumentException("maxBytes must be positive, was " + maxBytes);
    }
    return new JsonWrite<>(
        name, type, outputType, text, key, omitNullFields, maxBytes, errorPolicy);
  }

  /**
   * Overrides the pipeline's error policy for this step. A second call replaces the policy; {@link
   * #withPipelineErrorPolicy()} gives the pipeline's default back.
   */
  public JsonWrite<T, O> withErrorPolicy(ErrorPolicy policy) {
    return new JsonWrite<>(
        name,
        type,
        outputType,
        text,
        key,
        omitNullFields,
        maxBytes,
        Objects.requireNonNull(policy, "policy"));
  }

  /**
   * Uses the pipeline's default error policy ({@code EtlPipeline.defaultErrorPolicy}, else dead
   * letters), the default, undoing {@link #withErrorPolicy} on a step derived from one that has it:
   * the step is then the step that never had a policy of its own.
   */
  public JsonWrite<T, O> withPipelineErrorPolicy() {
    return new JsonWrite<>(name, type, outputType, text, key, omitNullFields, maxBytes, null);
  }

  @Override
  public String name() {
    return name;
  }

  /** The type of the step's output records: {@code byte[]}, {@code String} or {@code RawRecord}. */
  public TypeInformation<O> outputType() {
    return outputType;
  }

  /**
   * @throws IllegalArgumentException if the stream's records are not {@code T}s
   */
  @Override
  public DataStream<O> expand(DataStream<T> stream, StepContext context) {
    Class<?> streamType = stream.getType().getTypeClass();
    if (!type.isAssignableFrom(streamType)) {
      throw new IllegalArgumentException(
          "step '"
              + name
              + "' writes "
              + type.getName()
              + " but the stream carries "
              + stream.getType());
    }
    SingleOutputStreamOperator<O> written =
        context.named(stream.process(newFunction(context.errorHandler(errorPolicy)), outputType));
    context.addDeadLettersOf(written);
    return written;
  }

  /** The step's function, for tests. */
  ProcessFunction<T, O> newFunction(ErrorHandler errors) {
    return new JsonWriteFunction<>(type, text, key, omitNullFields, maxBytes, errors);
  }

  @Override
  public String toString() {
    return "JsonWrite{"
        + name
        + ", type="
        + type.getSimpleName()
        + ", output="
        + (text ? "text" : key != null ? "raw-records" : "bytes")
        + ", omitNullFields="
        + omitNullFields
        + (maxBytes != DEFAULT_MAX_BYTES ? ", maxBytes=" + maxBytes : "")
        + (errorPolicy != null ? ", errorPolicy=" + errorPolicy : "")
        + "}";
  }
}
