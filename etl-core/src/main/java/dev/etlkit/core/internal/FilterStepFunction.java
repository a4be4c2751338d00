package dev.etlkit.core.internal;

import dev.etlkit.core.ErrorHandler;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.functions.FilterFunction;
import org.apache.flink.util.Collector;

/** Runs a user predicate; false counts as filtered, exceptions become dead letters. */
@Internal
public final class FilterStepFunction<T> extends UserFunctionStepFunction<T, T, FilterFunction<T>> {
  private static final long serialVersionUID = 1L;

  public FilterStepFunction(FilterFunction<T> predicate, ErrorHandler errors) {
    super(predicate, errors);
  }

  @Override
  public void processElement(T value, Context ctx, Collector<T> out) {
    metrics.in();
    boolean keep;
    try {
      keep = function.filter(value);
    } catch (Exception e) {
      reject(e, value, ctx);
      return;
    }
    if (keep) {
      out.collect(value);
      metrics.out();
    } else {
      metrics.filtered();
    }
  }
}
