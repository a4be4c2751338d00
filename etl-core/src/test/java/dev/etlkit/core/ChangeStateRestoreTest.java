package dev.etlkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.core.internal.ChangeSerializer;
import dev.etlkit.core.internal.DeadLetterSerializer;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeHint;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.api.java.typeutils.GenericTypeInfo;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.api.java.typeutils.runtime.PojoSerializer;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.runtime.state.heap.HeapKeyedStateBackend;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.state.rocksdb.RocksDBKeyedStateBackend;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code Change} and {@code DeadLetter} held in keyed state survive a snapshot and restore on both
 * state backends, with generic (Kryo) types disabled.
 */
@SuppressWarnings("try") // the harness's close() may throw InterruptedException
class ChangeStateRestoreTest {

  enum Backend {
    HEAP(HashMapStateBackend::new, HeapKeyedStateBackend.class),
    ROCKSDB(EmbeddedRocksDBStateBackend::new, RocksDBKeyedStateBackend.class);

    private final Supplier<StateBackend> factory;
    private final Class<?> keyedBackendClass;

    Backend(Supplier<StateBackend> factory, Class<?> keyedBackendClass) {
      this.factory = factory;
      this.keyedBackendClass = keyedBackendClass;
    }
  }

  private static final OutputTag<DeadLetter> DEAD_LETTERS =
      new OutputTag<>("dead-letters", DeadLetter.TYPE_INFO);

  private static final KeySelector<Change<String>, String> KEY =
      change -> change.value().substring(0, change.value().indexOf(':'));

  /**
   * Per key, emits the change and the dead letter stored by the previous element, then stores the
   * current element and a dead letter made from it.
   */
  static final class RememberLast
      extends KeyedProcessFunction<String, Change<String>, Change<String>> {
    private static final String LAST_CHANGE = "last-change";
    private static final String LAST_DEAD_LETTER = "last-dead-letter";

    private transient ValueState<Change<String>> lastChange;
    private transient ValueState<DeadLetter> lastDeadLetter;

    @Override
    public void open(OpenContext openContext) {
      lastChange =
          getRuntimeContext()
              .getState(new ValueStateDescriptor<>(LAST_CHANGE, Change.typeInfo(Types.STRING)));
      lastDeadLetter =
          getRuntimeContext()
              .getState(new ValueStateDescriptor<>(LAST_DEAD_LETTER, DeadLetter.TYPE_INFO));
    }

    @Override
    public void processElement(Change<String> change, Context ctx, Collector<Change<String>> out)
        throws Exception {
      Change<String> previous = lastChange.value();
      if (previous != null) {
        out.collect(previous);
      }
      DeadLetter previousLetter = lastDeadLetter.value();
      if (previousLetter != null) {
        ctx.output(DEAD_LETTERS, previousLetter);
      }
      lastChange.update(change);
      lastDeadLetter.update(deadLetterFor(change));
    }
  }

