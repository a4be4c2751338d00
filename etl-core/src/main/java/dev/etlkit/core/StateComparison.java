package dev.etlkit.core;

import dev.etlkit.core.SavepointCheck.Finding;
import dev.etlkit.core.SavepointCheck.Kind;
import dev.etlkit.core.internal.JobOperator;
import dev.etlkit.core.internal.SavedStates;
import java.io.IOException;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import javax.annotation.Nullable;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.ListSerializer;
import org.apache.flink.api.common.typeutils.base.MapSerializer;
import org.apache.flink.api.common.typeutils.base.MapSerializerSnapshot;
import org.apache.flink.runtime.checkpoint.OperatorState;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;

/**
 * The part of {@link SavepointCheck} that compares what a savepoint holds for one operator with
 * what the job declares for it: the states' names, kinds, distributions and serializers (as Flink's
 * state backends resolve them at a restore), whether they have Flink's state TTL, and the keys.
 */
final class StateComparison {

  /** The declared states of each operator, by uid and state name. */
  private final Map<String, Map<String, StateDeclaration>> declared;

  /** The key type of each operator whose declarations give it, by uid. */
  private final Map<String, TypeInformation<?>> keyTypes;

  private final SerializerConfig serializerConfig;

  /** The state backend the job's configuration names ({@code state.backend.type}), or null. */
  @Nullable private final String backend;

  StateComparison(
      Map<String, Map<String, StateDeclaration>> declared,
      Map<String, TypeInformation<?>> keyTypes,
      SerializerConfig serializerConfig,
      @Nullable String backend) {
    this.declared = declared;
    this.keyTypes = keyTypes;
    this.serializerConfig = serializerConfig;
    this.backend = backend;
  }

