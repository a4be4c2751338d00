package dev.etlkit.operators.dedup;

import dev.etlkit.core.Change;
import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.Etl;
import dev.etlkit.core.EtlStream;
import dev.etlkit.core.StepMetrics;
import dev.etlkit.operators.dedup.DedupIndependentReference.Advance;
import dev.etlkit.operators.dedup.DedupIndependentReference.Checkpoint;
import dev.etlkit.operators.dedup.DedupIndependentReference.Config;
import dev.etlkit.operators.dedup.DedupIndependentReference.Event;
import dev.etlkit.operators.dedup.DedupIndependentReference.Input;
import dev.etlkit.operators.dedup.DedupIndependentReference.Observed;
import dev.etlkit.operators.dedup.DedupIndependentReference.Watermark;
import dev.etlkit.operators.dedup.internal.DedupOperator;
import dev.etlkit.testkit.Emitted;
import dev.etlkit.testkit.KeyedHarness;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.accumulators.Accumulator;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.dag.Transformation;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.operators.SimpleOperatorFactory;
import org.apache.flink.streaming.api.transformations.OneInputTransformation;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;

/**
 * Runs a {@link DedupIndependentReference} script through the real step: the step is applied to a
 * stream through the public API ({@code Etl.from(...).apply(step)}), and the two operators it adds
 * (the key check before the shuffle and the dedup operator) are taken from the resulting
 * transformations and run in Flink's test harnesses, the key check's output feeding the dedup
 * operator as the shuffle would. Nothing here knows the operator's internals, but for the metric
 * {@code deleteMarkersRemoved} (a Flink counter, not an accumulator), read from the operator.
 *
 * <p>Processing time moves as in a job: through every whole second on the way, where delete
 * retentions' timers are due, with the TTL clock there too (a harness that jumps fires every due
 * timer at the end of the jump, its TTL clock there).
 */
final class DedupIndependentDriver {

  static final String PIPELINE = "ref";
  static final String STEP = "dedup";

  private DedupIndependentDriver() {}

  static final TypeInformation<RefRow> ROW_TYPE = TypeInformation.of(RefRow.class);

