package dev.etlkit.core.internal;

import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.ErrorHandler;
import dev.etlkit.core.StepMetrics;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.functions.Function;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.util.FunctionUtils;
import org.apache.flink.streaming.api.functions.ProcessFunction;

/**
 * Base of the generic steps that run one user function: opens and closes it with the operator,
 * registers the step's counters and turns the function's exceptions into dead letters.
 */
@Internal
abstract class UserFunctionStepFunction<I, O, F extends Function> extends ProcessFunction<I, O> {
  private static final long serialVersionUID = 1L;

  protected final F function;
  private final ErrorHandler errors;
  protected transient StepMetrics metrics;

  UserFunctionStepFunction(F function, ErrorHandler errors) {
    this.function = function;
    this.errors = errors;
  }

  @Override
  public void open(OpenContext openContext) throws Exception {
    metrics = StepMetrics.register(getRuntimeContext(), errors.step());
    errors.open(metrics);
    FunctionUtils.setFunctionRuntimeContext(function, getRuntimeContext());
    FunctionUtils.openFunction(function, openContext);
  }

  /** Emits the dead letter of {@code value} (or fails, per the step's error policy). */
  protected final void reject(Exception error, I value, Context ctx) {
    ctx.output(
        DeadLetter.OUTPUT_TAG,
        errors.reject(
            error,
            value,
            ctx.timestamp(),
            SourcePositions.of(value),
            ctx.timerService().currentProcessingTime()));
  }

  @Override
  public void close() throws Exception {
    FunctionUtils.closeFunction(function);
  }
}
