package dev.etlkit.core;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.streaming.api.datastream.DataStream;

/**
 * Entry point: turns a Flink {@link DataStream} into an {@link EtlStream} of a named pipeline.
 *
 * <pre>{@code
 * EtlStream<String> raw = Etl.from(rawOrders, "orders").defaultStateTtl(Duration.ofDays(1));
 * }</pre>
 *
 * <p>The pipeline name is part of every operator uid the pipeline creates; keep it stable across
 * releases of your job.
 */
@PublicEvolving
public final class Etl {
  private Etl() {}

  /** Starts a new pipeline named {@code pipelineName} at {@code source}. */
  public static <T> EtlStream<T> from(DataStream<T> source, String pipelineName) {
    return pipeline(pipelineName).from(source);
  }

  /**
   * A new, empty pipeline: use it for jobs with several inputs ({@link EtlPipeline#from} once per
   * input) that share one namespace of step names, one dead-letter output and one inventory.
   */
  public static EtlPipeline pipeline(String pipelineName) {
    return new EtlPipeline(pipelineName);
  }
}