  /** The step the configuration describes, built with the public API only. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  static Dedup.DedupStep<?, RefRow, String, ?> step(Config c) {
    KeySelector<RefRow, String> key = RefRow::keyOf;
    Dedup.DedupStep step =
        c.keep() == DedupIndependentReference.Keep.FIRST
            ? Dedup.keepFirst(STEP, key)
            : Dedup.keepLast(STEP, key);
    step = step.withKeyType(Types.STRING);
    step =
        switch (c.ordering()) {
          case PROCESSING_TIME -> step.withProcessingTimeOrder();
          case EVENT_TIME -> step.withEventTimeOrder();
          case EVENT_TIME_THEN_VERSION ->
              step.withOrdering(
                  DedupOrder.<RefRow>byEventTime().thenBy("version", RefRow::versionOf));
          case VERSION -> step.withOrdering(DedupOrder.by("version", RefRow::versionOf));
        };
    step =
        switch (c.output()) {
          case APPEND -> step.withAppendOutput();
          case UPSERT -> step.withUpsertOutput();
          case RETRACT -> step.withRetractOutput();
        };
    if (c.changelog()) {
      step = step.onChangelog();
    }
    if (c.ttlMillis() != null) {
      step = step.withStateTtl(Duration.ofMillis(c.ttlMillis()));
    }
    if (c.late() != null) {
      step = step.withLateRecords(c.late());
    }
    if (c.miniBatch()) {
      step = step.withMiniBatch(c.miniBatchRecords(), Duration.ofMillis(c.miniBatchDelayMillis()));
    }
    if (c.deleteRetentionMillis() != null) {
      step = step.withDeleteRetention(Duration.ofMillis(c.deleteRetentionMillis()));
    }
    return step;
  }

  /** The two operators of a freshly applied step. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private record Operators(
      OneInputStreamOperator<Object, Object> keyCheck,
      OneInputStreamOperator<Object, Object> dedup,
      KeySelector<Object, String> keySelector,
      TypeInformation<Object> inputType,
      TypeInformation<Object> outputType) {

    static Operators of(Config c) {
      StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
      TypeInformation inputType = c.changelog() ? Change.typeInfo(ROW_TYPE) : ROW_TYPE;
      Object sample = new RefRow("k", "v", 0, 0);
      if (c.changelog()) {
        sample = Change.insert(sample);
      }
      EtlStream<?> applied =
          Etl.from(env.fromData(List.of(sample), inputType), PIPELINE)
              .apply((Dedup.DedupStep) step(c));
      OneInputTransformation dedup =
          (OneInputTransformation) applied.toDataStream().getTransformation();
      Transformation<?> partition = (Transformation<?>) dedup.getInputs().get(0);
      OneInputTransformation keyCheck = (OneInputTransformation) partition.getInputs().get(0);
      return new Operators(
          (OneInputStreamOperator)
              ((SimpleOperatorFactory) keyCheck.getOperatorFactory()).getOperator(),
          (OneInputStreamOperator)
              ((SimpleOperatorFactory) dedup.getOperatorFactory()).getOperator(),
          dedup.getStateKeySelector(),
          inputType,
          dedup.getOutputType());
    }
  }

  /** Runs the script through the real step on the given backend. */
  static Observed run(Config c, List<Event> script, StateBackendKind backend) throws Exception {
    Operators first = Operators.of(c);
    KeyedHarness<String, Object, Object> recipe =
        KeyedHarness.forOperator(
            () -> Operators.of(c).dedup(), first.keySelector(), Types.STRING, first.outputType());
    Run run = new Run(c);
    StateBackendKind current = backend;
    OneInputStreamOperatorTestHarness<Object, Object> keyCheck = openKeyCheck(c);
    OperatorHarness<Object, Object> dedup = recipe.on(current).open();
    try {
      for (Event event : script) {
        run.step++;
        if (event instanceof Input input) {
          Object value = c.changelog() ? change(input) : input.row();
          StreamRecord<Object> record =
              input.timestamp() == null
                  ? new StreamRecord<>(value)
                  : new StreamRecord<>(value, input.timestamp());
          keyCheck.processElement(record);
          run.collectDeadLetters(keyCheck);
          for (StreamRecord<?> passed : keyCheck.extractOutputStreamRecords()) {
            if (passed.hasTimestamp()) {
              dedup.processElement(passed.getValue(), passed.getTimestamp());
            } else {
              dedup.processElement(passed.getValue());
            }
          }
          keyCheck.getOutput().clear();
          run.collect(dedup);
        } else if (event instanceof Watermark w) {
          dedup.processWatermark(w.timestamp());
          run.collect(dedup);
        } else if (event instanceof Advance a) {
          long now = dedup.processingTime();
          long target = now + a.millis();
          for (long second = Math.floorDiv(now, 1_000L) * 1_000L + 1_000L;
              second < target;
              second += 1_000L) {
            dedup.setProcessingTime(second);
          }
          dedup.setProcessingTime(target);
          run.collect(dedup);
        } else if (event instanceof Checkpoint cp) {
          long now = dedup.processingTime();
          OperatorSubtaskState state = cp.switchBackend() ? dedup.savepoint() : dedup.snapshot();
          run.collect(dedup);
          run.addCounters(dedup.unwrap().getEnvironment().getAccumulatorRegistry().getUserMap());
          run.addMarkersRemoved(dedup);
          dedup.close();
          if (cp.switchBackend()) {
            current = current.other();
          }
          dedup = recipe.on(current).restore(state);
          dedup.setProcessingTime(now);
        }
      }
      run.step++;
      dedup.processWatermark(Long.MAX_VALUE);
      dedup.unwrap().endInput();
      run.collect(dedup);
      run.addCounters(dedup.unwrap().getEnvironment().getAccumulatorRegistry().getUserMap());
      run.addCounters(keyCheck.getEnvironment().getAccumulatorRegistry().getUserMap());
      run.addMarkersRemoved(dedup);
      return run.observed();
    } finally {
      dedup.close();
      keyCheck.close();
    }
  }

  private static OneInputStreamOperatorTestHarness<Object, Object> openKeyCheck(Config c)
      throws Exception {
    Operators operators = Operators.of(c);
    OneInputStreamOperatorTestHarness<Object, Object> harness =
        new OneInputStreamOperatorTestHarness<>(operators.keyCheck());
    harness.setup(
        operators.inputType().createSerializer(harness.getExecutionConfig().getSerializerConfig()));
    harness.open();
    return harness;
  }