  /**
   * Compares the states the savepoint holds for {@code operator} with its declarations, and its
   * keys with the job's, adding what it finds; records the names of its saved states in {@code
   * savedStates} by uid.
   */
  void compare(
      JobOperator operator,
      OperatorState state,
      Map<String, StateDeclaration> declaredStates,
      List<Finding> findings,
      Map<String, SortedSet<String>> savedStates) {
    Saved saved;
    try {
      saved = read(state);
    } catch (IllegalArgumentException e) {
      findings.add(
          new Finding(
              Kind.STATES_NOT_READ,
              operator.label(),
              Collections.emptySortedSet(),
              "its states are not compared: " + e.getMessage()));
      return;
    } catch (IOException e) {
      // Flink's restore reads the same description with the job's classes, and fails as well
      findings.add(
          new Finding(
              Kind.STATE_INCOMPATIBLE,
              operator.label(),
              Collections.emptySortedSet(),
              "the description of its saved states cannot be read ("
                  + e.getMessage()
                  + "): the restore fails; a class the saved serializers name (a state's type"
                  + " renamed or moved) must be on the job's class path"));
      return;
    }
    String uid = operator.uid();
    if (uid != null) {
      savedStates.put(uid, Collections.unmodifiableSortedSet(saved.names));
    }
    SortedSet<String> dropped = new TreeSet<>();
    if (saved.keySerializer != null) {
      if (operator.notKeyed()) {
        dropped.addAll(saved.keyedNames);
        findings.add(
            new Finding(
                Kind.KEYED_STATE_DROPPED,
                operator.label(),
                dropped,
                "keyed state in the savepoint, and the operator is no longer keyed: Flink"
                    + " restores it without that state, which is lost"));
      } else {
        TypeSerializer<?> keys = keySerializerOf(operator);
        if (keys != null) {
          compareKeys(operator, keys, saved.keySerializer, findings);
        }
      }
    }
    if (!declared.containsKey(uid)) {
      return; // not a step of the inventories: nothing to compare the states with
    }
    SortedSet<String> missing = new TreeSet<>();
    SortedSet<String> missingTimers = new TreeSet<>();
    for (StateDeclaration declaration : declaredStates.values()) {
      if (!saved.names.contains(declaration.name())) {
        (declaration.kind() == StateDeclaration.Kind.TIMERS ? missingTimers : missing)
            .add(declaration.name());
      }
    }
    if (!missing.isEmpty()) {
      findings.add(
          new Finding(
              Kind.STATE_NOT_IN_SAVEPOINT,
              operator.label(),
              missing,
              "declared by the step, not in the savepoint: starts empty"));
    }
    if (!missingTimers.isEmpty() && !saved.rawKeyedState) {
      // (with raw keyed state, the timers are there: a checkpoint of heap timers keeps them in it)
      findings.add(
          new Finding(
              Kind.STATE_NOT_IN_SAVEPOINT,
              operator.label(),
              missingTimers,
              "no timers in the savepoint: any timers the step had set are lost (a native"
                  + " savepoint of RocksDB or ForSt with timers on the heap holds none)"));
    }
    SortedSet<String> undeclared = new TreeSet<>(saved.names);
    undeclared.removeAll(declaredStates.keySet());
    undeclared.removeAll(dropped);
    if (!undeclared.isEmpty()) {
      findings.add(
          new Finding(
              Kind.STATE_NOT_DECLARED,
              operator.label(),
              undeclared,
              "in the savepoint, not declared by the step: restored and carried on, unused"));
    }
    for (StateDeclaration declaration : declaredStates.values()) {
      if (dropped.contains(declaration.name())
          || kindChanged(operator, declaration, saved, findings)
          || distributionChanged(operator, declaration, saved, findings)) {
        continue;
      }
      List<TypeSerializerSnapshot<?>> broadcast = saved.broadcasts.get(declaration.name());
      if (broadcast != null) {
        compareBroadcast(operator, declaration, broadcast, findings);
        continue;
      }
      TypeSerializerSnapshot<?> written = saved.serializers.get(declaration.name());
      Optional<TypeSerializer<?>> fresh = declaration.stateSerializer(serializerConfig);
      TypeSerializerSnapshot<?> operatorState = saved.operatorSerializers.get(declaration.name());
      if (operatorState != null && fresh.isPresent() && fresh.get() instanceof ListSerializer) {
        // an operator list state: its elements' serializer is what the savepoint describes
        TypeSerializer<?> elements = ((ListSerializer<?>) fresh.get()).getElementSerializer();
        compareSerializers(operator, declaration.name(), elements, operatorState, findings);
      }
      if (written != null && fresh.isPresent() && mapKeysMigrate(fresh.get(), written)) {
        findings.add(mapKeysMigrate(operator, declaration));
        continue;
      }
      if (written != null && fresh.isPresent()) {
        boolean compared =
            compareSerializers(operator, declaration.name(), fresh.get(), written, findings);
        if (compared
            && saved.withTtl.contains(declaration.name()) != declaration.hasFlinkStateTtl()) {
          findings.add(ttlSwitched(operator, declaration));
        }
      }
    }
  }

  /**
   * The serializer the job's operator reads keys with: the job graph's (every keyed operator with a
   * uid has one), else the key type its declarations give; null if neither is known.
   */
  @Nullable
  private TypeSerializer<?> keySerializerOf(JobOperator operator) {
    if (operator.keySerializer() != null) {
      return operator.keySerializer();
    }
    TypeInformation<?> keyType = keyTypes.get(operator.uid());
    return keyType == null || Types.VOID.equals(keyType)
        ? null
        : keyType.createSerializer(serializerConfig);
  }

  /**
   * Adds a finding when the savepoint wrote keyed state {@code declaration} as another kind of
   * state (a value state declared as a map state now, say): Flink refuses the restore
   * ("Incompatible key/value state types"), whatever the serializers.
   */
  private static boolean kindChanged(
      JobOperator operator, StateDeclaration declaration, Saved saved, List<Finding> findings) {
    String savedKind = saved.kinds.get(declaration.name());
    StateDeclaration.Kind declared = declaration.kind();
    if (savedKind == null
        || declared == StateDeclaration.Kind.TIMERS
        || savedKind.equals("UNKNOWN")
        || savedKind.equals(declared.name())) {
      return false;
    }
    findings.add(
        incompatible(
            operator,
            declaration,
            "a "
                + savedKind
                + " state in the savepoint, declared as a "
                + declared
                + " state: the restore fails (Flink never changes a state's kind); keep the kind,"
                + " or give the state another name (it then starts empty)"));
    return true;
  }

