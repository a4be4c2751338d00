package dev.etlkit.operators.internal;

import java.util.ArrayList;
import java.util.List;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.OperatorStateHandle;

/** How many entries an operator state has in each subtask's snapshot (its partition offsets). */
public final class OperatorStateCopies {

  private OperatorStateCopies() {}

  /** Per snapshot, the entries of operator state {@code name} (0 where it has none). */
  public static List<Integer> of(List<OperatorSubtaskState> snapshots, String name) {
    List<Integer> copies = new ArrayList<>();
    for (OperatorSubtaskState snapshot : snapshots) {
      int n = 0;
      for (OperatorStateHandle handle : snapshot.getManagedOperatorState()) {
        OperatorStateHandle.StateMetaInfo info = handle.getStateNameToPartitionOffsets().get(name);
        if (info != null) {
          n += info.getOffsets().length;
        }
      }
      copies.add(n);
    }
    return copies;
  }
}
