package dev.etlkit.operators.filter.internal;

import dev.etlkit.core.StepIdentity;
import dev.etlkit.core.internal.OperatorCounter;
import dev.etlkit.operators.filter.NamedPredicate;
import java.util.List;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichFilterFunction;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.api.common.functions.util.FunctionUtils;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;

/**
 * The predicate of a {@code Filters.where} step: evaluates the conjuncts of a {@link
 * NamedPredicate} in order and counts a rejected record against the first conjunct that did not
 * hold. Runs inside etl-core's filter step function, which counts the step's in/out/filtered and
 * turns exceptions into dead letters; this function only adds the per-predicate breakdown.
 *
 * <p>The runtime context, the lifecycle and Flink's checkpoint hooks go on to the predicate, whose
 * root passes them on to each distinct user function of its tree once.
 */
@Internal
public final class PredicateFilterFunction<T> extends RichFilterFunction<T>
    implements CheckpointedFunction, CheckpointListener {
  private static final long serialVersionUID = 1L;

  private final NamedPredicate<T> predicate;
  private final NamedPredicate<T>[] conjuncts;
  private final StepIdentity step;
  private transient OperatorCounter[] filteredBy;

  @SuppressWarnings("unchecked")
  public PredicateFilterFunction(NamedPredicate<T> predicate, StepIdentity step) {
    this.predicate = predicate;
    List<NamedPredicate<T>> parts = predicate.conjuncts();
    this.conjuncts = parts.toArray(new NamedPredicate[0]);
    this.step = step;
  }

  @Override
  public void setRuntimeContext(RuntimeContext context) {
    super.setRuntimeContext(context);
    FunctionUtils.setFunctionRuntimeContext(predicate, context);
  }

  @Override
  public void initializeState(FunctionInitializationContext context) throws Exception {
    predicate.initializeState(context);
  }

  @Override
  public void open(OpenContext openContext) throws Exception {
    FunctionUtils.openFunction(predicate, openContext);
    filteredBy = new OperatorCounter[conjuncts.length];
    for (int i = 0; i < conjuncts.length; i++) {
      filteredBy[i] =
          BranchCounters.register(
              getRuntimeContext(),
              step,
              BranchCounters.PREDICATE,
              conjuncts[i].name(),
              BranchCounters.RECORDS_FILTERED);
    }
  }

  @Override
  public boolean filter(T value) throws Exception {
    for (int i = 0; i < conjuncts.length; i++) {
      if (!conjuncts[i].filter(value)) {
        filteredBy[i].inc();
        return false;
      }
    }
    return true;
  }

  @Override
  public void snapshotState(FunctionSnapshotContext context) throws Exception {
    predicate.snapshotState(context);
  }

  @Override
  public void notifyCheckpointComplete(long checkpointId) throws Exception {
    predicate.notifyCheckpointComplete(checkpointId);
  }

  @Override
  public void notifyCheckpointAborted(long checkpointId) throws Exception {
    predicate.notifyCheckpointAborted(checkpointId);
  }

  @Override
  public void close() throws Exception {
    FunctionUtils.closeFunction(predicate);
  }
}
