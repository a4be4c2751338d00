package dev.etlkit.examples;

import dev.etlkit.core.Change;
import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.EtlStream;
import dev.etlkit.core.RawRecord;
import dev.etlkit.core.SavepointCheck;
import dev.etlkit.core.StateInventory;
import dev.etlkit.operators.PayloadInput;
import dev.etlkit.scd.Scd2Row;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The reference job against the real systems ({@code --kafka}, {@code --jdbc}): order events and
 * the customers' Debezium change events from Kafka, event time and watermarks per partition at the
 * sources ({@link EventTimes}), the same steps as on the sample (without the revenue report), the
 * exchange rates from PostgreSQL ({@link PostgresIo#fxRates}), and three outputs:
 *
 * <ul>
 *   <li>enriched orders to a topic, exactly once (Kafka transactions committed on checkpoints);
 *   <li>dead letters of every step to their topic, exactly once, payload as value and the reason in
 *       headers;
 *   <li>the customers' SCD2 history upserted into PostgreSQL, at least once and idempotent.
 * </ul>
 *
 * <p>The Kafka transactional ids start with the consumer group ({@code --group-id}): stable across
 * restarts and savepoints, and distinct for two jobs writing to one cluster.
 *
 * <p>State backend, restart strategy, parallelism, max parallelism and the checkpoint timeout come
 * from the cluster's configuration; the job sets checkpointing (exactly once, {@code
 * --checkpoint-interval}) and turns generic types off so that nothing falls back to Kryo. It
 * refuses to start with a {@code --transaction-timeout} not above the checkpoint interval plus the
 * checkpoint timeout ({@link #environment(JobOptions, Configuration)}).
 */
public final class RealMode {

  private RealMode() {}

  /**
   * The job's two inputs, as raw Kafka records with event time.
   *
   * @param customerChanges the customers' Debezium change events, keyed by customer id
   * @param orders the order events
   */
  public record Sources(DataStream<RawRecord> customerChanges, DataStream<RawRecord> orders) {}

  /**
   * The job's outputs, wired but not yet sunk.
   *
   * @param enrichedOrders orders with the customer at order time and the amount in euros, as JSON
   *     keyed by order id ({@link KafkaIo#ENRICHED_ORDERS_JSON})
   * @param customerDimension the customers' SCD2 history as a changelog
   * @param deadLetters the dead letters of every step of both pipelines
   */
  public record Outputs(
      EtlStream<RawRecord> enrichedOrders,
      EtlStream<Change<Scd2Row<Customer>>> customerDimension,
      DataStream<DeadLetter> deadLetters) {

    /** The state inventories of the job's two pipelines: the orders' and the customers'. */
    public List<StateInventory> stateInventories() {
      return List.of(
          enrichedOrders.pipeline().stateInventory(),
          customerDimension.pipeline().stateInventory());
    }
  }

  /** Runs the job until it is cancelled (or, with {@code --bounded}, until the topics' end). */
  public static JobExecutionResult run(JobOptions options) throws Exception {
    StreamExecutionEnvironment env = environment(options);
    sink(wire(sources(env, options), options), options, DeliveryGuarantee.EXACTLY_ONCE);
    return env.execute("etlkit-orders");
  }

  // tag::savepoint-check[]
  /**
   * What a restore of {@code savepoint} into this version of the job would do, found without
   * running it: the job is built onto an environment of its own and compared with the savepoint.
   */
  public static SavepointCheck.Report checkSavepoint(JobOptions options, String savepoint)
      throws IOException {
    StreamExecutionEnvironment env = environment(options);
    Outputs outputs = wire(sources(env, options), options);
    sink(outputs, options, DeliveryGuarantee.EXACTLY_ONCE);
    return SavepointCheck.of(env, outputs.stateInventories()).against(savepoint);
  }

  // end::savepoint-check[]

  /** The environment from the cluster's configuration, with checkpointing and no Kryo. */
  public static StreamExecutionEnvironment environment(JobOptions options) {
    return environment(options, new Configuration());
  }

  /**
   * The environment from the cluster's configuration and {@code settings}, with checkpointing and
   * no Kryo.
   *
   * @throws IllegalArgumentException if {@code --transaction-timeout} is not above {@code
   *     --checkpoint-interval} plus the configured checkpoint timeout ({@code
   *     execution.checkpointing.timeout}, 10 minutes by default)
   */
  public static StreamExecutionEnvironment environment(JobOptions options, Configuration settings) {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(settings);
    Configuration conf = new Configuration();
    conf.set(PipelineOptions.GENERIC_TYPES, false);
    env.configure(conf);
    env.enableCheckpointing(
        options.checkpointInterval().toMillis(), CheckpointingMode.EXACTLY_ONCE);
    requireTransactionTimeout(
        options,
        Duration.ofMillis(env.getCheckpointConfig().getCheckpointTimeout()),
        Math.max(0, env.getCheckpointConfig().getTolerableCheckpointFailureNumber()));
    return env;
  }

  /**
   * A Kafka transaction of the exactly-once sinks stays open from one checkpoint until the next
   * completes, and across a failure until the restarted job commits it; the broker aborts it, and
   * its records are lost, once it is older than {@code transaction.timeout.ms}. Flink's {@code
   * KafkaSink} therefore asks for a timeout well above the longest checkpoint plus the longest
   * restart. Here: above one round of the interval plus the longest checkpoint Flink lets run (its
   * timeout) for each tolerated checkpoint failure in a row, which leaves the transaction open, and
   * one for the checkpoint that completes. The restart time is the user's to add.
   */
  private static void requireTransactionTimeout(
      JobOptions options, Duration checkpointTimeout, int toleratedFailures) {
    Duration round = options.checkpointInterval().plus(checkpointTimeout);
    Duration open = round.multipliedBy(toleratedFailures + 1L);
    if (options.transactionTimeout().compareTo(open) <= 0) {
      String rounds =
          toleratedFailures == 0
              ? ""
              : (toleratedFailures + 1)
                  + " rounds ("
                  + toleratedFailures
                  + " tolerated checkpoint failures in a row,"
                  + " execution.checkpointing.tolerable-failed-checkpoints, and the checkpoint that"
                  + " completes) of ";
      throw new IllegalArgumentException(
          "--transaction-timeout "
              + options.transactionTimeout()
              + " must be above "
              + rounds
              + "--checkpoint-interval "
              + options.checkpointInterval()
              + " plus the longest checkpoint (execution.checkpointing.timeout "
              + checkpointTimeout
              + ")"
              + (toleratedFailures == 0 ? "" : ": " + open)
              + " plus the longest restart you tolerate: Kafka aborts a transaction open longer"
              + " than that, and the records in it are lost; and at most the brokers'"
              + " transaction.max.timeout.ms (15 minutes by default)");
    }
  }

  /** The Kafka sources, with watermarks per partition from the payloads' event time. */
  public static Sources sources(StreamExecutionEnvironment env, JobOptions options) {
    DataStream<RawRecord> changes =
        env.fromSource(
                KafkaIo.rawRecords(
                    options.kafka(),
                    options.customersTopic(),
                    options.groupId(),
                    options.bounded()),
                EventTimes.changes(options.disorder(), options.idleness(), options.maxFuture()),
                "kafka-customer-changes")
            .uid("kafka-customer-changes");
    DataStream<RawRecord> orders =
        env.fromSource(
                KafkaIo.rawRecords(
                    options.kafka(), options.ordersTopic(), options.groupId(), options.bounded()),
                EventTimes.orders(options.disorder(), options.idleness(), options.maxFuture()),
                "kafka-orders")
            .uid("kafka-orders");
    return new Sources(changes, orders);
  }

  /**
   * The steps of the reference job over the Kafka inputs: the customers pipeline and its SCD2
   * history, the valid orders enriched with the customer at order time and the amount in euros from
   * {@code fx_rates}, written as JSON for their topic ({@code orders/json}: an order too large for
   * it is a dead letter there, not a failing sink).
   */
  public static Outputs wire(Sources sources, JobOptions options) {
    PayloadInput<RawRecord> input = PayloadInput.rawRecords();
    EtlStream<Change<Customer>> customers =
        OrdersJob.customersPipeline(sources.customerChanges(), input, options.maxFuture());
    EtlStream<Change<Scd2Row<Customer>>> dimension = OrdersJob.customerDimension(customers);
    EtlStream<RawRecord> enriched =
        OrdersJob.enrichedOrders(
                OrdersJob.validOrders(sources.orders(), input, options.maxFuture()),
                customers.toDataStream(), // event time and watermarks come from the sources
                PostgresIo.fxRates(options.jdbcUrl()))
            .apply(KafkaIo.ENRICHED_ORDERS_JSON);
    DataStream<DeadLetter> deadLetters = enriched.deadLetters().union(customers.deadLetters());
    return new Outputs(enriched, dimension, deadLetters);
  }

  /** Sinks the outputs: both topics with {@code guarantee}, the history into PostgreSQL. */
  public static void sink(Outputs outputs, JobOptions options, DeliveryGuarantee guarantee) {
    outputs
        .enrichedOrders()
        .toDataStream()
        .sinkTo(
            KafkaIo.enrichedOrders(
                options.kafka(),
                options.enrichedTopic(),
                guarantee,
                options.groupId() + "-enriched",
                options.transactionTimeout()))
        .name("kafka-enriched-orders")
        .uid("kafka-enriched-orders");
    outputs
        .deadLetters()
        .sinkTo(
            KafkaIo.deadLetters(
                options.kafka(),
                options.deadLetterTopic(),
                guarantee,
                options.groupId() + "-dead-letters",
                options.transactionTimeout()))
        .name("kafka-dead-letters")
        .uid("kafka-dead-letters");
    outputs
        .customerDimension()
        .toDataStream()
        .sinkTo(PostgresIo.dimensionSink(options.jdbcUrl()))
        .name("postgres-customer-dimension")
        .uid("postgres-customer-dimension");
  }
}
