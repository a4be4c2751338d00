package dev.etlkit.core.internal;

import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.ErrorHandler;
import dev.etlkit.core.EtlException;
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

  /** How deep {@link #interrupted} looks into a cause chain. */
  private static final int MAX_CAUSES = 32;

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
   * Emits the dead letter of {@code value} (or fails, per the step's error policy); fails the task
   * instead if the function was interrupted.
   */
  protected final void reject(Exception error, I value, Context ctx) {
    if (interrupted(error)) {
      // The task is being cancelled, not fed a bad record: keep the flag and let the task end.
      Thread.currentThread().interrupt();
      throw new EtlException(errors.step(), "interrupted while processing a record", error);
    }
    ctx.output(
        DeadLetter.OUTPUT_TAG,
        errors.reject(
            error,
            value,
            ctx.timestamp(),
            SourcePositions.of(value),
            ctx.timerService().currentProcessingTime()));
  }

  /**
   * Whether the function failed because the task thread was interrupted: the interrupt flag is
   * still set (as an interrupted NIO channel leaves it), or an {@link InterruptedException} is the
   * error or one of its causes (blocking code that may not throw it wraps it, clearing the flag).
   * The function runs on the task thread, which Flink interrupts only to cancel the task.
   */
  private static boolean interrupted(Throwable error) {
    if (Thread.currentThread().isInterrupted()) {
      return true;
    }
    // A bounded walk: a cause chain may loop.
    Throwable t = error;
    for (int depth = 0; t != null && depth < MAX_CAUSES; depth++, t = t.getCause()) {
      if (t instanceof InterruptedException) {
        return true;
      }
    }
    return false;
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
