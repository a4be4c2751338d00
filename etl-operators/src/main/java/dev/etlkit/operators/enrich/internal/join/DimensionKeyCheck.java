package dev.etlkit.operators.enrich.internal.join;

import dev.etlkit.core.Change;
import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.ErrorHandler;
import dev.etlkit.core.StepMetrics;
import dev.etlkit.operators.enrich.DimensionJoinException;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.types.RowKind;
import org.apache.flink.util.Collector;

/**
 * Runs before the dimension changelog is keyed: drops {@code -U} records before the shuffle (the
 * join ignores them; counted as filtered) and dead-letters records whose key is {@code null} or
 * whose key selector throws, which Flink's {@code keyBy} would fail the job for. Counts under the
 * {@code <step>/dimension} identity, like the join does for the records it receives.
 */
@Internal
public final class DimensionKeyCheck<D, K> extends ProcessFunction<Change<D>, Change<D>> {
  private static final long serialVersionUID = 1L;

  private final KeySelector<D, K> key;
  private final ErrorHandler errors;

  private transient StepMetrics metrics;

  public DimensionKeyCheck(KeySelector<D, K> key, ErrorHandler errors) {
    this.key = key;
    this.errors = errors;
  }

  @Override
  public void open(OpenContext openContext) {
    metrics = StepMetrics.register(getRuntimeContext(), errors.step());
    errors.open(metrics);
  }

  @Override
  public void processElement(Change<D> change, Context ctx, Collector<Change<D>> out) {
    if (change.kind() == RowKind.UPDATE_BEFORE) {
      metrics.in();
      metrics.filtered();
      return;
    }
    K k;
    try {
      k = key.getKey(change.value());
    } catch (Exception e) {
      metrics.in();
      reject(e, change, ctx);
      return;
    }
    if (k == null) {
      metrics.in();
      reject(
          new DimensionJoinException(
              DimensionJoinException.Reason.NULL_KEY, "the dimension record's key is null"),
          change,
          ctx);
      return;
    }
    out.collect(change);
  }

  private void reject(Exception error, Change<D> change, Context ctx) {
    String position =
        change.sourcePosition() == null ? null : String.valueOf(change.sourcePosition());
    ctx.output(
        DeadLetter.OUTPUT_TAG,
        errors.reject(
            error, change, ctx.timestamp(), position, ctx.timerService().currentProcessingTime()));
  }
}
