package dev.etlkit.examples;

import java.time.Duration;
import java.util.List;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Runs of the reference job for the tests: {@link OrdersJob#localEnvironment} (generic types off,
 * no restarts, parallelism 2) in a chosen runtime mode and state backend, over the bundled sample
 * or over {@link ReferenceData} events.
 */
final class ReferenceRuns {

  /** How far out of order generated events reach their source (redeliveries come a bit later). */
  static final Duration GENERATED_DISORDER = Duration.ofMinutes(1);

  private ReferenceRuns() {}

  /** The example job's environment in {@code mode}; batch mode ignores the state backend. */
  static StreamExecutionEnvironment environment(RuntimeExecutionMode mode, String backend) {
    StreamExecutionEnvironment env = OrdersJob.localEnvironment(backend);
    env.setRuntimeMode(mode);
    return env;
  }

  /**
   * The job as {@link OrdersJob#main} wires it over the sample (event time assigned at the
   * sources).
   */
  static OrdersRun sample(RuntimeExecutionMode mode, String backend) throws Exception {
    StreamExecutionEnvironment env = environment(mode, backend);
    OrdersJob.Outputs outputs =
        OrdersJob.wire(
            env.fromData(OrdersJob.sampleLines(), Types.STRING),
            env.fromData(OrdersJob.customerChangeLines(), Types.STRING));
    return OrdersRun.execute(env, outputs, "sample-" + mode + "-" + backend);
  }

  /** The job over generated events, with event time and watermarks assigned at the sources. */
  static OrdersRun generated(
      ReferenceData data, RuntimeExecutionMode mode, String backend, String jobName)
      throws Exception {
    return run(data.orders(), data.customerChanges(), GENERATED_DISORDER, mode, backend, jobName);
  }

  /** The job over generated events, as {@link #generated}, in the given environment. */
  static OrdersRun generated(ReferenceData data, StreamExecutionEnvironment env, String jobName)
      throws Exception {
    return run(data.orders(), data.customerChanges(), GENERATED_DISORDER, env, jobName);
  }

  /**
   * The job over order and change events whose timestamps are assigned at their (non-parallel)
   * sources with a watermark bound of {@code disorder}, change events partitioned by customer like
   * a Kafka topic keyed by the primary key.
   */
  static OrdersRun run(
      List<ReferenceData.Event> orders,
      List<ReferenceData.Event> customerChanges,
      Duration disorder,
      RuntimeExecutionMode mode,
      String backend,
      String jobName)
      throws Exception {
    return run(
        orders,
        customerChanges,
        disorder,
        environment(mode, backend),
        jobName + "-" + mode + "-" + backend);
  }

  private static OrdersRun run(
      List<ReferenceData.Event> orders,
      List<ReferenceData.Event> customerChanges,
      Duration disorder,
      StreamExecutionEnvironment env,
      String jobName)
      throws Exception {
    OrdersJob.Outputs outputs =
        OrdersJob.wire(
            OrdersJob.partitionLikeKafka(timestamped(env, customerChanges, "changes", disorder)),
            timestamped(env, orders, "orders", disorder),
            new FxRates());
    return OrdersRun.execute(env, outputs, jobName);
  }

  /**
   * The events' lines as a source would read them: each with its event time, in the order given,
   * with watermarks {@code disorder} behind. Parallelism 1 up to the lines, so that the order (and
   * each customer's order of changes) is kept as one Kafka partition keeps it.
   */
  static DataStream<String> timestamped(
      StreamExecutionEnvironment env,
      List<ReferenceData.Event> events,
      String name,
      Duration disorder) {
    return timestamped(
        env.fromData(events, TypeInformation.of(ReferenceData.Event.class)).name(name).uid(name),
        name,
        disorder);
  }

  /**
   * The lines of the events of a non-parallel source named {@code name}, each with its event time,
   * with watermarks {@code disorder} behind.
   */
  static DataStream<String> timestamped(
      DataStream<ReferenceData.Event> events, String name, Duration disorder) {
    return events
        .assignTimestampsAndWatermarks(
            WatermarkStrategy.<ReferenceData.Event>forBoundedOutOfOrderness(disorder)
                .withTimestampAssigner((event, ts) -> event.timestamp()))
        .setParallelism(1)
        .name(name + "-time")
        .uid(name + "-time")
        .map(ReferenceData.Event::line, Types.STRING)
        .setParallelism(1)
        .name(name + "-lines")
        .uid(name + "-lines");
  }
}
