package dev.etlkit.core.internal;

import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.ErrorHandler;
import dev.etlkit.core.StepMetrics;
import java.util.List;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.functions.Function;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.api.common.functions.util.FunctionUtils;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.ProcessFunction;

/**
 * Base of the generic steps that run one user function: gives it the runtime context, opens and
 * closes it with the operator, passes Flink's checkpoint hooks on to it ({@link
 * UserFunctionCheckpoints}), registers the step's counters and turns the function's exceptions into
 * dead letters.
 *
 * <p>The user function sees what it would see as the function of a plain Flink operator: its
 * runtime context from the operator's setup on (so also in {@code initializeState}), then {@code
 * initializeState}, {@code open}, and {@code snapshotState} and the checkpoint notifications as
 * they come.
 */
@Internal
abstract class UserFunctionStepFunction<I, O, F extends Function> extends ProcessFunction<I, O>
    implements CheckpointedFunction, CheckpointListener {
  private static final long serialVersionUID = 1L;

  protected final F function;
  private final ErrorHandler errors;
  protected transient StepMetrics metrics;

  UserFunctionStepFunction(F function, ErrorHandler errors) {
    this.function = function;
    this.errors = errors;
  }

  @Override
  public void setRuntimeContext(RuntimeContext context) {
    super.setRuntimeContext(context);
    FunctionUtils.setFunctionRuntimeContext(function, context);
  }

  @Override
  public void initializeState(FunctionInitializationContext context) throws Exception {
    UserFunctionCheckpoints.initializeState(List.of(function), context);
  }

  @Override
  public void open(OpenContext openContext) throws Exception {
    metrics = StepMetrics.register(getRuntimeContext(), errors.step());
    errors.open(metrics);
    FunctionUtils.openFunction(function, openContext);
  }

  /**
   * Emits the dead letter of {@code value} (or fails, per the step's error policy); {@link
   * ErrorHandler#reject} fails the task instead if the function was interrupted.
   */
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
  public void snapshotState(FunctionSnapshotContext context) throws Exception {
    UserFunctionCheckpoints.snapshotState(List.of(function), context);
  }

  @Override
  public void notifyCheckpointComplete(long checkpointId) throws Exception {
    UserFunctionCheckpoints.notifyCheckpointComplete(List.of(function), checkpointId);
  }

  @Override
  public void notifyCheckpointAborted(long checkpointId) throws Exception {
    UserFunctionCheckpoints.notifyCheckpointAborted(List.of(function), checkpointId);
  }

  @Override
  public void close() throws Exception {
    FunctionUtils.closeFunction(function);
  }
}
