package dev.etlkit.operators.cdc;

import dev.etlkit.core.Change;
import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.ErrorHandler;
import dev.etlkit.core.ErrorPolicy;
import dev.etlkit.core.RecordAccounting;
import dev.etlkit.core.StepIdentity;
import dev.etlkit.operators.PayloadInput;
import dev.etlkit.operators.cdc.internal.DebeziumDecodingFunction;
import dev.etlkit.operators.cdc.internal.DecoderSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.stream.Collectors;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.operators.ProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;

/**
 * The Debezium decoding function in Flink's operator harness (generic types disabled), with what it
 * emitted per record and its accounting.
 */
final class DecoderHarness<I, T> implements AutoCloseable {
  static final StepIdentity STEP = new StepIdentity("crm", "customers-cdc", "crm/customers-cdc");

  /** What one input record became. */
  record Emitted<T>(List<Change<T>> changes, List<DeadLetter> deadLetters) {}

  private final OneInputStreamOperatorTestHarness<I, Change<T>> harness;

  DecoderHarness(PayloadInput<I> input, ErrorPolicy policy, DecoderSettings<T> settings)
      throws Exception {
    harness =
        new OneInputStreamOperatorTestHarness<>(
            new ProcessOperator<>(
                new DebeziumDecodingFunction<>(input, new ErrorHandler(STEP, policy), settings)));
    NoKryo.disableGenericTypes(harness.getExecutionConfig());
    // Every output record is copied with the step's real serializer (Kryo would fail).
    harness.setup(
        Change.typeInfo(TypeInformation.of(settings.rowType()))
            .createSerializer(harness.getExecutionConfig().getSerializerConfig()));
    harness.open();
  }

  static <T> DecoderHarness<dev.etlkit.core.RawRecord, T> rawRecords(DecoderSettings<T> settings)
      throws Exception {
    return new DecoderHarness<>(PayloadInput.rawRecords(), ErrorPolicy.deadLetter(), settings);
  }

  /** Processes one record at {@code timestamp}; returns only what this record produced. */
  @SuppressWarnings("unchecked")
  Emitted<T> process(I record, long timestamp) throws Exception {
    harness.getOutput().clear();
    Queue<StreamRecord<DeadLetter>> side = harness.getSideOutput(DeadLetter.OUTPUT_TAG);
    if (side != null) {
      side.clear();
    }
    harness.processElement(record, timestamp);
    List<Change<T>> changes = new ArrayList<>();
    for (Object o : harness.getOutput()) {
      if (o instanceof StreamRecord) {
        changes.add(((StreamRecord<Change<T>>) o).getValue());
      }
    }
    side = harness.getSideOutput(DeadLetter.OUTPUT_TAG);
    List<DeadLetter> letters =
        side == null
            ? List.of()
            : side.stream().map(StreamRecord::getValue).collect(Collectors.toList());
    return new Emitted<>(changes, letters);
  }

  RecordAccounting.StepCounts counts() {
    Map<String, Object> values =
        harness.getEnvironment().getAccumulatorRegistry().getUserMap().entrySet().stream()
            .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().getLocalValue()));
    return RecordAccounting.of(values).step(STEP.pipeline(), STEP.step());
  }

  @Override
  public void close() throws Exception {
    harness.close();
  }
}
