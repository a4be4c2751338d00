package dev.etlkit.operators.internal;

import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.ErrorHandler;
import dev.etlkit.core.EtlException;
import dev.etlkit.core.StepMetrics;
import dev.etlkit.core.internal.EventTimes;
import dev.etlkit.operators.PayloadInput;
import java.util.ArrayList;
import java.util.List;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Base of every decoder: reads the payload through a {@link PayloadInput}, lets the subclass decode
 * it into zero or more records, and turns any exception of the decoder into exactly one dead letter
 * with the original bytes and the source coordinates (or fails, per policy). An {@link
 * InfrastructureFailure} is no bad record: it fails the task, whatever the policy.
 *
 * <p>Accounting: a record decoded into one or more outputs counts as {@code out}; a record decoded
 * into none (a heartbeat, a transaction marker: skipped on purpose) counts as {@code filtered}; a
 * rejected record as {@code deadLettered}. Outputs are collected only after decoding succeeded, so
 * an exception of a downstream operator is never mistaken for a bad record.
 */
@Internal
public abstract class DecodingFunction<I, O> extends ProcessFunction<I, O> {
  private static final long serialVersionUID = 1L;

  private final PayloadInput<I> input;
  private final ErrorHandler errors;
  private transient StepMetrics metrics;
  private transient List<O> decoded;

  protected DecodingFunction(PayloadInput<I> input, ErrorHandler errors) {
    this.input = input;
    this.errors = errors;
  }

  @Override
  public void open(OpenContext openContext) throws Exception {
    metrics = StepMetrics.register(getRuntimeContext(), errors.step());
    errors.open(metrics);
    decoded = new ArrayList<>(2);
  }

  /**
   * Decodes one record.
   *
   * @param record the input record
   * @param payload its payload bytes, or null (a tombstone)
   * @param key its key bytes, or null
   * @param into where to add the decoded records (none means: skipped on purpose)
   * @throws Exception when the record cannot be decoded; it becomes a dead letter
   * @throws InfrastructureFailure when something else failed; the task fails
   */
  protected abstract void decode(
      I record, @Nullable byte[] payload, @Nullable byte[] key, List<O> into) throws Exception;

  /** The input reader, for subclasses that need more of the record. */
  protected final PayloadInput<I> input() {
    return input;
  }

  @Override
  public final void processElement(I record, Context ctx, Collector<O> out) {
    metrics.in();
    decoded.clear();
    try {
      decode(record, input.payload(record), input.key(record), decoded);
    } catch (InfrastructureFailure e) {
      // Not the record's fault (a registry that is down): fail the task, Flink restarts it.
      throw new EtlException(errors.step(), e.getMessage(), e);
    } catch (Exception | StackOverflowError e) {
      decoded.clear();
      // A source without a timestamp assigner stamps Long.MIN_VALUE: then the record's own time.
      Long timestamp = EventTimes.known(ctx.timestamp());
      if (timestamp == null) {
        timestamp = input.timestamp(record);
      }
      ctx.output(
          DeadLetter.OUTPUT_TAG,
          errors.reject(
              e instanceof StackOverflowError
                  ? new IllegalArgumentException("too deeply nested")
                  : e,
              input.deadLetterPayload(record),
              timestamp,
              input.source(record),
              ctx.timerService().currentProcessingTime()));
      return;
    }
    int n = decoded.size();
    if (n == 0) {
      metrics.filtered();
      return;
    }
    for (int i = 0; i < n; i++) {
      out.collect(decoded.get(i));
    }
    decoded.clear();
    metrics.out(n);
  }
}
