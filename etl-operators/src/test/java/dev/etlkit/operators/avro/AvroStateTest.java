package dev.etlkit.operators.avro;

import static dev.etlkit.operators.avro.AvroFixtures.ORDER_ID;
import static dev.etlkit.operators.avro.AvroFixtures.ORDER_V1;
import static dev.etlkit.operators.avro.AvroFixtures.ORDER_V2;
import static dev.etlkit.operators.avro.AvroFixtures.PLACED_AT;
import static dev.etlkit.operators.avro.AvroFixtures.orderV1;
import static dev.etlkit.operators.avro.AvroFixtures.orderV2;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.operators.avro.generated.Payment;
import dev.etlkit.testkit.KeyedHarness;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import java.io.IOException;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.List;
import javax.annotation.Nullable;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.java.typeutils.runtime.DataInputViewStream;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * GenericRecords in keyed state, on heap and RocksDB, through snapshot and restore, and across a
 * schema change of the state (v1 → v2: a field removed, two added with defaults); a generated class
 * whose schema changed since the savepoint, in a state restored but not registered again.
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

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void specificClassChangedSinceTheSavepoint_stateNotRegisteredAfterRestore_restoresAgainLater(
      StateBackendKind backend) throws Exception {
    Payment payment =
        Payment.newBuilder()
            .setId(ORDER_ID)
            .setAmount(new BigDecimal("1234567890.12"))
            .setBookedOn(LocalDate.of(1969, 7, 20))
            .setCreatedAt(PLACED_AT)
            .setSettledAt(null)
            .setPayer("ada")
            .setTags(List.of("a", "b"))
            .build();
    // A snapshot, not a savepoint: a canonical savepoint on heap writes the values with the
    // serializer restored from the state's snapshot, not with the older job's serializer.
    OperatorSubtaskState v0State;
    try (OperatorHarness<Payment, String> h =
        latestPayment(new ValueStateDescriptor<>("latest", new PaymentV0Serializer()), backend)
            .open()) {
      h.processElement(payment, 1L);
      v0State = h.snapshot();
    }

    // A job version that does not touch the state: Flink keeps it, restored, and snapshots it
    // with the serializer restored from the older snapshot.
    OperatorSubtaskState untouched;
    try (OperatorHarness<Payment, String> h = latestPayment(null, backend).restore(v0State)) {
      h.processElement(payment, 2L);
      untouched = h.snapshot();

      assertThat(h.output()).containsExactly("not registered");
    }

    try (OperatorHarness<Payment, String> h =
        latestPayment(
                new ValueStateDescriptor<>("latest", Avro.specificRecordType(Payment.class)),
                backend)
            .restore(untouched)) {
      h.processElement(payment, 3L);

      assertThat(h.output()).containsExactly("ada/1234567890.12/[]");
    }
  }

  /** Keeps the latest payment per payer in the given state, if any; emits what it held before. */
  static final class LatestPayment extends KeyedProcessFunction<String, Payment, String> {
    @Nullable private final ValueStateDescriptor<Payment> descriptor;
    @Nullable private transient ValueState<Payment> latest;

    LatestPayment(@Nullable ValueStateDescriptor<Payment> descriptor) {
      this.descriptor = descriptor;
    }

    @Override
    public void open(OpenContext openContext) {
      if (descriptor != null) {
        latest = getRuntimeContext().getState(descriptor);
      }
    }

    @Override
    public void processElement(Payment payment, Context ctx, Collector<String> out)
        throws Exception {
      if (latest == null) {
        out.collect("not registered");
        return;
      }
      Payment previous = latest.value();
      out.collect(
          previous == null
              ? "none"
              : previous.getPayer() + "/" + previous.getAmount() + "/" + previous.getTags());
      latest.update(payment);
    }
  }

  private static KeyedHarness<String, Payment, String> latestPayment(
      @Nullable ValueStateDescriptor<Payment> descriptor, StateBackendKind backend) {
    return KeyedHarness.forFunction(
            () -> new LatestPayment(descriptor), Payment::getPayer, Types.STRING, Types.STRING)
        .on(backend);
  }

  /**
   * The serializer of an older job, built when {@link Payment} had {@link PaymentV0}'s schema:
   * writes version 0 binary (memo "by card"), and its snapshot names version 0.
   */
  static final class PaymentV0Serializer extends TypeSerializer<Payment> {
    private static final long serialVersionUID = 1L;

    @Override
    public boolean isImmutableType() {
      return false;
    }

    @Override
    public TypeSerializer<Payment> duplicate() {
      return this;
    }

    @Override
    public Payment createInstance() {
      return new Payment();
    }

    @Override
    public Payment copy(Payment from) {
      return Payment.newBuilder(from).build();
    }

    @Override
    public Payment copy(Payment from, Payment reuse) {
      return copy(from);
    }

    @Override
    public int getLength() {
      return -1;
    }

    @Override
    public void serialize(Payment record, DataOutputView target) throws IOException {
      target.write(PaymentV0.binary(PaymentV0.of(record, "by card")));
    }

    @Override
    public Payment deserialize(DataInputView source) throws IOException {
      return new SpecificDatumReader<Payment>(
              PaymentV0.SCHEMA, Payment.getClassSchema(), SpecificData.getForClass(Payment.class))
          .read(
              null,
              DecoderFactory.get().directBinaryDecoder(new DataInputViewStream(source), null));
    }

    @Override
    public Payment deserialize(Payment reuse, DataInputView source) throws IOException {
      return deserialize(source);
    }

    @Override
    public void copy(DataInputView source, DataOutputView target) throws IOException {
      serialize(deserialize(source), target);
    }

    @Override
    public boolean equals(Object obj) {
      return obj instanceof PaymentV0Serializer;
    }

    @Override
    public int hashCode() {
      return PaymentV0Serializer.class.hashCode();
    }

    @Override
    public TypeSerializerSnapshot<Payment> snapshotConfiguration() {
      return PaymentV0.snapshot(PaymentV0.SCHEMA);
    }
  }

  /** A v1 record written into the v2 state: the serializer converts it on the next snapshot. */
  private static GenericRecord orderV1Upgraded() {
    return orderV1("ada", "4.00");
  }
}
