package dev.etlkit.core;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.streaming.api.datastream.DataStream;

/**
 * The named outputs of a {@link SplitStep}, each an {@link EtlStream} of the same pipeline: apply
 * further steps to each, sink each, and take the pipeline's dead letters from any of them.
 *
 * <pre>{@code
 * SplitStreams<Order> regions = orders.split(byRegion); // a SplitStep<Order, Order>
 * regions.get("eu").toDataStream().sinkTo(euSink);
 * regions.get("us").apply(Steps.map("to-usd", Order::inUsd, Order.TYPE_INFO));
 * }</pre>
 *
 * @param <T> record type of every output
 */
@PublicEvolving
public final class SplitStreams<T> {

  private final String step;
  private final Map<String, EtlStream<T>> outputs;

  SplitStreams(EtlPipeline pipeline, String step, Map<String, DataStream<T>> streams) {
    this.step = step;
    Map<String, EtlStream<T>> wrapped = new LinkedHashMap<>();
    for (Map.Entry<String, DataStream<T>> e : streams.entrySet()) {
      wrapped.put(e.getKey(), new EtlStream<>(pipeline, e.getValue()));
    }
    this.outputs = wrapped;
  }

  /** The name of the step these outputs came from. */
  public String step() {
    return step;
  }

  /** The output names, in the order the step declared them. */
  public List<String> names() {
    return new ArrayList<>(outputs.keySet());
  }

  /**
   * The output named {@code name}.
   *
   * @throws IllegalArgumentException if the step has no output of that name
   */
  public EtlStream<T> get(String name) {
    EtlStream<T> output = outputs.get(name);
    if (output == null) {
      throw new IllegalArgumentException(
          "step '" + step + "' has no output named '" + name + "'; its outputs are " + names());
    }
    return output;
  }
}
