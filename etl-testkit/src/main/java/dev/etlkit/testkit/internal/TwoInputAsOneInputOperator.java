package dev.etlkit.testkit.internal;

import org.apache.flink.annotation.Internal;
import org.apache.flink.metrics.groups.OperatorMetricGroup;
import org.apache.flink.runtime.checkpoint.CheckpointOptions;
import org.apache.flink.runtime.event.WatermarkEvent;
import org.apache.flink.runtime.jobgraph.OperatorID;
import org.apache.flink.runtime.state.CheckpointStreamFactory;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedMultiInput;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.operators.OperatorAttributes;
import org.apache.flink.streaming.api.operators.OperatorSnapshotFutures;
import org.apache.flink.streaming.api.operators.StreamTaskStateInitializer;
import org.apache.flink.streaming.api.operators.TwoInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.LatencyMarker;
import org.apache.flink.streaming.runtime.streamrecord.RecordAttributes;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus;
import org.apache.flink.types.Either;

/**
 * A keyed two-input operator behind a one-input face, so the one-input harness drives it: a {@link
 * Either.Left} goes to {@code processElement1}, a {@link Either.Right} to {@code processElement2},
 * each with the element's timestamp. Every watermark, watermark status and record attribute of the
 * one-input face goes to both inputs, first then second, so the operator's combined watermark is
 * the one given; its timers and output see one watermark per call, as when both inputs of a job
 * advance together. {@link #processWatermark(int, Watermark)} and {@link
 * #processWatermarkStatus(int, WatermarkStatus)} reach one input alone, and the operator combines
 * its inputs itself (Flink's {@code AbstractStreamOperator}: the minimum of the active inputs'
 * watermarks). Latency markers go to the first input; the end of input ends both inputs (first,
 * then second) of an operator that is {@link BoundedMultiInput}.
 *
 * <p>Not a Flink operator itself: the operator inside is set up by {@link RecordingHarness}, with
 * the harness's task, configuration and output, so its key context is the harness's (the key
 * selector the harness was given, over {@code Either}), and its state, timers and snapshots are its
 * own: they restore into the two-input operator in a job.
 *
 * @param <I1> first input type
 * @param <I2> second input type
 * @param <O> output type
 */
