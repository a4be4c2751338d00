package dev.etlkit.operators.enrich;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Etl;
import dev.etlkit.core.StateInventory;
import dev.etlkit.testkit.SnapshotStates;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;

/**
 * The lookup step's snapshots hold exactly the state its inventory declares: the records in flight
 * (Flink's {@code AsyncWaitOperator} state).
 */
class EnrichDeclaredStateTest {

  @Test
  void snapshot_holdsTheDeclaredState() throws Exception {
    FakeLookup lookup = FakeLookup.manual();
    Enrich.LookupStep<String, String, String, String> step =
        Enrich.lookup(
            "customer",
            (String order) -> order.substring(order.indexOf(':') + 1),
            lookup,
            (String order, String customer, LookupStatus status) -> order + "=" + customer,
            Types.STRING);
    StateInventory inventory =
        Etl.from(
                StreamExecutionEnvironment.getExecutionEnvironment()
                    .fromData(Types.STRING, "o1:c-1"),
                "orders")
            .apply(step)
            .stateInventory();
    AsyncStepHarness<String, String> h =
        new AsyncStepHarness<>(step, StringSerializer.INSTANCE).open();
    try {
      h.process("o1:c-1"); // in flight at the snapshot

      assertThat(SnapshotStates.names(h.snapshot(1)))
          .isEqualTo(SnapshotStates.declared(inventory, "orders/customer"))
          .containsExactly(Enrich.IN_FLIGHT_STATE);
      assertThat(SnapshotStates.typeMismatches(h.snapshot(2), inventory, "orders/customer"))
          .isEmpty();
    } finally {
      h.harness.close();
    }
  }
}
