package dev.etlkit.benchmarks.reference;

import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichFlatMapFunction;
import org.apache.flink.util.Collector;

/**
 * Counts the records of one output in the accumulator {@value #PREFIX}{@code <output>} and emits
 * nothing: with a {@code DiscardingSink} after it, the end of a benchmark job.
 *
 * @param <T> record type
 */
final class CountingDiscard<T> extends RichFlatMapFunction<T, Void> {

  private static final long serialVersionUID = 1L;

  /** Prefix of the accumulator names. */
  static final String PREFIX = "records-out:";

  private final String output;

  private transient LongCounter counter;

  CountingDiscard(String output) {
    this.output = output;
  }

  @Override
  public void open(OpenContext openContext) {
    counter = new LongCounter();
    getRuntimeContext().addAccumulator(PREFIX + output, counter);
  }

  @Override
  public void flatMap(T value, Collector<Void> out) {
    counter.add(1L);
  }
}