  /** A finding that the restore fails on a state the step declares, and why. */
  private static Finding incompatible(
      JobOperator operator, StateDeclaration declaration, String message) {
    return new Finding(
        Kind.STATE_INCOMPATIBLE,
        operator.label(),
        new TreeSet<>(List.of(declaration.name())),
        message);
  }

  /**
   * Adds a finding when the savepoint wrote operator list state {@code declaration} with the other
   * distribution (a union list state declared as a split one, or the other way round): Flink
   * refuses the restore ("Incompatible state assignment modes").
   */
  private static boolean distributionChanged(
      JobOperator operator, StateDeclaration declaration, Saved saved, List<Finding> findings) {
    Boolean savedUnion = saved.union.get(declaration.name());
    if (savedUnion == null
        || declaration.kind() != StateDeclaration.Kind.LIST
        || savedUnion == declaration.isUnionDistribution()) {
      return false;
    }
    findings.add(
        incompatible(
            operator,
            declaration,
            (savedUnion ? "a union list state" : "a list state split among the subtasks")
                + " in the savepoint, declared as "
                + (savedUnion
                    ? "a split one (a union list state is declared withUnionDistribution())"
                    : "a union list state")
                + ": the restore fails; keep the distribution, or give the state another name (it"
                + " then starts empty)"));
    return true;
  }

  /**
   * Compares a broadcast state's key and value serializers with those of its declaration (a map
   * state's); Flink refuses the restore when either is incompatible.
   */
  private void compareBroadcast(
      JobOperator operator,
      StateDeclaration declaration,
      List<TypeSerializerSnapshot<?>> saved,
      List<Finding> findings) {
    Optional<TypeSerializer<?>> fresh = declaration.stateSerializer(serializerConfig);
    if (fresh.isPresent() && fresh.get() instanceof MapSerializer) {
      MapSerializer<?, ?> map = (MapSerializer<?, ?>) fresh.get();
      if (compareSerializers(
          operator, declaration.name(), map.getKeySerializer(), saved.get(0), findings)) {
        compareSerializers(
            operator, declaration.name(), map.getValueSerializer(), saved.get(1), findings);
      }
    }
  }

