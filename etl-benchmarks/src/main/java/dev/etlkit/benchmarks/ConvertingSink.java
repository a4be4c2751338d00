package dev.etlkit.benchmarks;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import javax.annotation.Nullable;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * A {@link CountingSink} that first converts each main-output record, as the operator chained after
 * the benchmarked one would (for example Flink's conversion of an output row to the job's type).
 * The last converted record is kept in a field, so the conversion cannot be optimised away; tests
 * may keep every one, and where watermarks fell among them.
 */
public final class ConvertingSink extends CountingSink {
  private final UnaryOperator<Object> conversion;
  @Nullable private final List<Object> kept;
  @Nullable private final List<Integer> keptAtWatermarks;
  @Nullable private Object last;

  /**
   * @param conversion what happens to each main-output record
   * @param keepAll whether to keep every converted record (tests only: it allocates)
   */
  public ConvertingSink(UnaryOperator<Object> conversion, boolean keepAll) {
    this.conversion = conversion;
    this.kept = keepAll ? new ArrayList<>() : null;
    this.keptAtWatermarks = keepAll ? new ArrayList<>() : null;
  }

  @Override
  public void collect(StreamRecord<Object> record) {
    Object converted = conversion.apply(record.getValue());
    last = converted;
    if (kept != null) {
      kept.add(converted);
    }
    super.collect(record);
  }

  @Override
  public void emitWatermark(Watermark mark) {
    if (keptAtWatermarks != null) {
      keptAtWatermarks.add(kept.size());
    }
  }

  /** The converted records, in order, if kept (else empty). */
  public List<Object> kept() {
    return kept == null ? List.of() : kept;
  }

  /**
   * If records are kept, the number kept when each watermark was emitted, in order (else empty):
   * the records an operator emitted before forwarding a watermark, such as those its timers
   * released, come before it.
   */
  public List<Integer> keptAtWatermarks() {
    return keptAtWatermarks == null ? List.of() : keptAtWatermarks;
  }

  /** The last converted record, or null before the first. */
  @Nullable
  public Object last() {
    return last;
  }
}
