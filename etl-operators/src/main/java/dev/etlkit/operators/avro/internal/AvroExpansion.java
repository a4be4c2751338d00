package dev.etlkit.operators.avro.internal;

import dev.etlkit.core.ErrorPolicy;
import dev.etlkit.core.RawRecord;
import dev.etlkit.core.StepContext;
import dev.etlkit.core.Steps;
import dev.etlkit.operators.JsonReadLimits;
import dev.etlkit.operators.PayloadInput;
import dev.etlkit.operators.avro.Avro;
import dev.etlkit.operators.avro.AvroRawEncodeStep;
import javax.annotation.Nullable;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.IndexedRecord;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;

/**
 * What the {@link Avro} steps become when they are applied: one operator each, named by the
 * pipeline and the step, its output typed and its dead letters collected. Decoders and {@code
 * fromJson} are process functions that send their dead letters themselves; {@code encode}, {@code
 * toJson} and {@code fromPojo} are {@code Steps.map}s, whose failures become dead letters holding
 * the record's text. {@code encode}'s raw-record form is a process function (it needs the record's
 * timestamp) whose dead letters hold the record's text as the map's do.
 */
@Internal
public final class AvroExpansion {
  private AvroExpansion() {}

  /**
   * Checks the rules between the decode step's options, then adds its decoder after {@code stream}.
   *
   * @throws IllegalArgumentException as {@link DecodeStepRules#checkApplied}
   */
  public static <I, T extends IndexedRecord> DataStream<T> decode(
      DecodeOptions<I, T> options, DataStream<I> stream, StepContext context) {
    DecodeStepRules.checkApplied(
        options.name(),
        options.input(),
        options.writerSchema(),
        options.provider(),
        options.lookupFailures());
    SingleOutputStreamOperator<T> decoded =
        context.named(
            stream.process(
                new AvroDecodingFunction<>(
                    options.input(),
                    context.errorHandler(options.errorPolicy()),
                    options.model(),
                    options.writerSchema(),
                    options.provider(),
                    options.lookupFailuresOrDefault(),
                    options.maxCollectionItems()),
                new AvroRecordTypeInfo<>(options.model())));
    context.addDeadLettersOf(decoded);
    return decoded;
  }

  /** Adds the encoder of {@link Avro.EncodeStep} after {@code stream}. */
  public static <T extends IndexedRecord> DataStream<byte[]> encode(
      String name,
      RecordModel<T> model,
      @Nullable Integer confluentSchemaId,
      int maxBytes,
      @Nullable ErrorPolicy errorPolicy,
      DataStream<T> stream,
      StepContext context) {
    return map(
        name,
        new AvroEncodeFunction<>(model, confluentSchemaId, maxBytes),
        PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO,
        errorPolicy,
        stream,
        context);
  }

  /** Adds the encoder of {@link AvroRawEncodeStep} after {@code stream}. */
  public static <T extends IndexedRecord> DataStream<RawRecord> encodeRaw(
      String name,
      RecordModel<T> model,
      @Nullable Integer confluentSchemaId,
      int maxBytes,
      @Nullable ErrorPolicy errorPolicy,
      KeySelector<T, byte[]> key,
      DataStream<T> stream,
      StepContext context) {
    SingleOutputStreamOperator<RawRecord> encoded =
        context.named(
            stream.process(
                new AvroRawEncodeFunction<>(
                    model, confluentSchemaId, maxBytes, key, context.errorHandler(errorPolicy)),
                RawRecord.TYPE_INFO));
    context.addDeadLettersOf(encoded);
    return encoded;
  }

  /** Adds the JSON converter of {@link Avro.FromJsonStep} after {@code stream}. */
  public static <I> DataStream<GenericRecord> fromJson(
      PayloadInput<I> input,
      Schema schema,
      JsonReadLimits limits,
      @Nullable ErrorPolicy errorPolicy,
      DataStream<I> stream,
      StepContext context) {
    SingleOutputStreamOperator<GenericRecord> converted =
        context.named(
            stream.process(
                new JsonToAvroFunction<>(input, context.errorHandler(errorPolicy), schema, limits),
                Avro.genericRecordType(schema)));
    context.addDeadLettersOf(converted);
    return converted;
  }

  /** Adds the object converter of {@link Avro.FromPojoStep} after {@code stream}. */
  public static <T> DataStream<GenericRecord> fromPojo(
      String name,
      Class<T> type,
      Schema schema,
      @Nullable ErrorPolicy errorPolicy,
      DataStream<T> stream,
      StepContext context) {
    return map(
        name,
        new PojoToAvroFunction<>(type, schema),
        Avro.genericRecordType(schema),
        errorPolicy,
        stream,
        context);
  }

  /** Adds the JSON writer of {@link Avro.ToJsonStep} after {@code stream}. */
  public static <T extends IndexedRecord, O> DataStream<O> toJson(
      String name,
      TypeInformation<O> outputType,
      boolean bytes,
      int maxBytes,
      @Nullable ErrorPolicy errorPolicy,
      DataStream<T> stream,
      StepContext context) {
    return map(
        name,
        new AvroToJsonFunction<T, O>(bytes, maxBytes),
        outputType,
        errorPolicy,
        stream,
        context);
  }

  private static <T, O> DataStream<O> map(
      String name,
      MapFunction<T, O> function,
      TypeInformation<O> outputType,
      @Nullable ErrorPolicy errorPolicy,
      DataStream<T> stream,
      StepContext context) {
    Steps.MapStep<T, O> map = Steps.map(name, function, outputType);
    return (errorPolicy == null ? map : map.withErrorPolicy(errorPolicy)).expand(stream, context);
  }
}
