package dev.etlkit.core.internal;

import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeutils.CompositeTypeSerializerUtil;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.ListSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.MapSerializerSnapshot;
import org.apache.flink.core.memory.DataInputViewStreamWrapper;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.IncrementalKeyedStateHandle;
import org.apache.flink.runtime.state.KeyGroupsStateHandle;
import org.apache.flink.runtime.state.KeyedBackendSerializationProxy;
import org.apache.flink.runtime.state.KeyedStateHandle;
import org.apache.flink.runtime.state.OperatorBackendSerializationProxy;
import org.apache.flink.runtime.state.OperatorStateHandle;
import org.apache.flink.runtime.state.StreamStateHandle;
import org.apache.flink.runtime.state.filemerging.EmptyFileMergingOperatorStreamStateHandle;
import org.apache.flink.runtime.state.metainfo.StateMetaInfoSnapshot;
import org.apache.flink.runtime.state.ttl.TtlStateFactory;

/**
 * Reads which states a snapshot of one operator subtask holds, by name as a state inventory lists
 * them, with their serializers: keyed states, timer services (under the name the operator gave the
 * service, without the prefixes of Flink's two queues per service) and operator states, registered
 * ones included even when empty.
 *
 * <p>Keyed state names come from the description of the states Flink writes before the keyed state:
 * at the start of a canonical savepoint's or a heap checkpoint's keyed state, and in the metadata
 * file of a native RocksDB or ForSt snapshot. Other formats (the changelog backend's checkpoints)
 * are refused. Only the descriptions are read, never the state itself: timers a checkpoint keeps in
 * raw keyed state (heap timers of RocksDB or ForSt) are not named ({@link #hasRawKeyedState}).
 */
@Internal
public final class SavedStates {

  /** The prefixes Flink gives the two queues of a timer service in keyed state. */
  private static final String[] TIMER_PREFIXES = {
    "_timer_state/processing_", "_timer_state/event_"
  };

  /** The names of the states, and the serializer snapshot of each keyed state by name. */
  private final SortedSet<String> names;

  /** The names of the timer services, without the prefixes of their queues. */
  private final SortedSet<String> timerServices;

  private final Map<String, TypeSerializerSnapshot<?>> serializers;

  /** The serializer snapshot of each operator state's elements, by name. */
  private final Map<String, TypeSerializerSnapshot<?>> operatorSerializers;

  /** The keyed states written with Flink's state TTL. */
  private final Set<String> withTtl;

  /** The serializer of the keys of the keyed state; null without keyed state. */
  @Nullable private final TypeSerializerSnapshot<?> keySerializer;

  /** The kind of each keyed state, as Flink records it ({@code VALUE}, {@code MAP}, ...). */
  private final Map<String, String> keyedKinds;

  /** The key and value serializer snapshots of each broadcast state, by name. */
  private final Map<String, List<TypeSerializerSnapshot<?>>> broadcastSerializers;

  /** Whether each operator list state is a union list state, by name. */
  private final Map<String, Boolean> union;

  /** Whether the snapshot has raw keyed state. */
  private final boolean rawKeyedState;

  private SavedStates(
      SortedSet<String> names,
      SortedSet<String> timerServices,
      Map<String, TypeSerializerSnapshot<?>> serializers,
      Map<String, TypeSerializerSnapshot<?>> operatorSerializers,
      Set<String> withTtl,
      @Nullable TypeSerializerSnapshot<?> keySerializer,
      Map<String, String> keyedKinds,
      Map<String, List<TypeSerializerSnapshot<?>>> broadcastSerializers,
      Map<String, Boolean> union,
      boolean rawKeyedState) {
    this.names = names;
    this.timerServices = timerServices;
    this.serializers = serializers;
    this.operatorSerializers = operatorSerializers;
    this.withTtl = withTtl;
    this.keySerializer = keySerializer;
    this.keyedKinds = keyedKinds;
    this.broadcastSerializers = broadcastSerializers;
    this.union = union;
    this.rawKeyedState = rawKeyedState;
  }

  /**
   * Whether the snapshot has raw keyed state: a checkpoint (not a savepoint) of the RocksDB or
   * ForSt backend with timers on the heap keeps the timers there, where their names are not read
   * (nor in {@link #names()}); otherwise only an operator that writes raw keyed state itself has
   * it.
   */
  public boolean hasRawKeyedState() {
    return rawKeyedState;
  }