@Internal
public final class TwoInputAsOneInputOperator<I1, I2, O>
    implements OneInputStreamOperator<Either<I1, I2>, O>, BoundedOneInput {
  private static final long serialVersionUID = 1L;

  private final AbstractStreamOperator<O> operator;
  private final TwoInputStreamOperator<I1, I2, O> twoInput;

  /**
   * @param operator a fresh two-input operator extending {@link AbstractStreamOperator}
   * @throws IllegalArgumentException if it is not both
   */
  @SuppressWarnings("unchecked")
  public TwoInputAsOneInputOperator(TwoInputStreamOperator<I1, I2, O> operator) {
    if (!(operator instanceof AbstractStreamOperator<?>)) {
      throw new IllegalArgumentException(
          "the two-input operator must extend AbstractStreamOperator, but "
              + operator.getClass().getName()
              + " does not");
    }
    this.operator = (AbstractStreamOperator<O>) operator;
    this.twoInput = operator;
  }

  /** The two-input operator inside, which the harness sets up and reports as its operator. */
  public AbstractStreamOperator<O> operator() {
    return operator;
  }

  @Override
  public void processElement(StreamRecord<Either<I1, I2>> element) throws Exception {
    Either<I1, I2> input = element.getValue();
    if (input.isLeft()) {
      twoInput.processElement1(withValue(element, input.left()));
    } else {
      twoInput.processElement2(withValue(element, input.right()));
    }
  }

  private static <T> StreamRecord<T> withValue(StreamRecord<?> element, T value) {
    return element.hasTimestamp()
        ? new StreamRecord<>(value, element.getTimestamp())
        : new StreamRecord<>(value);
  }

  @Override
  public void processWatermark(Watermark mark) throws Exception {
    twoInput.processWatermark1(mark);
    twoInput.processWatermark2(mark);
  }

  /**
   * A watermark of input {@code input} (1 or 2) alone: {@code processWatermark1} or {@code
   * processWatermark2} of the operator, which forwards the minimum of its inputs' watermarks when
   * that rises.
   */
  public void processWatermark(int input, Watermark mark) throws Exception {
    if (input == 1) {
      twoInput.processWatermark1(mark);
    } else {
      twoInput.processWatermark2(mark);
    }
  }

  /** A watermark status (idle or active) of input {@code input} (1 or 2) alone. */
  public void processWatermarkStatus(int input, WatermarkStatus watermarkStatus) throws Exception {
    if (input == 1) {
      twoInput.processWatermarkStatus1(watermarkStatus);
    } else {
      twoInput.processWatermarkStatus2(watermarkStatus);
    }
  }

  @Override
  public void processWatermarkStatus(WatermarkStatus watermarkStatus) throws Exception {
    twoInput.processWatermarkStatus1(watermarkStatus);
    twoInput.processWatermarkStatus2(watermarkStatus);
  }

  @Override
  public void processLatencyMarker(LatencyMarker latencyMarker) throws Exception {
    twoInput.processLatencyMarker1(latencyMarker);
  }

  @Override
  public void processRecordAttributes(RecordAttributes recordAttributes) throws Exception {
    twoInput.processRecordAttributes1(recordAttributes);
    twoInput.processRecordAttributes2(recordAttributes);
  }

  @Override
  public void processWatermark(WatermarkEvent watermark) throws Exception {
    twoInput.processWatermark1(watermark);
    twoInput.processWatermark2(watermark);
  }

  @Override
  public void endInput() throws Exception {
    if (operator instanceof BoundedMultiInput bounded) {
      bounded.endInput(1);
      bounded.endInput(2);
    }
  }

  @Override
  public void open() throws Exception {
    operator.open();
  }

  @Override
  public void finish() throws Exception {
    operator.finish();
  }

  @Override
  public void close() throws Exception {
    operator.close();
  }

  @Override
  public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
    operator.prepareSnapshotPreBarrier(checkpointId);
  }

  @Override
  public OperatorSnapshotFutures snapshotState(
      long checkpointId,
      long timestamp,
      CheckpointOptions checkpointOptions,
      CheckpointStreamFactory storageLocation)
      throws Exception {
    return operator.snapshotState(checkpointId, timestamp, checkpointOptions, storageLocation);
  }

  @Override
  public void initializeState(StreamTaskStateInitializer streamTaskStateManager) throws Exception {
    operator.initializeState(streamTaskStateManager);
  }

  @Override
  public void notifyCheckpointComplete(long checkpointId) throws Exception {
    operator.notifyCheckpointComplete(checkpointId);
  }

  @Override
  public void notifyCheckpointAborted(long checkpointId) throws Exception {
    operator.notifyCheckpointAborted(checkpointId);
  }

  /** Sets the key of either input: the harness's key selector reads the {@code Either}. */
  @Override
  public void setKeyContextElement1(StreamRecord<?> record) throws Exception {
    operator.setKeyContextElement1(record);
  }

  @Override
  public void setKeyContextElement2(StreamRecord<?> record) throws Exception {
    operator.setKeyContextElement1(record);
  }

  @Override
  public OperatorMetricGroup getMetricGroup() {
    return operator.getMetricGroup();
  }

  @Override
  public OperatorID getOperatorID() {
    return operator.getOperatorID();
  }

  @Override
  public OperatorAttributes getOperatorAttributes() {
    return operator.getOperatorAttributes();
  }

  @Override
  public void setCurrentKey(Object key) {
    operator.setCurrentKey(key);
  }

  @Override
  public Object getCurrentKey() {
    return operator.getCurrentKey();
  }

  @Override
  public String toString() {
    return "TwoInputAsOneInputOperator{" + operator + "}";
  }
}
