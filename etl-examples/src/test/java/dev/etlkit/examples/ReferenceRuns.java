package dev.etlkit.examples;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.operators.collect.CollectSinkOperatorFactory;

/**
 * Runs of the reference job for the tests: {@link OrdersJob#localEnvironment} (generic types off,
 * no restarts, parallelism 2) in a chosen runtime mode and state backend, over the bundled sample
 * or over {@link ReferenceData} events.
 */
final class ReferenceRuns {

  /** How far out of order generated events reach their source (redeliveries come a bit later). */
  static final Duration GENERATED_DISORDER = Duration.ofMinutes(1);

  /** Half of what one collect sink may buffer (see {@link #environment}). */
  private static final MemorySize COLLECT_BUFFER = MemorySize.ofMebiBytes(128);

  private static final Pattern ORDERED_AT = Pattern.compile("\"orderedAt\":\"([^\"]+)\"");

  private static final Pattern TS_MS = Pattern.compile("\"ts_ms\":\\s*(\\d+)");

  private ReferenceRuns() {}

  /**
   * The example job's environment in {@code mode}; batch mode ignores the state backend. {@link
   * OrdersRun#execute} reads the collected outputs only after the job finished, so each collect
   * sink must hold all of its output; with its default buffer (twice {@code
   * collect-sink.batch-size.max}: 4 MiB) a larger output blocks the job for good (tens of thousands
   * of enriched orders), so the buffer is raised here.
   */
  static StreamExecutionEnvironment environment(RuntimeExecutionMode mode, String backend) {
    StreamExecutionEnvironment env = OrdersJob.localEnvironment(backend);
    env.setRuntimeMode(mode);
    Configuration collect = new Configuration();
    collect.set(CollectSinkOperatorFactory.MAX_BATCH_SIZE, COLLECT_BUFFER);
    env.configure(collect);
    return env;
  }

  /**
   * The job as {@link OrdersJob#main} wires it over the sample: the lines have no timestamps, event
   * time is assigned after the parallel steps.
   */
  static OrdersRun sampleAsWired(RuntimeExecutionMode mode, String backend) throws Exception {
    StreamExecutionEnvironment env = environment(mode, backend);
    OrdersJob.Outputs outputs =
        OrdersJob.wire(
            env.fromData(OrdersJob.sampleLines(), Types.STRING),
            env.fromData(OrdersJob.customerChangeLines(), Types.STRING));
    return OrdersRun.execute(env, outputs, "sample-as-wired-" + mode + "-" + backend);
  }

  /**
   * The job over the sample with event time assigned at the sources, as a real job's Kafka sources
   * do: an order's {@code orderedAt}, a change event's first {@code ts_ms} (the database's commit
   * time); a line without one (a broken line) has none.
   */
  static OrdersRun sampleWithSourceTime(RuntimeExecutionMode mode, String backend)
      throws Exception {
    return run(
        sampleEvents(OrdersJob.sampleLines(), ORDERED_AT),
        sampleEvents(OrdersJob.customerChangeLines(), TS_MS),
        OrdersJob.SAMPLE_DISORDER,
        mode,
        backend,
        "sample-source-time");
  }

  /** The job over generated events, with event time and watermarks assigned at the sources. */
  static OrdersRun generated(
      ReferenceData data, RuntimeExecutionMode mode, String backend, String jobName)
      throws Exception {
    return run(data.orders(), data.customerChanges(), GENERATED_DISORDER, mode, backend, jobName);
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
    StreamExecutionEnvironment env = environment(mode, backend);
    OrdersJob.Outputs outputs =
        OrdersJob.wire(
            OrdersJob.partitionLikeKafka(timestamped(env, customerChanges, "changes", disorder)),
            timestamped(env, orders, "orders", disorder),
            null, // the sources carry event time and watermarks
            new FxRates());
    return OrdersRun.execute(env, outputs, jobName + "-" + mode + "-" + backend);
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
    return env.fromData(events, TypeInformation.of(ReferenceData.Event.class))
        .name(name)
        .uid(name)
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

  private static List<ReferenceData.Event> sampleEvents(List<String> lines, Pattern time) {
    List<ReferenceData.Event> events = new ArrayList<>();
    for (String line : lines) {
      Matcher m = time.matcher(line);
      long timestamp = Long.MIN_VALUE; // no timestamp
      if (m.find()) {
        try {
          timestamp =
              time == TS_MS ? Long.parseLong(m.group(1)) : Instant.parse(m.group(1)).toEpochMilli();
        } catch (DateTimeParseException e) {
          // not a time ("yesterday"): the parse step rejects the line
        }
      }
      events.add(new ReferenceData.Event(OrdersJob.sampleKeyOf(line), timestamp, line));
    }
    return events;
  }
}
