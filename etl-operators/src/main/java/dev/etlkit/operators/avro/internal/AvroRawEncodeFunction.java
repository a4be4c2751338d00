package dev.etlkit.operators.avro.internal;

import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.ErrorHandler;
import dev.etlkit.core.RawRecord;
import dev.etlkit.core.StepMetrics;
import dev.etlkit.core.internal.EventTimes;
import dev.etlkit.operators.avro.AvroFormatException;
import dev.etlkit.operators.internal.RawRecordKeys;
import javax.annotation.Nullable;
import org.apache.avro.generic.IndexedRecord;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The function of {@code Avro.EncodeStep.asRawRecords}: one record into one {@link RawRecord}, its
 * Avro bytes ({@link AvroRecordEncoder}) as the value beside the key function's key, with the
 * record's timestamp. A record that does not encode, whose key function throws an exception, or
 * whose key and value together are longer than the size limit becomes a dead letter holding the
 * record's text, as the encode step's do; an {@code Error} of the key function fails the task.
 */
@Internal
public final class AvroRawEncodeFunction<T extends IndexedRecord>
    extends ProcessFunction<T, RawRecord> {
  private static final long serialVersionUID = 1L;

  private final RecordModel<T> model;
  @Nullable private final Integer confluentSchemaId;
  private final int maxBytes;
  private final KeySelector<T, byte[]> key;
  private final ErrorHandler errors;
  private transient StepMetrics metrics;
  private transient AvroRecordEncoder<T> encoder;
  private transient RawRecordKeys<T, AvroFormatException> keys;

  /**
   * @param maxBytes the most bytes an encoded record and its key may have together, Confluent
   *     header included
   * @param key the key of each record's {@code RawRecord}; null for none
   */
  public AvroRawEncodeFunction(
      RecordModel<T> model,
      @Nullable Integer confluentSchemaId,
      int maxBytes,
      KeySelector<T, byte[]> key,
      ErrorHandler errors) {
    this.model = model;
    this.confluentSchemaId = confluentSchemaId;
    this.maxBytes = maxBytes;
    this.key = key;
    this.errors = errors;
  }

  @Override
  public void open(OpenContext openContext) {
    metrics = StepMetrics.register(getRuntimeContext(), errors.step());
    errors.open(metrics);
    encoder = new AvroRecordEncoder<>(model, confluentSchemaId, maxBytes);
    keys =
        new RawRecordKeys<>(
            key, model.schema().getFullName(), errors.step(), AvroFormatException::new);
  }

  @Override
  public void processElement(T value, Context ctx, Collector<RawRecord> out) {
    metrics.in();
    RawRecord record;
    try {
      byte[] recordKey = keys.of(value);
      record =
          new RawRecord(
              recordKey,
              encoder.encode(value, recordKey == null ? 0 : recordKey.length),
              null,
              EventTimes.known(ctx.timestamp())); // Flink's "no timestamp" marker is none
    } catch (Exception e) {
      // as the encode step's map: any exception of the encoding is the record's dead letter
      ctx.output(
          DeadLetter.OUTPUT_TAG,
          errors.reject(
              e, value, ctx.timestamp(), null, ctx.timerService().currentProcessingTime()));
      return;
    }
    out.collect(record);
    metrics.out();
  }
}
