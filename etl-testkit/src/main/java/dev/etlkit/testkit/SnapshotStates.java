package dev.etlkit.testkit;

import dev.etlkit.core.StateInventory;
import java.io.IOException;
import java.util.Collections;
import java.util.SortedSet;
import java.util.TreeSet;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.core.fs.FSDataInputStream;
import org.apache.flink.core.memory.DataInputViewStreamWrapper;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.KeyGroupsStateHandle;
import org.apache.flink.runtime.state.KeyedBackendSerializationProxy;
import org.apache.flink.runtime.state.KeyedStateHandle;
import org.apache.flink.runtime.state.OperatorStateHandle;
import org.apache.flink.runtime.state.metainfo.StateMetaInfoSnapshot;

/**
 * Which states a snapshot of one operator subtask holds, by name, so that a test can check them
 * against what the step declares in its {@link StateInventory}: a state the inventory does not list
 * is state an operator of the job cannot see before it runs, and one it lists that the savepoint
 * lacks is a promise the step does not keep.
 *
 * <pre>{@code
 * StateInventory inventory = output.stateInventory(); // the pipeline's, with the step applied
 * try (OperatorHarness<String, String> h = recipe.on(backend).open()) {
 *   h.run(input);
 *   assertThat(SnapshotStates.names(h.savepoint()))
 *       .isEqualTo(SnapshotStates.declared(inventory, "orders/dedup"));
 * }
 * }</pre>
 */
@PublicEvolving
public final class SnapshotStates {

  /** The prefixes Flink gives the two queues of a timer service in keyed state. */
  private static final String[] TIMER_PREFIXES = {
    "_timer_state/processing_", "_timer_state/event_"
  };

  private SnapshotStates() {}

  /**
   * The names of the states in {@code savepoint}: keyed states, timer services (by the name the
   * operator gave the service, as a state inventory lists them, without the prefixes of Flink's two
   * queues per service) and operator states, registered ones included even when empty.
   *
   * @param savepoint a canonical savepoint ({@link OperatorHarness#savepoint()}) or a checkpoint of
   *     the heap backend: both begin their keyed state with the states' descriptions. Timers Flink
   *     keeps in raw keyed state (RocksDB with heap timers) are not listed.
   * @throws IllegalArgumentException for keyed state in another format (a RocksDB or changelog
   *     checkpoint)
   */
  public static SortedSet<String> names(OperatorSubtaskState savepoint) throws IOException {
    SortedSet<String> names = new TreeSet<>();
    for (KeyedStateHandle handle : savepoint.getManagedKeyedState()) {
      if (!(handle instanceof KeyGroupsStateHandle)) {
        throw new IllegalArgumentException(
            "keyed state of "
                + handle.getClass().getSimpleName()
                + " does not describe its states at its start: take a canonical savepoint"
                + " (OperatorHarness#savepoint)");
      }
      try (FSDataInputStream in = ((KeyGroupsStateHandle) handle).openInputStream()) {
        KeyedBackendSerializationProxy<Object> proxy =
            new KeyedBackendSerializationProxy<>(userCode());
        proxy.read(new DataInputViewStreamWrapper(in));
        for (StateMetaInfoSnapshot state : proxy.getStateMetaInfoSnapshots()) {
          names.add(withoutTimerPrefix(state.getName()));
        }
      }
    }
    for (OperatorStateHandle handle : savepoint.getManagedOperatorState()) {
      names.addAll(handle.getStateNameToPartitionOffsets().keySet());
    }
    return Collections.unmodifiableSortedSet(names);
  }

  /** The names of the states {@code inventory} declares for the operator with {@code uid}. */
  public static SortedSet<String> declared(StateInventory inventory, String uid) {
    SortedSet<String> names = new TreeSet<>();
    for (StateInventory.Entry entry : inventory.entries()) {
      if (entry.uid().equals(uid)) {
        names.add(entry.state().name());
      }
    }
    return Collections.unmodifiableSortedSet(names);
  }

  /** The loader of the serializers' classes: the test's (context) loader, else the test kit's. */
  private static ClassLoader userCode() {
    ClassLoader context = Thread.currentThread().getContextClassLoader();
    return context != null ? context : SnapshotStates.class.getClassLoader();
  }

  private static String withoutTimerPrefix(String name) {
    for (String prefix : TIMER_PREFIXES) {
      if (name.startsWith(prefix)) {
        return name.substring(prefix.length());
      }
    }
    return name;
  }
}
