package dev.etlkit.operators.avro;

import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.ErrorPolicy;
import dev.etlkit.core.EtlStep;
import dev.etlkit.core.RawRecord;
import dev.etlkit.core.StepContext;
import dev.etlkit.operators.avro.internal.AvroExpansion;
import dev.etlkit.operators.avro.internal.RecordModel;
import dev.etlkit.operators.avro.internal.WriteStepRules;
import java.util.Objects;
import javax.annotation.Nullable;
import org.apache.avro.generic.IndexedRecord;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.datastream.DataStream;

/**
 * Encodes records as Avro binary beside a key, as {@link RawRecord}s ({@link
 * Avro.EncodeStep#asRawRecords}): the Avro bytes (behind the Confluent header with {@link
 * #withConfluentSchemaId}) as the value, the key function's result as the key (null: a record
 * without key), the record's timestamp (null for one without, also for Flink's "no timestamp"
 * marker {@code Long.MIN_VALUE} that a source without a timestamp assigner stamps), no source and
 * no headers. For a sink that only wraps bytes, such as a Kafka serializer that needs the key
 * beside the value: nothing is left in it that could fail.
 *
 * <p>A record that cannot be encoded becomes one {@link DeadLetter} of the step as with {@link
 * Avro.EncodeStep}, its payload the record's text. So does a record whose key function throws an
 * exception ({@code "cannot compute the key of shop.Order (java.lang.IllegalStateException)"}: the
 * exception's class, never its message, which may quote the record) and one whose key and value are
 * together longer than {@link #withMaxBytes}. An {@link Error} of the key function is no bad
 * record: it fails the task. Immutable; it keeps the options of the encode step it was made from,
 * and each {@code withX} may be called before or after {@code asRawRecords} alike.
 *
 * <pre>{@code
 * AvroRawEncodeStep<GenericRecord> step =
 *     Avro.encode("encode", ORDER_V2)
 *         .withConfluentSchemaId(2)
 *         .asRawRecords(order -> order.get("id").toString().getBytes(StandardCharsets.UTF_8));
 * }</pre>
 *
 * @param <T> input record type
 */
@PublicEvolving
public final class AvroRawEncodeStep<T extends IndexedRecord> implements EtlStep<T, RawRecord> {
  private final String name;
  private final RecordModel<T> model;
  @Nullable private final Integer confluentSchemaId;
  private final int maxBytes;
  @Nullable private final ErrorPolicy errorPolicy;
  private final KeySelector<T, byte[]> key;

  AvroRawEncodeStep(
      String name,
      RecordModel<T> model,
      @Nullable Integer confluentSchemaId,
      int maxBytes,
      @Nullable ErrorPolicy errorPolicy,
      KeySelector<T, byte[]> key) {
    this.name = name;
    this.model = model;
    this.confluentSchemaId = confluentSchemaId;
    this.maxBytes = maxBytes;
    this.errorPolicy = errorPolicy;
    this.key = Objects.requireNonNull(key, "key");
  }

  /**
   * Writes the Confluent wire format, as {@link Avro.EncodeStep#withConfluentSchemaId}.
   *
   * @throws IllegalArgumentException if {@code schemaId} is negative
   */
  public AvroRawEncodeStep<T> withConfluentSchemaId(int schemaId) {
    return new AvroRawEncodeStep<>(
        name, model, WriteStepRules.confluentSchemaId(schemaId), maxBytes, errorPolicy, key);
  }

  /**
   * The most bytes a record's key and value may have together, the Confluent header included, as a
   * Kafka producer counts them (default {@link Avro#DEFAULT_MAX_BYTES}, no limit). A record over it
   * is a dead letter of the step, as with {@link Avro.EncodeStep#withMaxBytes}; its message names
   * the sizes and the limit, never a value ({@code "record too large: shop.Order encoded as Avro
   * has 1039000 bytes, the 5-byte Confluent header included, and its key 2000, over maxBytes
   * 1040000"}, also when the value alone is over it; a record without a key has the encode step's
   * message). Leave room for the headers and the record overhead Kafka counts in {@code
   * max.request.size} too.
   *
   * @throws IllegalArgumentException if {@code maxBytes} is not positive
   */
  public AvroRawEncodeStep<T> withMaxBytes(int maxBytes) {
    return new AvroRawEncodeStep<>(
        name, model, confluentSchemaId, WriteStepRules.maxBytes(maxBytes), errorPolicy, key);
  }

  /**
   * Overrides the pipeline's error policy for this step. A second call replaces the policy; {@link
   * #withPipelineErrorPolicy()} gives the pipeline's default back.
   */
  public AvroRawEncodeStep<T> withErrorPolicy(ErrorPolicy policy) {
    return new AvroRawEncodeStep<>(
        name, model, confluentSchemaId, maxBytes, Objects.requireNonNull(policy, "policy"), key);
  }

  /**
   * Uses the pipeline's default error policy ({@code EtlPipeline.defaultErrorPolicy}, else dead
   * letters), the default, undoing {@link #withErrorPolicy} on a step derived from one that has it:
   * the step is then the step that never had a policy of its own.
   */
  public AvroRawEncodeStep<T> withPipelineErrorPolicy() {
    return new AvroRawEncodeStep<>(name, model, confluentSchemaId, maxBytes, null, key);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public DataStream<RawRecord> expand(DataStream<T> stream, StepContext context) {
    return AvroExpansion.encodeRaw(
        name, model, confluentSchemaId, maxBytes, errorPolicy, key, stream, context);
  }

  /** The step's name, records and the options set, for logs (not the key function). */
  @Override
  public String toString() {
    return "AvroRawEncodeStep{"
        + name
        + ", records="
        + model
        + (confluentSchemaId != null ? ", confluentSchemaId=" + confluentSchemaId : "")
        + (maxBytes != Avro.DEFAULT_MAX_BYTES ? ", maxBytes=" + maxBytes : "")
        + (errorPolicy != null ? ", errorPolicy=" + errorPolicy : "")
        + "}";
  }
}
