package dev.etlkit.testkit;

import dev.etlkit.core.StateDeclaration;
import dev.etlkit.core.StateInventory;
import dev.etlkit.core.internal.SavedStates;
import java.io.IOException;
import java.util.Collections;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.ListSerializer;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;

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

  /** How {@link #typeMismatches} names the keys of the keyed state. */
  public static final String KEY = "(key)";

  private SnapshotStates() {}

  /**
   * The names of the states in {@code savepoint}: keyed states, timer services (by the name the
   * operator gave the service, as a state inventory lists them, without the prefixes of Flink's two
   * queues per service) and operator states, registered ones included even when empty.
   *
   * @param savepoint a canonical savepoint ({@link OperatorHarness#savepoint()}) or a checkpoint of
   *     the heap, RocksDB or ForSt backend: all describe their keyed states before the state
   *     itself. Timers Flink keeps in raw keyed state (RocksDB with heap timers) are not listed.
   * @throws IllegalArgumentException for keyed state in another format (a checkpoint under the
   *     state changelog)
   */
  public static SortedSet<String> names(OperatorSubtaskState savepoint) throws IOException {
    return Collections.unmodifiableSortedSet(SavedStates.of(savepoint, userCode()).names());
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

  /**
   * The keyed states of {@code savepoint} whose serializer the operator's declaration in {@code
   * inventory} does not give, each as {@code "<state>: <why>"}: declared without the state's types
   * (so {@link dev.etlkit.core.SavepointCheck} cannot compare it), or with types whose serializer
   * is not the one the savepoint was written with (compatible as is), or with Flink's state TTL
   * where the savepoint has none, or the other way round, or as another kind of state (a {@code
   * VALUE} saved as a {@code MAP}), or an operator list state with the other distribution (union or
   * split); and the keys ({@link #KEY}), when the declarations' key type does not give the
   * savepoint's key serializer. Empty when every keyed state and the key are declared with the
   * serializers they have. Timers and operator states are not compared.
   */
  public static SortedSet<String> typeMismatches(
      OperatorSubtaskState savepoint, StateInventory inventory, String uid) throws IOException {
    SavedStates saved = SavedStates.of(savepoint, userCode());
    SerializerConfig config = new ExecutionConfig().getSerializerConfig();
    SortedSet<String> mismatches = new TreeSet<>();
    TypeSerializerSnapshot<?> keys = saved.keySerializer();
    if (keys != null) {
      Optional<TypeInformation<?>> keyType =
          inventory.entries().stream()
              .filter(e -> e.uid().equals(uid))
              .map(StateInventory.Entry::keyTypeInfo)
              .flatMap(Optional::stream)
              .findFirst();
      if (keyType.isEmpty()) {
        mismatches.add(KEY + ": declared without the key's type");
      } else {
        TypeSerializer<?> declared = keyType.get().createSerializer(config);
        @SuppressWarnings({"unchecked", "rawtypes"})
        TypeSerializerSchemaCompatibility<?> compatibility =
            declared
                .snapshotConfiguration()
                .resolveSchemaCompatibility((TypeSerializerSnapshot) keys);
        if (!compatibility.isCompatibleAsIs()) {
          mismatches.add(
              KEY
                  + ": the declared "
                  + declared.getClass().getSimpleName()
                  + " is not the saved "
                  + keys.getClass().getSimpleName()
                  + " ("
                  + compatibility
                  + ")");
        }
      }
    }
    for (String name : saved.names()) {
      TypeSerializerSnapshot<?> written = saved.serializer(name);
      TypeSerializerSnapshot<?> operatorState = saved.operatorStateSerializer(name);
      if (written == null && operatorState == null) {
        continue; // timers
      }
      Optional<StateDeclaration> declaration =
          inventory.entries().stream()
              .filter(e -> e.uid().equals(uid) && e.state().name().equals(name))
              .map(StateInventory.Entry::state)
              .findFirst();
      Optional<TypeSerializer<?>> declared = declaration.flatMap(d -> d.stateSerializer(config));
      if (declared.isEmpty()) {
        mismatches.add(name + ": declared without the state's types");
        continue;
      }
      if (operatorState != null) {
        operatorStateMismatch(name, declared.get(), operatorState).ifPresent(mismatches::add);
        Boolean union = saved.isUnionListState(name);
        if (union != null && union != declaration.get().isUnionDistribution()) {
          mismatches.add(
              name
                  + (union
                      ? ": saved as a union list state, declared as a split one"
                      : ": saved as a split list state, declared as a union one"));
        }
        continue;
      }
      String kind = saved.keyedStateKind(name);
      if (kind != null && !kind.equals(declaration.get().kind().name())) {
        mismatches.add(
            name + ": saved as a " + kind + " state, declared as a " + declaration.get().kind());
      }
      if (saved.hasTtl(name) != declaration.get().hasFlinkStateTtl()) {
        mismatches.add(
            name
                + (saved.hasTtl(name)
                    ? ": saved with Flink's state TTL, declared without"
                    : ": declared with Flink's state TTL, saved without"));
      }
      TypeSerializerSchemaCompatibility<?> compatibility =
          SavedStates.compatibility(declared.get(), written);
      if (!compatibility.isCompatibleAsIs()) {
        mismatches.add(
            name
                + ": the declared "
                + declared.get().getClass().getSimpleName()
                + " is not the saved "
                + written.getClass().getSimpleName()
                + " ("
                + compatibility
                + ")");
      }
    }
    return Collections.unmodifiableSortedSet(mismatches);
  }

  /** Why an operator list state's declared elements are not the saved ones, if they are not. */
  private static Optional<String> operatorStateMismatch(
      String name, TypeSerializer<?> declared, TypeSerializerSnapshot<?> saved) {
    if (!(declared instanceof ListSerializer)) {
      return Optional.of(name + ": an operator state declared as other than a list");
    }
    TypeSerializer<?> elements = ((ListSerializer<?>) declared).getElementSerializer();
    TypeSerializerSchemaCompatibility<?> compatibility = SavedStates.compatibility(elements, saved);
    return compatibility.isCompatibleAsIs()
        ? Optional.empty()
        : Optional.of(
            name
                + ": the declared elements' "
                + elements.getClass().getSimpleName()
                + " are not the saved "
                + saved.getClass().getSimpleName()
                + " ("
                + compatibility
                + ")");
  }

  /** The loader of the serializers' classes: the test's (context) loader, else the test kit's. */
  private static ClassLoader userCode() {
    ClassLoader context = Thread.currentThread().getContextClassLoader();
    return context != null ? context : SnapshotStates.class.getClassLoader();
  }
}
