package dev.etlkit.operators.filter.internal;

import dev.etlkit.core.StepIdentity;
import dev.etlkit.core.internal.OperatorCounter;
import dev.etlkit.operators.filter.NamedPredicate;
import java.util.List;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichFilterFunction;
import org.apache.flink.api.common.functions.util.FunctionUtils;

/**
 * The predicate of a {@code Filters.where} step: evaluates the conjuncts of a {@link
 * NamedPredicate} in order and counts a rejected record against the first conjunct that did not
 * hold. Runs inside etl-core's filter step function, which counts the step's in/out/filtered and
 * turns exceptions into dead letters; this function only adds the per-predicate breakdown.
 */
@Internal
public final class PredicateFilterFunction<T> extends RichFilterFunction<T> {
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
  public void open(OpenContext openContext) throws Exception {
    // The root passes the runtime context and open() on to each distinct user function once.
    FunctionUtils.setFunctionRuntimeContext(predicate, getRuntimeContext());
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
  public void close() throws Exception {
    FunctionUtils.closeFunction(predicate);
  }
}