  /**
   * Whether operator list state {@code name} is a union list state (true) or a list state split
   * among the subtasks (false); null for other and absent states.
   */
  @Nullable
  public Boolean isUnionListState(String name) {
    return union.get(name);
  }

  /**
   * The kind Flink recorded for keyed state {@code name}: the name of its {@code
   * StateDescriptor.Type} ({@code VALUE}, {@code LIST}, {@code MAP}, {@code REDUCING}, {@code
   * AGGREGATING}); null for timers, operator states and absent states.
   */
  @Nullable
  public String keyedStateKind(String name) {
    return keyedKinds.get(name);
  }

  /**
   * The key and value serializer snapshots (in that order) of broadcast state {@code name}; null
   * for other and absent states.
   */
  @Nullable
  public List<TypeSerializerSnapshot<?>> broadcastStateSerializers(String name) {
    return broadcastSerializers.get(name);
  }

  /**
   * The serializer the snapshot wrote the elements of operator state {@code name} with (of a list
   * state's elements, not of the list); null for keyed and absent states.
   */
  @Nullable
  public TypeSerializerSnapshot<?> operatorStateSerializer(String name) {
    return operatorSerializers.get(name);
  }

  /** Whether keyed state {@code name} was written with Flink's state TTL. */
  public boolean hasTtl(String name) {
    return withTtl.contains(name);
  }

  /** The serializer the snapshot wrote the keys of its keyed state with; null if it has none. */
  @Nullable
  public TypeSerializerSnapshot<?> keySerializer() {
    return keySerializer;
  }

  /** The names of the states: keyed states, timer services and operator states. */
  public SortedSet<String> names() {
    return names;
  }

  /**
   * The names of the timer services among {@link #names()}, as the operator named them in {@code
   * getInternalTimerService} ({@code user-timers} for a process function's); a timer service may
   * share its name with a keyed or operator state. Without timers the checkpoint keeps in raw keyed
   * state ({@link #hasRawKeyedState}).
   */
  public SortedSet<String> timerServices() {
    return timerServices;
  }

  /**
   * The serializer the snapshot wrote keyed state {@code name} with (of the whole state: a list
   * state's is a {@code ListSerializer}); null for timers, operator states and absent states.
   */
  @Nullable
  public TypeSerializerSnapshot<?> serializer(String name) {
    return serializers.get(name);
  }

