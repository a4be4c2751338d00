package dev.etlkit.scd.internal;

import dev.etlkit.core.Change;
import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.ErrorHandler;
import dev.etlkit.core.StepMetrics;
import dev.etlkit.core.internal.NestedNullFields;
import dev.etlkit.core.internal.SourcePositions;
import java.util.Objects;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Runs before the SCD2 step keys its input, chained to the input, only where the input type can
 * hold a Flink tuple with a {@code null} field its serializer cannot write (a {@code Long}, a
 * nested tuple or row; at top level or inside a POJO, record, row or collection), or a list element
 * or map key whose serializer refuses {@code null} ({@link NestedNullFields#ofRecords}): such a
 * change would fail the network serializer of the shuffle, and the restarted job again on the same
 * change. Here it is finished instead: a change the step skips unread (a {@code -U}, a delete under
 * {@code HardDeletes.IGNORE}) is filtered, as the step's function would filter it; any other
 * becomes a dead letter under the step's error policy (which may fail the job instead), for its
 * missing business key if it has none (as the function would say), else {@code "record field
 * amount.f1 is null, which Flink's tuple serializer cannot write"} ({@code "... quantities[2] ...
 * list serializer ..."}; the path, never a value). Its event time is the change's own, else the
 * record's timestamp, and it carries the change's source position, as the function's dead letters
 * do. Every other change goes on untouched.
 *
 * <p>Accounting: the changes finished here count in (and filtered or dead-lettered) here, those
 * passed on count in the step's function, so each change counts once. The error policy's budget of
 * this function is its own and counts every change it sees ({@link ErrorHandler#passedOn()}).
 *
 * <p>Per change it walks only the fields on the way to such a tuple and allocates nothing unless it
 * finds one.
 *
 * @param <I> input type: {@code Change<T>} or {@code T}
 * @param <T> the entity's attribute type
 */
@Internal
public final class Scd2RecordCheck<I, T> extends ProcessFunction<I, I> {
  private static final long serialVersionUID = 1L;

  private final NestedNullFields values;
  private final Scd2KeySelector<I, T> keys;
  private final Scd2Config<I, T> config;
  private final ErrorHandler errors;

  private transient StepMetrics metrics;

  private Scd2RecordCheck(NestedNullFields values, Scd2Config<I, T> config, ErrorHandler errors) {
    this.values = values;
    this.config = config;
    this.keys = new Scd2KeySelector<>(config.key(), config.changelog());
    this.errors = Objects.requireNonNull(errors, "errors");
  }

  /**
   * The check of a step with this configuration, or {@code null} if no record of its input type can
   * hold such a tuple field (the step then ships its input as it always did).
   */
  @Nullable
  public static <I, T> Scd2RecordCheck<I, T> of(Scd2Config<I, T> config, ErrorHandler errors) {
    NestedNullFields values = NestedNullFields.ofRecords(config.inputType());
    return values == null ? null : new Scd2RecordCheck<>(values, config, errors);
  }

  @Override
  public void open(OpenContext openContext) {
    metrics = StepMetrics.register(getRuntimeContext(), errors.step());
    errors.open(metrics);
  }

  @Override
  public void processElement(I record, Context ctx, Collector<I> out) {
    String field = values.find(record);
    if (field == null) {
      errors.passedOn();
      out.collect(record);
      return;
    }
    metrics.in();
    if (config.changelog()
        && Scd2Function.isSkipped(((Change<?>) record).kind(), config.hardDeletes())) {
      metrics.filtered();
      return;
    }
    Exception error =
        Scd2KeySelector.NO_KEY.equals(keys.getKey(record))
            ? keys.whyNoKey(record)
            : NestedNullFields.unwritableRecord(field);
    Long eventTime = config.changelog() ? ((Change<?>) record).eventTime() : null;
    ctx.output(
        DeadLetter.OUTPUT_TAG,
        errors.reject(
            error,
            record,
            eventTime != null ? eventTime : ctx.timestamp(),
            SourcePositions.of(record),
            ctx.timerService().currentProcessingTime()));
  }
}
