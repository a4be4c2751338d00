package dev.etlkit.operators.filter.internal;

import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.ErrorHandler;
import dev.etlkit.core.StepMetrics;
import dev.etlkit.core.internal.FunctionLifecycle;
import dev.etlkit.core.internal.OperatorCounter;
import dev.etlkit.core.internal.SourcePositions;
import dev.etlkit.core.internal.UserFunctionCheckpoints;
import java.util.Arrays;
import java.util.List;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.functions.FilterFunction;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.api.common.functions.util.FunctionUtils;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * The one operator of a {@code Route} step: emits each record on the side output of every route the
 * {@link RouteSelector} picks; the main output stays empty.
 *
 * <p>Accounting: a record sent to one or more routes counts as {@code out} (with {@code emitted}
 * raised by the number of routes), a record sent to none as {@code filtered}, a record whose
 * predicate threw as {@code deadLettered}. Routes are emitted only after every predicate the rule
 * needs has been evaluated, so a throwing predicate never leaves a record half-routed, and an error
 * of a downstream operator is never mistaken for a bad record.
 *
 * <p>The runtime context, the lifecycle and Flink's checkpoint hooks go on to each of the functions
 * once ({@link UserFunctionCheckpoints}).
 */
@Internal
public final class RouteFunction<T> extends ProcessFunction<T, T>
    implements CheckpointedFunction, CheckpointListener {
  private static final long serialVersionUID = 1L;

  private final RouteSelector<T> selector;
  private final FilterFunction<T>[] functions;
  private final OutputTag<T>[] tags;
  private final String[] routeNames;
  private final ErrorHandler errors;

  private transient StepMetrics metrics;
  private transient OperatorCounter[] routed;
  private transient int[] selected;

  /**
   * @param functions the functions to open and close with the operator, each once: the routes'
   *     predicates, or the user functions inside them where they are {@code NamedPredicate}s
   * @param tags one side output per route, in route order (the otherwise route last)
   * @param routeNames the routes' names, in the same order
   */
  @SuppressWarnings("unchecked")
  public RouteFunction(
      RouteSelector<T> selector,
      List<? extends FilterFunction<T>> functions,
      List<OutputTag<T>> tags,
      List<String> routeNames,
      ErrorHandler errors) {
    if (tags.size() != selector.routeCount() || routeNames.size() != selector.routeCount()) {
      throw new IllegalArgumentException(
          "expected " + selector.routeCount() + " tags and names, got " + tags + routeNames);
    }
    this.selector = selector;
    this.functions = functions.toArray(new FilterFunction[0]);
    this.tags = tags.toArray(new OutputTag[0]);
    this.routeNames = routeNames.toArray(new String[0]);
    this.errors = errors;
  }

  @Override
  public void setRuntimeContext(RuntimeContext context) {
    super.setRuntimeContext(context);
    for (FilterFunction<T> function : functions) {
      FunctionUtils.setFunctionRuntimeContext(function, context);
    }
  }

  @Override
  public void initializeState(FunctionInitializationContext context) throws Exception {
    UserFunctionCheckpoints.initializeState(Arrays.asList(functions), context);
  }

  @Override
  public void open(OpenContext openContext) throws Exception {
    metrics = StepMetrics.register(getRuntimeContext(), errors.step());
    errors.open(metrics);
    for (FilterFunction<T> function : functions) {
      FunctionUtils.openFunction(function, openContext);
    }
    routed = new OperatorCounter[routeNames.length];
    for (int i = 0; i < routeNames.length; i++) {
      routed[i] =
          BranchCounters.register(
              getRuntimeContext(),
              errors.step(),
              BranchCounters.ROUTE,
              routeNames[i],
              BranchCounters.RECORDS_ROUTED);
    }
    selected = new int[selector.routeCount()];
  }

  @Override
  public void processElement(T value, Context ctx, Collector<T> out) {
    metrics.in();
    int count;
    try {
      count = selector.select(value, selected);
    } catch (Exception e) {
      ctx.output(
          DeadLetter.OUTPUT_TAG,
          errors.reject(
              e,
              value,
              ctx.timestamp(),
              SourcePositions.of(value),
              ctx.timerService().currentProcessingTime()));
      return;
    }
    if (count == 0) {
      metrics.filtered();
      return;
    }
    for (int i = 0; i < count; i++) {
      int route = selected[i];
      ctx.output(tags[route], value);
      routed[route].inc();
    }
    metrics.out(count);
  }

  @Override
  public void snapshotState(FunctionSnapshotContext context) throws Exception {
    UserFunctionCheckpoints.snapshotState(Arrays.asList(functions), context);
  }

  @Override
  public void notifyCheckpointComplete(long checkpointId) throws Exception {
    UserFunctionCheckpoints.notifyCheckpointComplete(Arrays.asList(functions), checkpointId);
  }

  @Override
  public void notifyCheckpointAborted(long checkpointId) throws Exception {
    UserFunctionCheckpoints.notifyCheckpointAborted(Arrays.asList(functions), checkpointId);
  }

  @Override
  public void close() throws Exception {
    FunctionLifecycle.closeAll(Arrays.asList(functions));
  }
}