  /**
   * How a state written with {@code saved} restores into {@code fresh}, a serializer without TTL,
   * as Flink's backends resolve it at a restore, with TTL set aside: whether the state had Flink's
   * state TTL is {@link #hasTtl}, compared separately.
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  public static TypeSerializerSchemaCompatibility<?> compatibility(
      TypeSerializer<?> fresh, TypeSerializerSnapshot<?> saved) {
    TypeSerializerSnapshot withoutTtl = withoutTtl(saved);
    return fresh.snapshotConfiguration().resolveSchemaCompatibility(withoutTtl);
  }

  /**
   * {@code saved} without Flink's TTL serializer around the value (or a list's element, or a map's
   * value); {@code saved} itself when it has none.
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  public static TypeSerializerSnapshot<?> withoutTtl(TypeSerializerSnapshot<?> saved) {
    if (saved instanceof ListSerializerSnapshot) {
      ListSerializerSnapshot list = (ListSerializerSnapshot) saved;
      TypeSerializerSnapshot<?> element = list.getElementSerializerSnapshot();
      TypeSerializerSnapshot<?> bare = withoutTtl(element);
      if (bare == element) {
        return saved;
      }
      ListSerializerSnapshot copy = new ListSerializerSnapshot();
      CompositeTypeSerializerUtil.setNestedSerializersSnapshots(copy, bare);
      return copy;
    }
    if (saved instanceof MapSerializerSnapshot) {
      MapSerializerSnapshot map = (MapSerializerSnapshot) saved;
      TypeSerializerSnapshot<?> value = map.getValueSerializerSnapshot();
      TypeSerializerSnapshot<?> bare = withoutTtl(value);
      if (bare == value) {
        return saved;
      }
      MapSerializerSnapshot copy = new MapSerializerSnapshot();
      CompositeTypeSerializerUtil.setNestedSerializersSnapshots(
          copy, map.getKeySerializerSnapshot(), bare);
      return copy;
    }
    if (saved instanceof TtlStateFactory.TtlSerializerSnapshot) {
      // nested: the timestamp's serializer, then the value's
      return ((TtlStateFactory.TtlSerializerSnapshot<?>) saved).getNestedSerializerSnapshots()[1];
    }
    return saved;
  }

  /**
   * The states in {@code snapshot}.
   *
   * @param userCode the loader of the state serializers' classes, whose snapshots the descriptions
   *     hold
   * @throws IllegalArgumentException for keyed state in a format that does not describe its states
   *     (the message names the format)
   * @throws IOException when the description cannot be read, for example when a serializer's class
   *     is not on {@code userCode}'s class path
   */
  public static SavedStates of(OperatorSubtaskState snapshot, ClassLoader userCode)
      throws IOException {
    SortedSet<String> names = new TreeSet<>();
    SortedSet<String> timerServices = new TreeSet<>();
    Map<String, TypeSerializerSnapshot<?>> serializers = new HashMap<>();
    Set<String> withTtl = new HashSet<>();
    TypeSerializerSnapshot<?> keySerializer = null;
    Map<String, String> keyedKinds = new HashMap<>();
    for (KeyedStateHandle handle : snapshot.getManagedKeyedState()) {
      try (InputStream in = descriptionOf(handle).openInputStream()) {
        KeyedBackendSerializationProxy<Object> proxy =
            new KeyedBackendSerializationProxy<>(userCode);
        proxy.read(new DataInputViewStreamWrapper(in));
        keySerializer = proxy.getKeySerializerSnapshot();
        for (StateMetaInfoSnapshot state : proxy.getStateMetaInfoSnapshots()) {
          String name = withoutTimerPrefix(state.getName());
          names.add(name);
          if (!name.equals(state.getName())) {
            timerServices.add(name);
          }
          if (state.getBackendStateType() == StateMetaInfoSnapshot.BackendStateType.KEY_VALUE) {
            TypeSerializerSnapshot<?> serializer =
                state.getTypeSerializerSnapshot(
                    StateMetaInfoSnapshot.CommonSerializerKeys.VALUE_SERIALIZER);
            serializers.putIfAbsent(state.getName(), serializer);
            String kind = state.getOption(StateMetaInfoSnapshot.CommonOptionsKeys.KEYED_STATE_TYPE);
            if (kind != null) {
              keyedKinds.putIfAbsent(state.getName(), kind);
            }
            if (withoutTtl(serializer) != serializer) {
              withTtl.add(state.getName());
            }
          }
        }
      }
    }
    Map<String, TypeSerializerSnapshot<?>> operatorSerializers = new HashMap<>();
    Map<String, List<TypeSerializerSnapshot<?>>> broadcastSerializers = new HashMap<>();
    Map<String, Boolean> union = new HashMap<>();
    for (OperatorStateHandle handle : snapshot.getManagedOperatorState()) {
      if (handle instanceof EmptyFileMergingOperatorStreamStateHandle) {
        continue; // no operator state, and nothing to open (file merging): the restore skips it too
      }
      names.addAll(handle.getStateNameToPartitionOffsets().keySet());
      try (InputStream in = handle.openInputStream()) {
        OperatorBackendSerializationProxy proxy = new OperatorBackendSerializationProxy(userCode);
        proxy.read(new DataInputViewStreamWrapper(in));
        for (StateMetaInfoSnapshot state : proxy.getOperatorStateMetaInfoSnapshots()) {
          union.putIfAbsent(
              state.getName(),
              OperatorStateHandle.Mode.UNION
                  .name()
                  .equals(
                      state.getOption(
                          StateMetaInfoSnapshot.CommonOptionsKeys
                              .OPERATOR_STATE_DISTRIBUTION_MODE)));
          operatorSerializers.putIfAbsent(
              state.getName(),
              state.getTypeSerializerSnapshot(
                  StateMetaInfoSnapshot.CommonSerializerKeys.VALUE_SERIALIZER));
        }
        for (StateMetaInfoSnapshot state : proxy.getBroadcastStateMetaInfoSnapshots()) {
          broadcastSerializers.putIfAbsent(
              state.getName(),
              List.of(
                  state.getTypeSerializerSnapshot(
                      StateMetaInfoSnapshot.CommonSerializerKeys.KEY_SERIALIZER),
                  state.getTypeSerializerSnapshot(
                      StateMetaInfoSnapshot.CommonSerializerKeys.VALUE_SERIALIZER)));
        }
      }
    }
    return new SavedStates(
        names,
        timerServices,
        serializers,
        operatorSerializers,
        withTtl,
        keySerializer,
        keyedKinds,
        broadcastSerializers,
        union,
        !snapshot.getRawKeyedState().isEmpty());
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
