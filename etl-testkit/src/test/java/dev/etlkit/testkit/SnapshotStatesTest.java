package dev.etlkit.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.core.Change;
import dev.etlkit.core.StateDeclaration;
import dev.etlkit.core.StateInventory;
import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class SnapshotStatesTest {

  private static final HarnessInput<Change<String>> INPUT =
      HarnessInput.<Change<String>>builder()
          .element(Change.insert("k1#v1"), 10)
          .element(Change.updateAfter("k1#v2"), 20)
          .build();

  /** Keyed states and the timer service (as {@code KeyedProcessOperator} names it). */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void names_ofKeyedStatesAndTimers(StateBackendKind backend) throws Exception {
    try (OperatorHarness<Change<String>, String> h = SampleCounter.harness().on(backend).open()) {
      h.run(INPUT);

      assertThat(SnapshotStates.names(h.savepoint()))
          .containsExactly("count", "kinds", "last", "user-timers");
    }
  }

  /** Registered states are listed even when empty: here before any record. */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void names_ofOperatorState_andOfEmptyStates(StateBackendKind backend) throws Exception {
    try (OperatorHarness<Change<String>, String> h =
        OperatorStateCounter.harness().on(backend).open()) {
      assertThat(SnapshotStates.names(h.savepoint())).containsExactly("counts", "user-timers");
    }
  }

  @Test
  void names_ofAHeapCheckpoint() throws Exception {
    try (OperatorHarness<Change<String>, String> h =
        SampleCounter.harness().on(StateBackendKind.HEAP).open()) {
      h.run(INPUT);

      assertThat(SnapshotStates.names(h.snapshot()))
          .containsExactly("count", "kinds", "last", "user-timers");
    }
  }

  /** A RocksDB checkpoint describes its keyed states in its metadata file. */
  @Test
  void names_ofARocksDbCheckpoint() throws Exception {
    try (OperatorHarness<Change<String>, String> h =
        SampleCounter.harness().on(StateBackendKind.ROCKSDB).open()) {
      h.run(INPUT);

      assertThat(SnapshotStates.names(h.snapshot()))
          .containsExactly("count", "kinds", "last", "user-timers");
    }
  }

  /** So does a ForSt checkpoint (ForSt takes native snapshots only). */
  @Test
  void names_ofAForStCheckpoint() throws Exception {
    try (OperatorHarness<Change<String>, String> h =
        SampleCounter.harness().onForSt(new Configuration()).open()) {
      h.run(INPUT);

      assertThat(SnapshotStates.names(h.snapshot()))
          .containsExactly("count", "kinds", "last", "user-timers");
    }
  }

  @Test
  void aCheckpointUnderTheStateChangelog_isRefused() throws Exception {
    try (OperatorHarness<Change<String>, String> h =
        SampleCounter.harness().withStateChangelog().on(StateBackendKind.ROCKSDB).open()) {
      h.run(INPUT);

      assertThatThrownBy(() -> SnapshotStates.names(h.snapshot()))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("does not describe its states");
    }
  }

  @Test
  void declared_areTheInventorysStatesOfOneOperator() {
    StateInventory inventory =
        new StateInventory(
            List.of(
                entry("p/a", StateDeclaration.value("row", Types.STRING)),
                entry("p/a", StateDeclaration.of("timers", StateDeclaration.Kind.TIMERS, "t")),
                entry("p/b", StateDeclaration.value("other", Types.LONG))));

    assertThat(SnapshotStates.declared(inventory, "p/a")).containsExactly("row", "timers");
    assertThat(SnapshotStates.declared(inventory, "p/c")).isEmpty();
  }

  /** Declarations with the states' types match the saved serializers; others are listed. */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void typeMismatches_ofDeclarationsWithoutOrWithOtherTypes(StateBackendKind backend)
      throws Exception {
    StateInventory inventory =
        new StateInventory(
            List.of(
                entry("p/a", StateDeclaration.value("last", SampleCounter.CHANGE)),
                entry("p/a", StateDeclaration.map("kinds", Types.STRING, Types.LONG)),
                entry("p/a", StateDeclaration.value("count", Types.STRING))));
    try (OperatorHarness<Change<String>, String> h = SampleCounter.harness().on(backend).open()) {
      h.run(INPUT);

      assertThat(SnapshotStates.typeMismatches(h.savepoint(), inventory, "p/a"))
          .singleElement()
          .satisfies(m -> assertThat(m).startsWith("count: the declared StringSerializer"));
      assertThat(SnapshotStates.typeMismatches(h.savepoint(), inventory, "p/b"))
          .containsExactly(
              "(key): declared without the key's type",
              "count: declared without the state's types",
              "kinds: declared without the state's types",
              "last: declared without the state's types");
    }
  }

  /** A map state declared as a value state of maps: the same serializer, another kind. */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void typeMismatches_ofAStateDeclaredAsAnotherKind(StateBackendKind backend) throws Exception {
    StateInventory inventory =
        new StateInventory(
            List.of(
                entry("p/a", StateDeclaration.value("last", SampleCounter.CHANGE)),
                entry("p/a", StateDeclaration.value("kinds", Types.MAP(Types.STRING, Types.LONG))),
                entry("p/a", StateDeclaration.value("count", Types.LONG))));
    try (OperatorHarness<Change<String>, String> h = SampleCounter.harness().on(backend).open()) {
      h.run(INPUT);

      assertThat(SnapshotStates.typeMismatches(h.savepoint(), inventory, "p/a"))
          .containsExactly("kinds: saved as a MAP state, declared as a VALUE");
    }
  }

  /** The keys: declared as the harness keys its records (strings), or as another type. */
  @Test
  void typeMismatches_ofTheKey() throws Exception {
    try (OperatorHarness<Change<String>, String> h =
        SampleCounter.harness().on(StateBackendKind.HEAP).open()) {
      h.run(INPUT);
      StateDeclaration count = StateDeclaration.value("count", Types.LONG);

      assertThat(
              SnapshotStates.typeMismatches(h.savepoint(), inventory(Types.STRING, count), "p/a"))
          .containsExactly(
              "kinds: declared without the state's types",
              "last: declared without the state's types");
      assertThat(SnapshotStates.typeMismatches(h.savepoint(), inventory(Types.LONG, count), "p/a"))
          .anySatisfy(m -> assertThat(m).startsWith("(key): the declared LongSerializer"));
    }
  }

  /** An operator list state is compared by its elements. */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void typeMismatches_ofAnOperatorListState(StateBackendKind backend) throws Exception {
    try (OperatorHarness<Change<String>, String> h =
        OperatorStateCounter.harness().on(backend).open()) {
      h.run(INPUT);

      assertThat(
              SnapshotStates.typeMismatches(
                  h.savepoint(),
                  inventory(Types.STRING, StateDeclaration.list("counts", Types.STRING)),
                  "p/a"))
          .isEmpty();
      assertThat(
              SnapshotStates.typeMismatches(
                  h.savepoint(),
                  inventory(Types.STRING, StateDeclaration.list("counts", Types.LONG)),
                  "p/a"))
          .singleElement()
          .satisfies(
              m -> assertThat(m).startsWith("counts: the declared elements' LongSerializer"));
    }
  }

  private static StateInventory inventory(TypeInformation<?> keyType, StateDeclaration state) {
    return new StateInventory(List.of(new StateInventory.Entry("p", "a", "p/a", keyType, state)));
  }

  private static StateInventory.Entry entry(String uid, StateDeclaration state) {
    return new StateInventory.Entry("p", uid.substring(2), uid, Types.STRING, state);
  }
}
