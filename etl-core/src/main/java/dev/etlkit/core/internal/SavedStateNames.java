package dev.etlkit.core.internal;

import java.io.IOException;
import java.io.InputStream;
import java.util.SortedSet;
import java.util.TreeSet;
import org.apache.flink.annotation.Internal;
import org.apache.flink.core.memory.DataInputViewStreamWrapper;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.IncrementalKeyedStateHandle;
import org.apache.flink.runtime.state.KeyGroupsStateHandle;
import org.apache.flink.runtime.state.KeyedBackendSerializationProxy;
import org.apache.flink.runtime.state.KeyedStateHandle;
import org.apache.flink.runtime.state.OperatorStateHandle;
import org.apache.flink.runtime.state.StreamStateHandle;
import org.apache.flink.runtime.state.metainfo.StateMetaInfoSnapshot;

/**
 * Reads the names of the states in a snapshot of one operator subtask, as a state inventory lists
 * them: keyed states, timer services (under the name the operator gave the service, without the
 * prefixes of Flink's two queues per service) and operator states, registered ones included even
 * when empty.
 *
 * <p>Keyed state names come from the description of the states Flink writes before the keyed state:
 * at the start of a canonical savepoint's or a heap checkpoint's keyed state, and in the metadata
 * file of a native RocksDB or ForSt snapshot. Other formats (the changelog backend's checkpoints)
 * are refused. Only the descriptions are read, never the state itself.
 */
@Internal
public final class SavedStateNames {

  /** The prefixes Flink gives the two queues of a timer service in keyed state. */
  private static final String[] TIMER_PREFIXES = {
    "_timer_state/processing_", "_timer_state/event_"
  };

  private SavedStateNames() {}

  /**
   * The names of the states in {@code snapshot}.
   *
   * @param userCode the loader of the state serializers' classes, whose snapshots the descriptions
   *     hold
   * @throws IllegalArgumentException for keyed state in a format that does not describe its states
   *     (the message names the format)
   * @throws IOException when the description cannot be read, for example when a serializer's class
   *     is not on {@code userCode}'s class path
   */
  public static SortedSet<String> of(OperatorSubtaskState snapshot, ClassLoader userCode)
      throws IOException {
    SortedSet<String> names = new TreeSet<>();
    for (KeyedStateHandle handle : snapshot.getManagedKeyedState()) {
      try (InputStream in = descriptionOf(handle).openInputStream()) {
        KeyedBackendSerializationProxy<Object> proxy =
            new KeyedBackendSerializationProxy<>(userCode);
        proxy.read(new DataInputViewStreamWrapper(in));
        for (StateMetaInfoSnapshot state : proxy.getStateMetaInfoSnapshots()) {
          names.add(withoutTimerPrefix(state.getName()));
        }
      }
    }
    for (OperatorStateHandle handle : snapshot.getManagedOperatorState()) {
      names.addAll(handle.getStateNameToPartitionOffsets().keySet());
    }
    return names;
  }

  /** The stream that begins with the description of the keyed states of {@code handle}. */
  private static StreamStateHandle descriptionOf(KeyedStateHandle handle) {
    if (handle instanceof KeyGroupsStateHandle) {
      return (KeyGroupsStateHandle) handle;
    }
    if (handle instanceof IncrementalKeyedStateHandle) {
      return ((IncrementalKeyedStateHandle) handle).getMetaDataStateHandle();
    }
    throw new IllegalArgumentException(
        "keyed state of "
            + handle.getClass().getSimpleName()
            + " does not describe its states: take a canonical savepoint, or a native one of"
            + " the RocksDB or ForSt backend");
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
