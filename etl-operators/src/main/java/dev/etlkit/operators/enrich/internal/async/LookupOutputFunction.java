package dev.etlkit.operators.enrich.internal.async;

import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.ErrorHandler;
import dev.etlkit.core.StepMetrics;
import dev.etlkit.core.internal.EventTimes;
import dev.etlkit.core.internal.ObjectReuseCopies;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.types.Either;
import org.apache.flink.util.Collector;

/**
 * The lookup step's output operator: passes enriched records on and sends dead letters to {@link
 * DeadLetter#OUTPUT_TAG}, applying the step's error policy to them (an async function can neither
 * emit side outputs nor keep accumulators, so the step's record accounting lives here). One input
 * is one record of the step: {@code in == out + deadLettered}. A dead letter's event time is the
 * record's Flink timestamp, else the record's own, which the draft carries (a {@code Change}'s
 * {@code eventTime()}, a {@code RawRecord}'s {@code timestamp()}), as {@link ErrorHandler} gives
 * other steps.
 *
 * <p>With object reuse on, an enriched record goes on as a copy: the combiner may have put the
 * looked-up value into it, which the cache hands to every record of its key, and a function chained
 * after the step gets the emitted object itself and may change it in place. (Without object reuse
 * Flink makes that copy itself.)
 */
@Internal
public final class LookupOutputFunction<O> extends ProcessFunction<Either<O, DeadLetter>, O> {
  private static final long serialVersionUID = 1L;

  private final ErrorHandler errors;
  private final TypeInformation<O> outputType;
  private transient StepMetrics metrics;
  private transient ObjectReuseCopies<O> outputCopies;

  public LookupOutputFunction(ErrorHandler errors, TypeInformation<O> outputType) {
    this.errors = errors;
    this.outputType = outputType;
  }

  @Override
  public void open(OpenContext openContext) {
    metrics = StepMetrics.register(getRuntimeContext(), errors.step());
    errors.open(metrics);
    outputCopies = ObjectReuseCopies.of(outputType, getRuntimeContext());
  }

  @Override
  public void processElement(Either<O, DeadLetter> result, Context ctx, Collector<O> out) {
    metrics.in();
    if (result.isLeft()) {
      out.collect(outputCopies.copy(result.left()));
      metrics.out();
      return;
    }
    DeadLetter draft = result.right();
    byte[] bytes = draft.payloadBytes();
    // The draft holds the payload's text, not the record: it carries the record's own event time
    Long timestamp = EventTimes.known(ctx.timestamp());
    DeadLetter letter =
        errors.reject(
            new LookupRejection(draft.errorClass(), draft.errorMessage()),
            bytes != null ? bytes : draft.payloadText(),
            timestamp != null ? timestamp : draft.eventTime(),
            draft.sourcePosition(),
            draft.rejectedAt(),
            draft.attempt());
    ctx.output(
        DeadLetter.OUTPUT_TAG,
        letter.toBuilder()
            .errorClass(draft.errorClass())
            .errorMessage(draft.errorMessage())
            .payloadTruncated(draft.payloadTruncated())
            .build());
  }

  /**
   * Stands for the original error (which does not travel between operators) when the error policy
   * fails the job: its message names the original class.
   */
  static final class LookupRejection extends Exception {
    private static final long serialVersionUID = 1L;

    LookupRejection(String errorClass, String errorMessage) {
      super(
          errorMessage == null ? errorClass : errorClass + ": " + errorMessage, null, false, false);
    }
  }
}
