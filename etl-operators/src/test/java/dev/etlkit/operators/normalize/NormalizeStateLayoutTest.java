package dev.etlkit.operators.normalize;

import static dev.etlkit.operators.normalize.NormalizeHarnesses.normalizer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.core.Change;
import dev.etlkit.core.Etl;
import dev.etlkit.core.StateInventory;
import dev.etlkit.testkit.KeyedHarness;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.SnapshotStates;
import dev.etlkit.testkit.StateBackendKind;
import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.SortedSet;
import javax.annotation.Nullable;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.types.RowKind;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Restoring a normalizer's state into a step with another state layout ({@code withSequence},
 * {@code withProjectedState}) is refused at restore, on heap and RocksDB, with and without a TTL;
 * the same layout restores and continues. The two projected layouts store the same type: only the
 * layout recorded in the serializer snapshot tells them apart.
 */
class NormalizeStateLayoutTest {

  private static final StreamExecutionEnvironment ENV =
      StreamExecutionEnvironment.getExecutionEnvironment();

  /** The TTLs each case runs with: none, and one (Flink then nests the serializer once more). */
  private static final List<Duration> TTLS = Arrays.asList(null, Duration.ofDays(1));

  private static final Customer ADA_1 = new Customer("c1", "Ada", "ada@one", 1);

  /** The state layouts of the normalizer of customers. */
  enum Layout {
    FULL_ROWS,
    SEQUENCE,
    PROJECTION,
    SEQUENCE_AND_PROJECTION;

    UpsertNormalize<Customer, String> spec() {
      UpsertNormalize<Customer, String> spec =
          Normalize.upserts("normalize-customers", Customer::id, Types.STRING);
      if (this == SEQUENCE || this == SEQUENCE_AND_PROJECTION) {
        spec = spec.withSequence(change -> change.value().version());
      }
      if (projected()) {
        spec = spec.withProjectedState(CustomerKey::of, CustomerKey.TYPE, CustomerKey::toCustomer);
      }
      return spec;
    }

    boolean projected() {
      return this == PROJECTION || this == SEQUENCE_AND_PROJECTION;
    }

    KeyedHarness<String, Change<Customer>, Change<Customer>> on(
        StateBackendKind backend, @Nullable Duration ttl) {
      return normalizer(spec(), Customer.TYPE, ttl).recipe.on(backend);
    }
  }

