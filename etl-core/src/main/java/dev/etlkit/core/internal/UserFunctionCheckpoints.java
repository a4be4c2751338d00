package dev.etlkit.core.internal;

import java.util.ArrayList;
import java.util.List;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.checkpoint.ListCheckpointed;
import org.apache.flink.util.ExceptionUtils;

/**
 * Flink's checkpoint hooks of user functions that etlkit runs inside a function of its own.
 *
 * <p>Flink calls {@link CheckpointedFunction#initializeState}, {@link
 * CheckpointedFunction#snapshotState} and the {@link CheckpointListener} notifications only on the
 * operator's own function ({@code AbstractUdfStreamOperator} through {@code
 * StreamingFunctionUtils}): on etlkit's wrapper, never on the user function inside it, whose state
 * would silently be lost on every restore. A wrapper therefore passes each hook on to the user
 * functions that implement it, at the moment Flink calls it: {@code initializeState} before {@code
 * open()} (on a restore, with the restored state), {@code snapshotState} on every checkpoint and
 * savepoint, the notifications after the operator's own.
 *
 * <p>Where a wrapper cannot pass the hooks on, {@link #requireNone} rejects such functions when the
 * step is built. Flink's deprecated {@link ListCheckpointed} is never passed on ({@link
 * #requireForwardable} rejects it): it would need Flink's internal Java serializer.
 */
@Internal
public final class UserFunctionCheckpoints {
  private UserFunctionCheckpoints() {}

  /**
   * Returns {@code function} if its checkpoint hooks can be passed on.
   *
   * @param what names the function in the message, for example {@code "function of step 'parse'"}
   * @throws IllegalArgumentException if it implements {@link ListCheckpointed}
   */
  @SuppressWarnings("deprecation") // ListCheckpointed: rejected here, never used
  public static <F> F requireForwardable(F function, String what) {
    if (function instanceof ListCheckpointed) {
      throw new IllegalArgumentException(
          "the "
              + what
              + " ("
              + function.getClass().getName()
              + ") implements Flink's deprecated ListCheckpointed, which etlkit does not pass on:"
              + " implement CheckpointedFunction instead");
    }
    return function;
  }

  /**
   * Returns {@code function} if it implements none of Flink's checkpoint hooks.
   *
   * @param what names the function in the message, for example {@code "combiner of step 'x'"}
   * @param why why the step cannot pass the hooks on, and what to do instead
   * @throws IllegalArgumentException if it implements {@link CheckpointedFunction}, {@link
   *     ListCheckpointed} or {@link CheckpointListener}
   */
  @SuppressWarnings("deprecation") // ListCheckpointed: rejected here, never used
  public static <F> F requireNone(F function, String what, String why) {
    String hook =
        function instanceof CheckpointedFunction
            ? "CheckpointedFunction"
            : function instanceof ListCheckpointed
                ? "ListCheckpointed"
                : function instanceof CheckpointListener ? "CheckpointListener" : null;
    if (hook != null) {
      throw new IllegalArgumentException(
          "the "
              + what
              + " ("
              + function.getClass().getName()
              + ") implements "
              + hook
              + ", which the step does not pass on: "
              + why);
    }
    return function;
  }

  /**
   * Rejects {@code functions} if more than one of them implements {@link CheckpointedFunction}:
   * functions run by one operator share its state, so two of them registering a state under the
   * same name would read and overwrite each other's state without an error.
   *
   * @param functions distinct functions (told apart by identity) of one operator
   * @param where names the step or predicate in the message
   * @throws IllegalArgumentException if two or more are {@link CheckpointedFunction}s
   */
  public static void requireAtMostOneCheckpointed(List<?> functions, String where) {
    List<String> checkpointed = new ArrayList<>();
    for (Object function : functions) {
      if (function instanceof CheckpointedFunction) {
        checkpointed.add(function.getClass().getName());
      }
    }
    if (checkpointed.size() > 1) {
      throw new IllegalArgumentException(
          checkpointed.size()
              + " functions of "
              + where
              + " implement CheckpointedFunction "
              + checkpointed
              + ", but one operator runs them all and their states would share its names: at most"
              + " one may keep checkpointed state; move the others into steps of their own");
    }
  }

  /** Calls {@link CheckpointedFunction#initializeState} on those of {@code functions} that are. */
  public static void initializeState(List<?> functions, FunctionInitializationContext context)
      throws Exception {
    for (Object function : functions) {
      if (function instanceof CheckpointedFunction) {
        ((CheckpointedFunction) function).initializeState(context);
      }
    }
  }

  /** Calls {@link CheckpointedFunction#snapshotState} on those of {@code functions} that are. */
  public static void snapshotState(List<?> functions, FunctionSnapshotContext context)
      throws Exception {
    for (Object function : functions) {
      if (function instanceof CheckpointedFunction) {
        ((CheckpointedFunction) function).snapshotState(context);
      }
    }
  }

  /**
   * Calls {@link CheckpointListener#notifyCheckpointComplete} on the listeners among them: on every
   * one even if an earlier one throws, as Flink's operator chain notifies its operators, then
   * rethrows the first failure with the later ones suppressed.
   */
  public static void notifyCheckpointComplete(List<?> functions, long checkpointId)
      throws Exception {
    notifyEach(functions, checkpointId, true);
  }

  /**
   * Calls {@link CheckpointListener#notifyCheckpointAborted} on the listeners among them, like
   * {@link #notifyCheckpointComplete}: all of them, then the first failure rethrown.
   */
  public static void notifyCheckpointAborted(List<?> functions, long checkpointId)
      throws Exception {
    notifyEach(functions, checkpointId, false);
  }

  private static void notifyEach(List<?> functions, long checkpointId, boolean complete)
      throws Exception {
    Exception first = null;
    for (Object function : functions) {
      if (function instanceof CheckpointListener) {
        try {
          if (complete) {
            ((CheckpointListener) function).notifyCheckpointComplete(checkpointId);
          } else {
            ((CheckpointListener) function).notifyCheckpointAborted(checkpointId);
          }
        } catch (Exception e) {
          first = ExceptionUtils.firstOrSuppressed(e, first);
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }
}