  private static Change<RefRow> change(Input input) {
    Change<RefRow> change = Change.of(input.kind(), input.row());
    if (input.changeEventTime() != null) {
      change = change.withEventTime(input.changeEventTime());
    }
    if (input.changeSourcePosition() != null) {
      change = change.withSourcePosition(input.changeSourcePosition());
    }
    return change;
  }

  /** What the real step emitted, in the reference's form. */
  private static final class Run {
    private final Config config;
    private final Map<String, List<String>> main = new TreeMap<>();
    private final List<String> late = new ArrayList<>();
    private final List<String> deadLetters = new ArrayList<>();
    private final Map<String, Long> counts = new LinkedHashMap<>();

    /** Index of the script step being run, as the reference tags outputs. */
    int step = -1;

    Run(Config config) {
      this.config = config;
      for (String name :
          List.of(
              StepMetrics.RECORDS_IN,
              StepMetrics.RECORDS_OUT,
              StepMetrics.RECORDS_FILTERED,
              StepMetrics.RECORDS_DEDUPLICATED,
              StepMetrics.RECORDS_DEAD_LETTERED,
              StepMetrics.RECORDS_EMITTED)) {
        counts.put(name, 0L);
      }
      counts.put(DedupIndependentReference.DELETE_MARKERS_REMOVED, 0L);
    }

    void collectDeadLetters(OneInputStreamOperatorTestHarness<Object, Object> keyCheck) {
      var queue = keyCheck.getSideOutput(DeadLetter.OUTPUT_TAG);
      if (queue == null) {
        return;
      }
      for (Object o : queue) {
        deadLetters.add("#" + step + " " + ((StreamRecord<DeadLetter>) o).getValue().errorClass());
      }
      queue.clear();
    }

    void collect(OperatorHarness<Object, Object> dedup) {
      for (Emitted e : dedup.emitted()) {
        if (e.isMain()) {
          RefRow row;
          String rendered;
          if (e.value() instanceof Change<?> change) {
            row = (RefRow) change.value();
            rendered =
                DedupIndependentReference.renderChange(
                    change.kind(), row, change.eventTime(), change.sourcePosition(), e.timestamp());
          } else {
            row = (RefRow) e.value();
            rendered = DedupIndependentReference.render(row, e.timestamp());
          }
          main.computeIfAbsent(row.key, k -> new ArrayList<>()).add("#" + step + " " + rendered);
        } else if (e.sideOutput().equals(DeadLetter.OUTPUT_TAG.getId())) {
          DeadLetter letter = (DeadLetter) e.value();
          deadLetters.add("#" + step + " " + letter.errorClass());
        } else {
          Object value = e.value();
          Input asInput =
              value instanceof Change<?> change
                  ? new Input(
                      change.kind(),
                      (RefRow) change.value(),
                      e.timestamp(),
                      change.eventTime(),
                      change.sourcePosition())
                  : new Input(
                      org.apache.flink.types.RowKind.INSERT,
                      (RefRow) value,
                      e.timestamp(),
                      null,
                      null);
          late.add("#" + step + " " + asInput);
        }
      }
      dedup.clearOutput();
    }

    void addCounters(Map<String, Accumulator<?, ?>> accumulators) {
      String prefix = StepMetrics.ACCUMULATOR_PREFIX + PIPELINE + "/" + STEP + "/";
      for (Map.Entry<String, Accumulator<?, ?>> e : accumulators.entrySet()) {
        if (e.getKey().startsWith(prefix)) {
          String name = e.getKey().substring(prefix.length());
          counts.merge(name, ((Number) e.getValue().getLocalValue()).longValue(), Long::sum);
        }
      }
    }

    /** The counter of one operator instance (each restore starts one at zero). */
    void addMarkersRemoved(OperatorHarness<Object, Object> dedup) {
      long removed =
          ((DedupOperator<?, ?, ?, ?>) dedup.unwrap().getOperator()).deleteMarkersRemovedCount();
      counts.merge(DedupIndependentReference.DELETE_MARKERS_REMOVED, removed, Long::sum);
    }

    Observed observed() {
      return new Observed(main, late, deadLetters, counts);
    }
  }
}