  static DeadLetter deadLetterFor(Change<String> change) {
    return DeadLetter.builder()
        .pipeline("orders")
        .step("remember")
        .uid("orders/remember")
        .errorClass(IllegalStateException.class.getName())
        .errorMessage(change.kind().shortString())
        .payload(change.value())
        .eventTime(change.eventTime())
        .sourcePosition(change.sourcePosition() == null ? null : "lsn=" + change.sourcePosition())
        .rejectedAt(1_000L)
        .build();
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void snapshotRestore_changeAndDeadLetterInValueState_readBackEqual(Backend backend)
      throws Exception {
    Change<String> first = Change.updateAfter("a:1").withEventTime(10L).withSourcePosition(100L);
    Change<String> second = Change.delete("b:2");
    OperatorSubtaskState snapshot;
    try (KeyedOneInputStreamOperatorTestHarness<String, Change<String>, Change<String>> harness =
        harness(backend)) {
      harness.open();
      assertThat(harness.getOperator().getKeyedStateBackend())
          .isInstanceOf(backend.keyedBackendClass);
      harness.processElement(new StreamRecord<>(first, 1L));
      harness.processElement(new StreamRecord<>(second, 2L));
      assertThat(harness.extractOutputValues()).isEmpty();
      snapshot = harness.snapshot(1L, 3L);
    }

    try (KeyedOneInputStreamOperatorTestHarness<String, Change<String>, Change<String>> restored =
        harness(backend)) {
      restored.initializeState(snapshot);
      restored.open();
      restored.processElement(new StreamRecord<>(Change.insert("a:probe"), 4L));
      restored.processElement(new StreamRecord<>(Change.insert("b:probe"), 5L));

      assertThat(restored.extractOutputValues()).containsExactly(first, second);
      List<DeadLetter> letters =
          restored.getSideOutput(DEAD_LETTERS).stream()
              .map(StreamRecord::getValue)
              .collect(Collectors.toList());
      assertThat(letters).containsExactly(deadLetterFor(first), deadLetterFor(second));
    }
  }

  /** Guards the other tests: the harness really rejects Kryo types, so their passing means much. */
  @Test
  void harness_withGenericTypesDisabled_rejectsKryoState() throws Exception {
    try (KeyedOneInputStreamOperatorTestHarness<String, Change<String>, Change<String>> harness =
        harness(Backend.HEAP)) {
      harness.open();
      ValueStateDescriptor<Object> kryoState =
          new ValueStateDescriptor<>("kryo", new GenericTypeInfo<>(Object.class));

      assertThatThrownBy(() -> harness.getOperator().getKeyedStateStore().getState(kryoState))
          .hasRootCauseInstanceOf(UnsupportedOperationException.class);
    }
  }

  @Test
  void typeInfos_withGenericTypesDisabled_createKryoFreeSerializers() {
    SerializerConfigImpl config = new SerializerConfigImpl();
    config.setGenericTypes(false);

    TypeSerializer<Change<Customer>> changes =
        Change.typeInfo(Types.POJO(Customer.class)).createSerializer(config);
    TypeSerializer<DeadLetter> deadLetters = DeadLetter.TYPE_INFO.createSerializer(config);

    assertThat(changes).isInstanceOf(ChangeSerializer.class);
    assertThat(((ChangeSerializer<Customer>) changes).getValueSerializer())
        .isInstanceOf(PojoSerializer.class);
    assertThat(Change.typeInfo(Types.STRING).createSerializer(config))
        .isEqualTo(new ChangeSerializer<>(StringSerializer.INSTANCE));
    assertThat(deadLetters).isSameAs(DeadLetterSerializer.INSTANCE);
  }

  @Test
  void typeExtraction_ofChangeAndDeadLetter_usesEtlkitTypeInfos() {
    TypeInformation<Change<Customer>> changeType =
        TypeInformation.of(new TypeHint<Change<Customer>>() {});
    TypeInformation<DeadLetter> deadLetterType = TypeInformation.of(DeadLetter.class);

    assertThat(changeType).isEqualTo(Change.typeInfo(Types.POJO(Customer.class)));
    assertThat(((ChangeTypeInfo<Customer>) changeType).getValueType())
        .isInstanceOf(PojoTypeInfo.class);
    assertThat(deadLetterType)
        .isEqualTo(DeadLetter.TYPE_INFO)
        .isNotInstanceOf(GenericTypeInfo.class);
  }

  private static KeyedOneInputStreamOperatorTestHarness<String, Change<String>, Change<String>>
      harness(Backend backend) throws Exception {
    KeyedOneInputStreamOperatorTestHarness<String, Change<String>, Change<String>> harness =
        new KeyedOneInputStreamOperatorTestHarness<>(
            new KeyedProcessOperator<>(new RememberLast()), KEY, Types.STRING);
    harness.setStateBackend(backend.factory.get());
    Configuration noKryo = new Configuration();
    noKryo.set(PipelineOptions.GENERIC_TYPES, false);
    harness
        .getExecutionConfig()
        .getSerializerConfig()
        .configure(noKryo, ChangeStateRestoreTest.class.getClassLoader());
    // Without an output serializer the harness extracts one per record with getForObject, which
    // cannot see the value type of an erased Change.
    harness.setup(
        Change.typeInfo(Types.STRING)
            .createSerializer(harness.getExecutionConfig().getSerializerConfig()));
    return harness;
  }
}
