package dev.etlkit.benchmarks;

import org.apache.flink.runtime.event.WatermarkEvent;
import org.apache.flink.streaming.api.operators.Output;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.LatencyMarker;
import org.apache.flink.streaming.runtime.streamrecord.RecordAttributes;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus;
import org.apache.flink.util.OutputTag;

/**
 * The output a benchmarked operator emits into: it counts records (main and side outputs) and keeps
 * none, like the next operator of a chain that takes each record and returns.
 *
 * <p>It replaces the test harness's own output, which copies every record with the output
 * serializer and appends it to a {@code ConcurrentLinkedQueue}: a compare-and-swap per record, that
 * is a full memory fence on x86, which stalls the out-of-order overlap of one record's cache misses
 * with the next one's. An operator that emits paid that once per output record, the LIMITs (which
 * emit nothing) never, and no job pays it: a chained operator receives the record by a method call,
 * a network output serializes it into a buffer. What the next operator does with a record (copy it
 * when object reuse is off, serialize it) costs the same for every variant that emits the same
 * changelog, and is not measured.
 */
public class CountingSink implements Output<StreamRecord<Object>> {
  private long records;

  /** Records emitted so far, side outputs included. */
  public long records() {
    return records;
  }

  @Override
  public void collect(StreamRecord<Object> record) {
    records++;
  }

  @Override
  public <X> void collect(OutputTag<X> outputTag, StreamRecord<X> record) {
    records++;
  }

  @Override
  public void emitWatermark(Watermark mark) {}

  @Override
  public void emitWatermarkStatus(WatermarkStatus watermarkStatus) {}

  @Override
  public void emitLatencyMarker(LatencyMarker latencyMarker) {}

  @Override
  public void emitRecordAttributes(RecordAttributes recordAttributes) {}

  @Override
  public void emitWatermark(WatermarkEvent watermark) {}

  @Override
  public void close() {}
}
