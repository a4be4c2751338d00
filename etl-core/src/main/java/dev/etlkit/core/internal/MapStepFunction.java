package dev.etlkit.core.internal;

import dev.etlkit.core.ErrorHandler;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.util.Collector;

/** Runs a user map function; its exceptions and null results become dead letters. */
@Internal
public final class MapStepFunction<I, O> extends UserFunctionStepFunction<I, O, MapFunction<I, O>> {
  private static final long serialVersionUID = 1L;

  public MapStepFunction(MapFunction<I, O> function, ErrorHandler errors) {
    super(function, errors);
  }

  @Override
  public void processElement(I value, Context ctx, Collector<O> out) {
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
      reject(e, value, ctx);
      return;
    }
    out.collect(result);
    metrics.out();
  }
}
