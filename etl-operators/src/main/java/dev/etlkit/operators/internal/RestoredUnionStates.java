package dev.etlkit.operators.internal;

import java.util.Set;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.runtime.state.StateInitializationContext;

/**
 * Union list states a restore brought that the step, as configured now, does not use (written by it
 * with another configuration). Flink carries restored operator state on when nobody registers it,
 * and a union list state gives every subtask all subtasks' entries at a restore: carried on, every
 * subtask would write them all again, and their entries would multiply by the parallelism with
 * every restore. Registered and cleared, they stay in the snapshots, empty.
 */
@Internal
public final class RestoredUnionStates {

  private RestoredUnionStates() {}

  /**
   * Registers and clears each of {@code states} the restore brought; registers none of the others.
   * Call from {@code initializeState} with states the step does not register otherwise, each with
   * the type its entries were written with.
   */
  public static void clear(StateInitializationContext context, ListStateDescriptor<?>... states)
      throws Exception {
    if (!context.isRestored()) {
      return;
    }
    Set<String> restored = context.getOperatorStateStore().getRegisteredStateNames();
    for (ListStateDescriptor<?> state : states) {
      if (restored.contains(state.getName())) {
        context.getOperatorStateStore().getUnionListState(state).clear();
      }
    }
  }
}
