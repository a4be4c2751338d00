package dev.etlkit.core.internal;

import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.ErrorHandler;
import dev.etlkit.core.StepMetrics;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.functions.FilterFunction;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.util.FunctionUtils;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/** Runs a user predicate; false counts as filtered, exceptions become dead letters. */
@Internal
public final class FilterStepFunction<T> extends ProcessFunction<T, T> {
  private static final long serialVersionUID = 1L;

  private final FilterFunction<T> predicate;
  private final ErrorHandler errors;
  private transient StepMetrics metrics;

  public FilterStepFunction(FilterFunction<T> predicate, ErrorHandler errors) {
    this.predicate = predicate;
    this.errors = errors;
  }

  @Override
  public void open(OpenContext openContext) throws Exception {
    metrics = StepMetrics.register(getRuntimeContext(), errors.step());
    errors.open(metrics);
    FunctionUtils.setFunctionRuntimeContext(predicate, getRuntimeContext());
    FunctionUtils.openFunction(predicate, openContext);
  }

  @Override
  public void processElement(T value, Context ctx, Collector<T> out) throws Exception {
    metrics.in();
    boolean keep;
    try {
      keep = predicate.filter(value);
    } catch (Exception e) {
      ctx.output(
          DeadLetter.OUTPUT_TAG,
          errors.reject(
              e, value, ctx.timestamp(), null, ctx.timerService().currentProcessingTime()));
      return;
    }
    if (keep) {
      out.collect(value);
      metrics.out();
    } else {
      metrics.filtered();
    }
  }

  @Override
  public void close() throws Exception {
    FunctionUtils.closeFunction(predicate);
  }
}