  /** Restored, c1 would have no sequence, read as 0: an update at version 0 would be stale. */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void projectedState_restoredIntoAStepWithASequence_isRefused(StateBackendKind backend)
      throws Exception {
    assertRefused(Layout.PROJECTION, Layout.SEQUENCE_AND_PROJECTION, backend);
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void projectedStateWithASequence_restoredIntoAStepWithout_isRefused(StateBackendKind backend)
      throws Exception {
    assertRefused(Layout.SEQUENCE_AND_PROJECTION, Layout.PROJECTION, backend);
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void everyOtherLayout_isRefused(StateBackendKind backend) throws Exception {
    for (Layout from : Layout.values()) {
      for (Layout to : Layout.values()) {
        if (to != from) {
          assertRefused(from, to, backend);
        }
      }
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void sameLayout_restoresAndContinues(StateBackendKind backend) throws Exception {
    for (Layout layout : Layout.values()) {
      for (Duration ttl : TTLS) {
        OperatorSubtaskState state = stateOf(layout, backend, ttl);
        assertThat(typeMismatches(state, layout, ttl)).as("%s, ttl=%s", layout, ttl).isEmpty();
        try (OperatorHarness<Change<Customer>, Change<Customer>> harness =
            layout.on(backend, ttl).restore(state)) {
          harness.processElement(Change.updateAfter(ADA_1), 2); // the restored row: a no-op
          harness.processElement(
              Change.updateAfter(new Customer("c1", "Ada", "ada@two", 2)), 3); // an update

          assertThat(harness.output())
              .as("%s, ttl=%s", layout, ttl)
              .extracting(Change::kind)
              .containsExactly(RowKind.UPDATE_BEFORE, RowKind.UPDATE_AFTER);
        }
      }
    }
  }

  /**
   * {@code withoutSequence()} / {@code withoutProjectedState()} on a step derived from one with the
   * options is the layout without them, no new restore path: full rows restore into it and
   * continue, and the base's own state is refused as for a step without the option.
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void switchedOff_isTheLayoutWithout(StateBackendKind backend) throws Exception {
    UpsertNormalize<Customer, String> base = Layout.SEQUENCE_AND_PROJECTION.spec();
    UpsertNormalize<Customer, String> switchedOff = base.withoutSequence().withoutProjectedState();
    try (OperatorHarness<Change<Customer>, Change<Customer>> harness =
        normalizer(switchedOff, Customer.TYPE, null)
            .recipe
            .on(backend)
            .restore(stateOf(Layout.FULL_ROWS, backend, null))) {
      harness.processElement(Change.updateAfter(ADA_1), 2); // the restored row: a no-op
      harness.processElement(Change.updateAfter(new Customer("c1", "Ada", "ada@two", 0)), 3);

      assertThat(harness.output())
          .extracting(Change::kind)
          .containsExactly(RowKind.UPDATE_BEFORE, RowKind.UPDATE_AFTER);
    }
    OperatorSubtaskState ofTheBase = stateOf(Layout.SEQUENCE_AND_PROJECTION, backend, null);
    for (UpsertNormalize<Customer, String> variant :
        List.of(base.withoutSequence(), base.withoutProjectedState(), switchedOff)) {
      KeyedHarness<String, Change<Customer>, Change<Customer>> restored =
          normalizer(variant, Customer.TYPE, null).recipe.on(backend);
      assertThatThrownBy(() -> restored.restore(ofTheBase).close())
          .as("%s", variant)
          .hasStackTraceContaining("must not be incompatible");
    }
  }

  /** A snapshot of {@code from}, with each of {@link #TTLS}, fails to restore into {@code to}. */
  private static void assertRefused(Layout from, Layout to, StateBackendKind backend)
      throws Exception {
    for (Duration ttl : TTLS) {
      OperatorSubtaskState state = stateOf(from, backend, ttl);
      KeyedHarness<String, Change<Customer>, Change<Customer>> other = to.on(backend, ttl);

      assertThatThrownBy(() -> other.restore(state).close())
          .as("%s into %s, ttl=%s", from, to, ttl)
          .hasStackTraceContaining("must not be incompatible");
      SortedSet<String> mismatches = typeMismatches(state, to, ttl);
      assertThat(mismatches)
          .as("what SavepointCheck compares, %s into %s, ttl=%s", from, to, ttl)
          .filteredOn(m -> m.startsWith("row: "))
          .singleElement()
          .satisfies(m -> assertThat(m).contains("INCOMPATIBLE"));
      assertThat(mismatches)
          .as("%s into %s: nothing but the row state", from, to)
          .filteredOn(m -> !m.startsWith("row: "))
          .isEmpty();
      assertThat(SnapshotStates.names(state).contains("row-fingerprint-key"))
          .as("%s: the fingerprint key (a broadcast state), which only projected state keeps", from)
          .isEqualTo(from.projected());
    }
  }

  /**
   * What {@code SavepointCheck} finds comparing {@code state} with the declared state of {@code
   * layout}'s step: {@link SnapshotStates#typeMismatches}.
   */
  private static synchronized SortedSet<String> typeMismatches(
      OperatorSubtaskState state, Layout layout, @Nullable Duration ttl) throws IOException {
    UpsertNormalize<Customer, String> spec =
        ttl == null ? layout.spec() : layout.spec().withStateTtl(ttl);
    DataStream<Change<Customer>> input =
        ENV.fromData(List.<Change<Customer>>of(), Change.typeInfo(Customer.TYPE));
    StateInventory inventory = Etl.from(input, "test").apply(spec).stateInventory();
    return SnapshotStates.typeMismatches(state, inventory, inventory.entries().get(0).uid());
  }

  /** A snapshot of {@code layout}'s normalizer holding c1 (live, version 1). */
  private static OperatorSubtaskState stateOf(
      Layout layout, StateBackendKind backend, @Nullable Duration ttl) throws Exception {
    try (OperatorHarness<Change<Customer>, Change<Customer>> harness =
        layout.on(backend, ttl).open()) {
      harness.processElement(Change.insert(ADA_1), 1);
      return harness.snapshot();
    }
  }
}
