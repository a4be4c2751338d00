package dev.etlkit.core.internal;

import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.ErrorHandler;
import dev.etlkit.core.StepMetrics;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.util.FunctionUtils;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/** Runs a user map function; its exceptions and null results become dead letters. */
@Internal
public final class MapStepFunction<I, O> extends ProcessFunction<I, O> {
  private static final long serialVersionUID = 1L;

  private final MapFunction<I, O> function;
  private final ErrorHandler errors;
  private transient StepMetrics metrics;

  public MapStepFunction(MapFunction<I, O> function, ErrorHandler errors) {
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

  @Override
  public void processElement(I value, Context ctx, Collector<O> out) throws Exception {
    metrics.in();
    O result;
    try {
      result = function.map(value);
      if (result == null) {
        throw new NullPointerException("map function returned null");
      }
    } catch (Exception e) {
      // Only the user's function is guarded: errors of downstream operators must not be
      // mistaken for bad records, so collect() stays outside the try.
      ctx.output(
          DeadLetter.OUTPUT_TAG,
          errors.reject(
              e, value, ctx.timestamp(), null, ctx.timerService().currentProcessingTime()));
      return;
    }
    out.collect(result);
    metrics.out();
  }

  @Override
  public void close() throws Exception {
    FunctionUtils.closeFunction(function);
  }
}
