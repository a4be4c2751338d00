package dev.etlkit.operators.dedup.internal;

import dev.etlkit.core.Change;
import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.StepMetrics;
import dev.etlkit.core.internal.SourcePositions;
import dev.etlkit.operators.dedup.LateRecordException;
import dev.etlkit.operators.dedup.LateRecords;
import javax.annotation.Nullable;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.operators.Output;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.tasks.ProcessingTimeService;
import org.apache.flink.util.OutputTag;

/**
 * Where a {@link DedupOperator} sends the records it does not apply: a late record (event time, at
 * or before the watermark) to the late-records side output or to the dead letters, as {@link
 * LateRecords} says, and a record without timestamp under event-time ordering or whose ordering key
 * throws to the dead letters (or it fails the job, as the step's error policy says). Counts them: a
 * late record in {@link DedupOperator#RECORDS_LATE} and as filtered when it goes to the side
 * output, a dead letter in the step's error handling. One per operator instance, made in {@code
 * open()}.
 *
 * @param <I> input type: {@code T} or {@code Change<T>}
 */
final class DedupRejects<I> {

  private final DedupConfig<?> config;
  private final Output<?> output;
  private final ProcessingTimeService time;
  private final StepMetrics metrics;
  private final Counter late;

  /** The late-records side output; null unless late records go there. */
  @Nullable private final OutputTag<I> lateTag;

  /**
   * @param output the operator's output
   * @param late the {@link DedupOperator#RECORDS_LATE} counter
   */
  DedupRejects(
      DedupConfig<?> config,
      Output<?> output,
      ProcessingTimeService time,
      StepMetrics metrics,
      Counter late) {
    this.config = config;
    this.output = output;
    this.time = time;
    this.metrics = metrics;
    this.late = late;
    OutputTag<I> tag = null;
    if (config.isEventTime() && config.lateRecords() == LateRecords.SIDE_OUTPUT) {
      @SuppressWarnings("unchecked")
      TypeInformation<I> inputType =
          config.changelogInput()
              ? (TypeInformation<I>) (TypeInformation<?>) Change.typeInfo(config.rowType())
              : (TypeInformation<I>) config.rowType();
      tag = DedupOperator.lateRecordsTag(inputType);
    }
    this.lateTag = tag;
  }

  /** A record at or before the {@code watermark}: to the side output, or a dead letter. */
  void routeLate(StreamRecord<I> element, long watermark) {
    late.inc();
    if (config.lateRecords() == LateRecords.SIDE_OUTPUT) {
      output.collect(lateTag, new StreamRecord<>(element.getValue(), element.getTimestamp()));
      metrics.filtered();
    } else {
      reject(new LateRecordException(element.getTimestamp(), watermark), element);
    }
  }

  /** The record becomes a dead letter for {@code error} (or fails the job). */
  void reject(Exception error, StreamRecord<I> element) {
    I value = element.getValue();
    Long timestamp = element.hasTimestamp() ? element.getTimestamp() : null;
    DeadLetter letter =
        config
            .errors()
            .reject(
                error,
                value,
                timestamp,
                SourcePositions.of(value),
                time.getCurrentProcessingTime());
    output.collect(
        DeadLetter.OUTPUT_TAG,
        timestamp == null ? new StreamRecord<>(letter) : new StreamRecord<>(letter, timestamp));
  }
}
