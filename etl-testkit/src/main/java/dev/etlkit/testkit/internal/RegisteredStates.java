package dev.etlkit.testkit.internal;

import java.lang.reflect.Field;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;
import org.apache.flink.annotation.Internal;
import org.apache.flink.runtime.state.AbstractKeyedStateBackend;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.OperatorStateBackend;

/**
 * The states an operator registered since its backends were built: the keyed states it fetched by
 * name (any state primitive, with or without TTL, through the runtime context, the keyed state
 * store or {@code getPartitionedState}), and the operator list, union and broadcast states it
 * fetched. Restored states it never fetched are not among them, although the backends hold them.
 *
 * <p>Flink has no public view of this: a backend's own lists ({@code getRegisteredStateNames()}, a
 * snapshot's description) include every restored state, and a restored state's meta info differs
 * from a fetched one's only in a package-private field of its serializer provider. This reads the
 * map each backend fills when a state is fetched and empties at dispose: {@code
 * keyValueStatesByName} of Flink's keyed backends ({@code AbstractKeyedStateBackend} for the heap,
 * RocksDB and ForSt, and the changelog backend's own), and {@code accessedStatesByName} and {@code
 * accessedBroadcastStatesByName} of {@code DefaultOperatorStateBackend}. Checked against Flink 2.2;
 * when a later Flink renames them, the read fails saying so instead of guessing.
 */
@Internal
public final class RegisteredStates {

  private static final String KEYED = "keyValueStatesByName";
  private static final String OPERATOR = "accessedStatesByName";
  private static final String BROADCAST = "accessedBroadcastStatesByName";

  private RegisteredStates() {}

  /** The names of the keyed states fetched from {@code backend}; empty for a null backend. */
  public static SortedSet<String> keyed(KeyedStateBackend<?> backend) {
    SortedSet<String> names = new TreeSet<>();
    if (backend == null) {
      return names;
    }
    names.addAll(keys(backend, KEYED));
    if (backend instanceof AbstractKeyedStateBackend<?> plain
        && plain.numKeyValueStatesByName() != names.size()) {
      throw changed(backend, KEYED + " does not hold the states numKeyValueStatesByName() counts");
    }
    return names;
  }

  /**
   * The names of the operator list and union states fetched from {@code backend}; empty for a null
   * backend.
   */
  public static SortedSet<String> operator(OperatorStateBackend backend) {
    return backend == null ? new TreeSet<>() : keys(backend, OPERATOR);
  }

  /** The names of the broadcast states fetched from {@code backend}; empty for a null backend. */
  public static SortedSet<String> broadcast(OperatorStateBackend backend) {
    return backend == null ? new TreeSet<>() : keys(backend, BROADCAST);
  }

  /** The state names the map in field {@code name} of {@code backend} is keyed by. */
  private static SortedSet<String> keys(Object backend, String name) {
    SortedSet<String> names = new TreeSet<>();
    for (Object key : map(backend, name).keySet()) {
      if (!(key instanceof String state)) {
        throw changed(backend, name + " is not keyed by state names");
      }
      names.add(state);
    }
    return names;
  }

  private static Map<?, ?> map(Object backend, String name) {
    for (Class<?> type = backend.getClass(); type != null; type = type.getSuperclass()) {
      Field field;
      try {
        field = type.getDeclaredField(name);
      } catch (NoSuchFieldException e) {
        continue;
      }
      if (!Map.class.isAssignableFrom(field.getType())) {
        throw changed(backend, name + " is no Map but a " + field.getType().getName());
      }
      try {
        field.setAccessible(true);
        return (Map<?, ?>) field.get(backend);
      } catch (ReflectiveOperationException | RuntimeException e) {
        throw new IllegalStateException(changed(backend, name + " cannot be read").getMessage(), e);
      }
    }
    throw changed(backend, "it has no field " + name);
  }

  private static IllegalStateException changed(Object backend, String what) {
    return new IllegalStateException(
        "Cannot tell which states the operator registered on "
            + backend.getClass().getName()
            + ": "
            + what
            + ". etlkit reads Flink 2.2's internals there (RegisteredStates); this Flink changed"
            + " them, so SavepointCompatibility cannot check for restored states the operator"
            + " never registers");
  }
}
