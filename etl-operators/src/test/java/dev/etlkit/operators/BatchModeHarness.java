package dev.etlkit.operators;

import dev.etlkit.testkit.internal.KeyedStreamOperator;
import dev.etlkit.testkit.internal.RecordingHarness;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.runtime.operators.testutils.MockEnvironment;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.operators.sorted.state.BatchExecutionInternalTimeServiceManager;
import org.apache.flink.streaming.api.operators.sorted.state.BatchExecutionStateBackend;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;

/**
 * A keyed step's operator run as a {@code RuntimeExecutionMode.BATCH} job with sorted inputs
 * (Flink's default) runs it: a {@code JobType.BATCH} task, Flink's batch state backend (one key's
 * state at a time, dropped when the key changes) and its batch timer service (a key's timers fire
 * when the key changes and at the final watermark, never by the clock). Flink's own harness with
 * those three parts; the records must come grouped by key, as batch mode's sort gives them.
 *
 * <p>{@link #run} moves the processing time by {@code step} before every record, far beyond any
 * retention or wait in the tests: a step that compares a deadline with the clock, or keeps a
 * processing-time timer that acts before its key ends, gives another output than at a fixed clock.
 */
public final class BatchModeHarness<I, O> implements AutoCloseable {

  private final MockEnvironment environment;
  private final KeyedOneInputStreamOperatorTestHarness<Object, I, O> harness;

  private BatchModeHarness(
      OneInputStreamOperator<I, O> operator,
      KeySelector<I, Object> key,
      TypeInformation<Object> keyType,
      TypeInformation<O> outputType)
      throws Exception {
    environment = RecordingHarness.batchJobEnvironment("batch-mode");
    harness = new KeyedOneInputStreamOperatorTestHarness<>(operator, key, keyType, environment);
    batchMode(harness);
    harness.setup(outputType.createSerializer(harness.getExecutionConfig().getSerializerConfig()));
    harness.open();
  }

  /** {@code operator}, keyed by {@code key}, opened. */
  public static <I, O> BatchModeHarness<I, O> of(
      OneInputStreamOperator<I, O> operator,
      KeySelector<I, Object> key,
      TypeInformation<Object> keyType,
      TypeInformation<O> outputType)
      throws Exception {
    return new BatchModeHarness<>(operator, key, keyType, outputType);
  }

  /** The keyed one-input operator that made {@code stepOutput} (a copy), opened. */
  public static <I, O> BatchModeHarness<I, O> of(
      DataStream<O> stepOutput, TypeInformation<I> inputType) throws Exception {
    KeyedStreamOperator<I, O> found = KeyedStreamOperator.of(stepOutput, inputType);
    return new BatchModeHarness<>(
        found.copy(null), found.keySelector(), found.keyType(), found.outputType());
  }

  /**
   * Runs {@code records} (grouped by key; each with its timestamp at {@code timestamps}' index),
   * the processing time moved by {@code stepMillis} before each one, then the end of input: the
   * final watermark and {@code endInput}. Returns the main output's values.
   */
  public List<O> run(List<I> records, List<Long> timestamps, long stepMillis) throws Exception {
    long now = 0;
    for (int i = 0; i < records.size(); i++) {
      now += stepMillis;
      harness.setProcessingTime(now);
      harness.processElement(records.get(i), timestamps.get(i));
    }
    harness.processWatermark(new Watermark(Long.MAX_VALUE));
    harness.endInput();
    return new ArrayList<>(harness.extractOutputValues());
  }

  /** Flink's harness, for the operator and its side outputs; closed by {@link #close}. */
  public KeyedOneInputStreamOperatorTestHarness<Object, I, O> unwrap() {
    return harness;
  }

  @Override
  public void close() throws Exception {
    try {
      harness.close();
    } finally {
      environment.close();
    }
  }

  /**
   * Gives a harness Flink's batch state backend and batch timer service, before its {@code setup}.
   */
  public static void batchMode(AbstractStreamOperatorTestHarness<?> harness) {
    harness.setStateBackend(new BatchExecutionStateBackend());
    harness.setTimeServiceManagerProvider(BatchExecutionInternalTimeServiceManager::create);
  }
}
