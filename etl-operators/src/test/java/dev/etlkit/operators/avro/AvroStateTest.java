package dev.etlkit.operators.avro;

import static dev.etlkit.operators.avro.AvroFixtures.ORDER_V1;
import static dev.etlkit.operators.avro.AvroFixtures.ORDER_V2;
import static dev.etlkit.operators.avro.AvroFixtures.orderV1;
import static dev.etlkit.operators.avro.AvroFixtures.orderV2;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.testkit.KeyedHarness;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * GenericRecords in keyed state, on heap and RocksDB, through snapshot and restore, and across a
 * schema change of the state (v1 → v2: a field removed, two added with defaults).
 */
class AvroStateTest {

  /** Keeps the latest order per customer; emits what it held before, as "fields:channel". */
  static final class LatestOrder extends KeyedProcessFunction<String, GenericRecord, String> {
    private final Schema stateSchema;
    private transient ValueState<GenericRecord> latest;

    LatestOrder(Schema stateSchema) {
      this.stateSchema = stateSchema;
    }

    @Override
    public void open(OpenContext openContext) {
      latest =
          getRuntimeContext()
              .getState(new ValueStateDescriptor<>("latest", Avro.genericRecordType(stateSchema)));
    }

    @Override
    public void processElement(GenericRecord order, Context ctx, Collector<String> out)
        throws Exception {
      GenericRecord previous = latest.value();
      out.collect(
          previous == null
              ? "none"
              : previous.getSchema().getFields().size()
                  + ":"
                  + previous.get("customer")
                  + "/"
                  + previous.get("amount")
                  + "/"
                  + (previous.hasField("channel") ? previous.get("channel") : "-"));
      latest.update(order);
    }
  }

  private static KeyedHarness<String, GenericRecord, String> latest(
      Schema schema, StateBackendKind backend) {
    return KeyedHarness.forFunction(
            () -> new LatestOrder(schema),
            order -> (String) order.get("customer"),
            Types.STRING,
            Types.STRING)
        .on(backend);
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void stateOfGenericRecords_survivesSnapshotAndRestore(StateBackendKind backend) throws Exception {
    OperatorSubtaskState snapshot;
    try (OperatorHarness<GenericRecord, String> h = latest(ORDER_V2, backend).open()) {
      h.processElement(orderV2("ada", "1.00"), 1L);
      snapshot = h.snapshot();
    }
    try (OperatorHarness<GenericRecord, String> h = latest(ORDER_V2, backend).restore(snapshot)) {
      h.processElement(orderV2("ada", "2.00"), 2L);

      assertThat(h.output()).containsExactly("6:ada/1.00/app");
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void stateSchemaChange_compatibleNewSchema_restoresTheOldRecords(StateBackendKind backend)
      throws Exception {
    OperatorSubtaskState v1State;
    try (OperatorHarness<GenericRecord, String> h = latest(ORDER_V1, backend).open()) {
      h.processElement(orderV1("ada", "1.00"), 1L);
      v1State = h.savepoint();
    }

    OperatorSubtaskState v2State;
    try (OperatorHarness<GenericRecord, String> h = latest(ORDER_V2, backend).restore(v1State)) {
      h.processElement(orderV2("ada", "2.00"), 2L);
      h.processElement(orderV2("ada", "3.00"), 3L);

      if (backend == StateBackendKind.ROCKSDB) {
        // RocksDB migrates every stored value when the state is registered: read as v2.
        assertThat(h.output()).containsExactly("6:ada/1.00/web", "6:ada/2.00/app");
      } else {
        // The heap backend keeps the objects it restored with the old serializer, in the old
        // schema, until the next snapshot writes them with the new one.
        assertThat(h.output()).containsExactly("5:ada/1.00/-", "6:ada/2.00/app");
      }
      h.processElement(orderV1Upgraded(), 4L);
      v2State = h.savepoint();
    }

    try (OperatorHarness<GenericRecord, String> h = latest(ORDER_V2, backend).restore(v2State)) {
      h.processElement(orderV2("ada", "5.00"), 5L);

      assertThat(h.output()).containsExactly("6:ada/4.00/web");
    }
  }

  /** A v1 record written into the v2 state: the serializer converts it on the next snapshot. */
  private static GenericRecord orderV1Upgraded() {
    return orderV1("ada", "4.00");
  }
}
