package dev.etlkit.core;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;

/**
 * A typed stream inside a named {@link EtlPipeline}. {@link #apply(EtlStep)} adds a step and
 * returns its output as a new stream; the pipeline keeps the steps' dead letters, state inventory
 * and uids.
 *
 * <pre>{@code
 * EtlStream<Order> orders =
 *     Etl.from(lines, "orders")
 *         .apply(Steps.map("parse", Order::parse, TypeInformation.of(Order.class)))
 *         .apply(Steps.filter("paid", Order::isPaid));
 * orders.toDataStream().print();
 * orders.deadLetters().print();
 * }</pre>
 *
 * @param <T> record type
 */
@PublicEvolving
public final class EtlStream<T> {

  private final EtlPipeline pipeline;
  private final DataStream<T> stream;

  EtlStream(EtlPipeline pipeline, DataStream<T> stream) {
    this.pipeline = pipeline;
    this.stream = stream;
  }

  /**
   * Expands {@code step} after this stream.
   *
   * @throws IllegalArgumentException if the step's name is invalid or already used in the pipeline
   * @throws IllegalStateException if the step's operators collide with existing uids
   */
  public <R> EtlStream<R> apply(EtlStep<T, R> step) {
    Objects.requireNonNull(step, "step");
    return new EtlStream<>(pipeline, pipeline.expand(step, stream));
  }

  /**
   * Expands {@code step}, a step with several named outputs, after this stream.
   *
   * @throws IllegalArgumentException if the step's name is invalid or already used in the pipeline
   * @throws IllegalStateException if the step's operators collide with existing uids, or it returns
   *     no outputs
   */
  public <R> SplitStreams<R> split(SplitStep<T, R> step) {
    Objects.requireNonNull(step, "step");
    Map<String, DataStream<R>> outputs = pipeline.expandSplit(step, stream);
    return new SplitStreams<>(pipeline, step.name(), outputs);
  }

  /** The Flink stream, to sink it or to continue with plain Flink. */
  public DataStream<T> toDataStream() {
    return stream;
  }

  /** The record type. */
  public TypeInformation<T> type() {
    return stream.getType();
  }

  /** The dead letters of all steps of the pipeline; see {@link EtlPipeline#deadLetters()}. */
  public DataStream<DeadLetter> deadLetters() {
    return pipeline.deadLetters();
  }

  /** The state inventory of the pipeline; see {@link EtlPipeline#stateInventory()}. */
  public StateInventory stateInventory() {
    return pipeline.stateInventory();
  }

  public EtlPipeline pipeline() {
    return pipeline;
  }

  /** Sets the pipeline's default state TTL; see {@link EtlPipeline#defaultStateTtl(Duration)}. */
  public EtlStream<T> defaultStateTtl(Duration ttl) {
    pipeline.defaultStateTtl(ttl);
    return this;
  }

  /** Sets the pipeline's default error policy; see {@link EtlPipeline#defaultErrorPolicy}. */
  public EtlStream<T> defaultErrorPolicy(ErrorPolicy policy) {
    pipeline.defaultErrorPolicy(policy);
    return this;
  }
}
