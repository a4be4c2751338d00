package dev.etlkit.operators.json.internal;

import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.ErrorHandler;
import dev.etlkit.core.RawRecord;
import dev.etlkit.core.StepMetrics;
import dev.etlkit.core.internal.EventTimes;
import dev.etlkit.operators.internal.RawRecordKeys;
import dev.etlkit.operators.json.JsonRecordException;
import dev.etlkit.operators.json.JsonRecordException.Reason;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The function of {@code Json.write}: one record into one JSON document, as bytes, text or the
 * value of a {@code RawRecord} beside the record's key. A record Jackson cannot write (a stack
 * overflow included) becomes a dead letter (its payload is the record's {@code toString()}), and so
 * does a record written longer than its size limit (with its key, for a {@code RawRecord}); any
 * other {@code Error} a getter throws fails the task.
 *
 * @param <T> the record type
 * @param <O> {@code byte[]}, {@code String} or {@code RawRecord}
 */
@Internal
public final class JsonWriteFunction<T, O> extends ProcessFunction<T, O> {
  private static final long serialVersionUID = 1L;

  private final Class<T> type;
  private final boolean text;
  @Nullable private final KeySelector<T, byte[]> key;
  private final boolean omitNullFields;
  private final int maxBytes;
  private final ErrorHandler errors;
  private transient StepMetrics metrics;
  private transient JsonRecordWriter<T> writer;
  @Nullable private transient RawRecordKeys<T, JsonRecordException> keys;

  /**
   * @param text true for {@code String} output, false for {@code byte[]} (or raw records)
   * @param key the key function of {@code RawRecord} output; null for JSON alone
   * @param maxBytes the most UTF-8 bytes a written record may have, also for text output
   */
  public JsonWriteFunction(
      Class<T> type,
      boolean text,
      @Nullable KeySelector<T, byte[]> key,
      boolean omitNullFields,
      int maxBytes,
      ErrorHandler errors) {
    this.type = type;
    this.text = text;
    this.key = key;
    this.omitNullFields = omitNullFields;
    this.maxBytes = maxBytes;
    this.errors = errors;
  }

  @Override
  public void open(OpenContext openContext) throws Exception {
    metrics = StepMetrics.register(getRuntimeContext(), errors.step());
    errors.open(metrics);
    writer = new JsonRecordWriter<>(type, omitNullFields, maxBytes);
    if (key != null) {
      keys =
          new RawRecordKeys<>(
              key,
              type.getSimpleName(),
              errors.step(),
              message -> new JsonRecordException(Reason.WRITE_FAILED, message));
    }
  }

  @Override
  @SuppressWarnings("unchecked")
  public void processElement(T value, Context ctx, Collector<O> out) {
    metrics.in();
    O json;
    try {
      if (text) {
        json = (O) writer.writeText(value);
      } else if (keys == null) {
        json = (O) writer.writeBytes(value);
      } else {
        byte[] recordKey = keys.of(value);
        int keyBytes = recordKey == null ? 0 : recordKey.length;
        json =
            (O)
                new RawRecord(
                    recordKey,
                    writer.writeBytes(value, keyBytes),
                    null,
                    EventTimes.known(ctx.timestamp())); // Flink's "no timestamp" marker is none
      }
    } catch (JsonRecordException e) {
      ctx.output(
          DeadLetter.OUTPUT_TAG,
          errors.reject(
              e, value, ctx.timestamp(), null, ctx.timerService().currentProcessingTime()));
      return;
    }
    out.collect(json);
    metrics.out();
  }
}