  /**
   * Whether a map state needs a migration its user keys' serializer does not allow as is: the heap
   * backend migrates the whole map, RocksDB and ForSt refuse ("migration for MapState currently
   * only allows value schema evolutions"). They migrate a map state when its serializer needs it
   * (its keys' or its values'), and then accept the keys only compatible as is: keys that need a
   * migration, and keys whose serializer is reconfigured while the values migrate, are refused.
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private static boolean mapKeysMigrate(TypeSerializer<?> fresh, TypeSerializerSnapshot<?> saved) {
    if (!(fresh instanceof MapSerializer) || !(saved instanceof MapSerializerSnapshot)) {
      return false; // (Flink's state TTL wraps a map state's values, never its keys)
    }
    try {
      TypeSerializerSchemaCompatibility<?> keys =
          ((MapSerializer<?, ?>) fresh)
              .getKeySerializer()
              .snapshotConfiguration()
              .resolveSchemaCompatibility(
                  (TypeSerializerSnapshot)
                      ((MapSerializerSnapshot<?, ?>) saved).getKeySerializerSnapshot());
      if (keys.isCompatibleAfterMigration()) {
        return true;
      }
      return keys.isCompatibleWithReconfiguredSerializer()
          && fresh
              .snapshotConfiguration()
              .resolveSchemaCompatibility((TypeSerializerSnapshot) saved)
              .isCompatibleAfterMigration();
    } catch (RuntimeException e) {
      return false; // compared as a whole below
    }
  }

  /** The finding for map state keys that need a migration, by the job's state backend. */
  private Finding mapKeysMigrate(JobOperator operator, StateDeclaration declaration) {
    SortedSet<String> states = new TreeSet<>(List.of(declaration.name()));
    if ("rocksdb".equalsIgnoreCase(backend) || "forst".equalsIgnoreCase(backend)) {
      return incompatible(
          operator,
          declaration,
          "the map state needs a migration and its keys' serializer changed (the keys need a"
              + " migration, or a reconfiguration while the values migrate), which the "
              + backend
              + " backend refuses (it migrates a map state only with keys as they were); keep the"
              + " key type, or rename the step (it then starts empty)");
    }
    return new Finding(
        Kind.STATE_MIGRATES,
        operator.label(),
        states,
        "the map state needs a migration and its keys' serializer changed: the heap backend"
            + " migrates it at the restore; the RocksDB and ForSt backends fail it");
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static void compareKeys(
      JobOperator operator,
      TypeSerializer<?> fresh,
      TypeSerializerSnapshot<?> written,
      List<Finding> findings) {
    TypeSerializerSchemaCompatibility<?> compatibility;
    try {
      compatibility =
          fresh
              .snapshotConfiguration()
              .resolveSchemaCompatibility((TypeSerializerSnapshot) written);
    } catch (RuntimeException e) {
      findings.add(
          new Finding(
              Kind.STATES_NOT_READ,
              operator.label(),
              Collections.emptySortedSet(),
              "its key serializer could not be compared with the step's: " + e));
      return;
    }
    if (compatibility.isIncompatible() || compatibility.isCompatibleAfterMigration()) {
      findings.add(
          new Finding(
              Kind.KEY_INCOMPATIBLE,
              operator.label(),
              Collections.emptySortedSet(),
              "keys written by "
                  + written.getClass().getSimpleName()
                  + ", which the step's "
                  + fresh.getClass().getSimpleName()
                  + " cannot read as they are: the restore fails (Flink does not migrate keys);"
                  + " keep the key type, or rename the step (it then starts empty)"));
    }
  }

  /**
   * Flink's state TTL switched on or off for a state. Flink 2.2's heap and RocksDB backends migrate
   * the state at the restore; its ForSt backend fails the restore (tested). Switched off, Flink
   * keeps every restored value without looking at its expiry (DedupTtlSwitchTest).
   */
  private Finding ttlSwitched(JobOperator operator, StateDeclaration declaration) {
    SortedSet<String> states = new TreeSet<>(List.of(declaration.name()));
    String switched =
        declaration.hasFlinkStateTtl()
            ? "Flink's state TTL switched on"
            : "Flink's state TTL switched off";
    if ("forst".equalsIgnoreCase(backend)) {
      return incompatible(
          operator,
          declaration,
          switched
              + ": the ForSt backend fails the restore (Flink 2.2); keep the TTL setting, or rename"
              + " the step (it then starts empty)");
    }
    String expired =
        declaration.hasFlinkStateTtl()
            ? ""
            : "; nothing restored expires any more, and an entry that had expired but is still in"
                + " the snapshot (a RocksDB checkpoint or native savepoint keeps it until a"
                + " compaction) is restored live: restore from a canonical savepoint to leave"
                + " expired entries out";
    return new Finding(
        Kind.STATE_MIGRATES,
        operator.label(),
        states,
        switched
            + ": the heap and RocksDB backends migrate the state at the restore; the ForSt backend"
            + " fails it"
            + expired);
  }

  /** Adds what comparing the two serializers finds; false when they could not be compared. */
  private static boolean compareSerializers(
      JobOperator operator,
      String stateName,
      TypeSerializer<?> fresh,
      TypeSerializerSnapshot<?> written,
      List<Finding> findings) {
    SortedSet<String> states = new TreeSet<>(List.of(stateName));
    TypeSerializerSchemaCompatibility<?> compatibility;
    try {
      compatibility = SavedStates.compatibility(fresh, written);
    } catch (RuntimeException e) {
      findings.add(
          new Finding(
              Kind.STATES_NOT_READ,
              operator.label(),
              states,
              "its serializer could not be compared with the step's: " + e));
      return false;
    }
    if (compatibility.isIncompatible()) {
      findings.add(
          new Finding(
              Kind.STATE_INCOMPATIBLE,
              operator.label(),
              states,
              incompatibleMessage(fresh, written)));
    } else if (compatibility.isCompatibleAfterMigration()) {
      findings.add(
          new Finding(
              Kind.STATE_MIGRATES,
              operator.label(),
              states,
              "Flink migrates it at the restore: read with the saved serializer, written with the"
                  + " step's"));
    }
    return !compatibility.isIncompatible();
  }

  /**
   * What a user reads about a state the step cannot read: the two serializers by their text, which
   * for etlkit's names what each state holds ("KeyCursorSerializer(output APPEND, ...)").
   */
  private static String incompatibleMessage(
      TypeSerializer<?> fresh, TypeSerializerSnapshot<?> written) {
    String saved = SerializerNames.ofSavepoint(written);
    String job = SerializerNames.ofJob(fresh);
    return "the savepoint's state was written by "
        + saved
        + ", and the job's step writes "
        + job
        + (saved.equals(job) ? " (alike in print; their snapshots differ)" : "")
        + ", which cannot read it: the restore fails; keep the step's state layout, or rename the"
        + " step (it then starts empty)";
  }

  /** The states of an operator in the savepoint: those of all its subtasks. */
  static final class Saved {
    final SortedSet<String> names = new TreeSet<>();
    final Map<String, TypeSerializerSnapshot<?>> serializers = new HashMap<>();
    final Map<String, TypeSerializerSnapshot<?>> operatorSerializers = new HashMap<>();
    final Set<String> withTtl = new HashSet<>();
    final Map<String, String> kinds = new HashMap<>();
    final Map<String, List<TypeSerializerSnapshot<?>>> broadcasts = new HashMap<>();
    final Map<String, Boolean> union = new HashMap<>();

    /** The names of the keyed states and timer services. */
    final SortedSet<String> keyedNames = new TreeSet<>();

    @Nullable TypeSerializerSnapshot<?> keySerializer;

    /**
     * Whether a subtask has raw keyed state: where the RocksDB and ForSt backends write heap timers
     * in a checkpoint (not in a savepoint), their names unread.
     */
    boolean rawKeyedState;
  }

  /** The states of {@code state}: those of all its subtasks. */
  static Saved read(OperatorState state) throws IOException {
    Saved saved = new Saved();
    for (OperatorSubtaskState subtask : state.getStates()) {
      SavedStates states = SavedStates.of(subtask, SavepointCheck.userCode());
      saved.names.addAll(states.names());
      if (saved.keySerializer == null) {
        saved.keySerializer = states.keySerializer();
      }
      saved.rawKeyedState |= states.hasRawKeyedState();
      for (String name : states.names()) {
        TypeSerializerSnapshot<?> serializer = states.serializer(name);
        if (serializer != null) {
          saved.serializers.putIfAbsent(name, serializer);
        }
        if (states.hasTtl(name)) {
          saved.withTtl.add(name);
        }
        TypeSerializerSnapshot<?> operatorState = states.operatorStateSerializer(name);
        if (operatorState != null) {
          saved.operatorSerializers.putIfAbsent(name, operatorState);
        }
        String kind = states.keyedStateKind(name);
        if (kind != null) {
          saved.kinds.putIfAbsent(name, kind);
        }
        Boolean union = states.isUnionListState(name);
        if (union != null) {
          saved.union.putIfAbsent(name, union);
        }
        List<TypeSerializerSnapshot<?>> broadcast = states.broadcastStateSerializers(name);
        if (broadcast != null) {
          saved.broadcasts.putIfAbsent(name, broadcast);
        }
        if (operatorState == null && broadcast == null) {
          saved.keyedNames.add(name);
        }
      }
    }
    return saved;
  }
}
