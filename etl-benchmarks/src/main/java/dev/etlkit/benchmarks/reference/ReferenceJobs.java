package dev.etlkit.benchmarks.reference;

import dev.etlkit.benchmarks.reference.ReferenceJobBenchmark.Impl;
import dev.etlkit.benchmarks.reference.ReferenceJobBenchmark.Job;
import dev.etlkit.core.Change;
import dev.etlkit.core.Etl;
import dev.etlkit.core.EtlStream;
import dev.etlkit.examples.Customer;
import dev.etlkit.examples.EnrichedOrder;
import dev.etlkit.examples.EventTimes;
import dev.etlkit.examples.FxRates;
import dev.etlkit.examples.Order;
import dev.etlkit.examples.OrdersJob;
import dev.etlkit.examples.ReferenceData;
import dev.etlkit.operators.PayloadInput;
import dev.etlkit.operators.cdc.Debezium;
import dev.etlkit.operators.json.Json;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;

/**
 * The four jobs of {@link ReferenceJobBenchmark}, wired on an environment over the same sources:
 * the order lines and the customers' Debezium change lines of a {@link ReferenceData}, read from
 * memory ({@link InMemoryLines}) in their order. Event time is assigned at the sources, as the
 * reference job assigns it ({@link OrdersJob#wire(DataStream, DataStream)}, and a Kafka source in
 * real mode): {@link EventTimes#orderLines} reads {@code orderedAt} from each order line, {@link
 * EventTimes#changeLines} the change time from each change line, with watermarks {@link
 * #MAX_DISORDER} behind. Both impls read the same sources, so both pay for that alike; the SQL job
 * takes the record timestamp as its {@code rowtime} and the source's watermarks ({@code
 * SOURCE_WATERMARK()}).
 *
 * <ul>
 *   <li>etlkit pipeline: the reference job's own steps ({@link OrdersJob#validOrders}, {@link
 *       OrdersJob#customersPipeline}, {@link OrdersJob#enrichedOrders} with {@link FxRates});
 *       outputs the enriched orders and the dead letters of both pipelines;
 *   <li>etlkit pass-through: only the first step of each pipeline ({@link Json#parse} of the orders
 *       as in {@link OrdersJob#validOrders}, {@link Debezium#decode} of the changes as in {@link
 *       OrdersJob#customersPipeline}); outputs orders, customer changes and dead letters;
 *   <li>Flink SQL pipeline: {@link FlinkSqlReferenceJob#enrichedOrders};
 *   <li>Flink SQL pass-through: the same conversion into the two tables and back out.
 * </ul>
 *
 * <p>Not in either job: the reference job's revenue per customer and its SCD2 customer dimension,
 * which have no Flink SQL counterpart in the comparison, and its partitioning of the change lines
 * by customer ({@link OrdersJob#partitionLikeKafka}), which changes nothing at parallelism 1.
 */
final class ReferenceJobs {

  /**
   * How far behind the greatest event time the sources' watermarks stay. Order events and change
   * events each arrive in event-time order, except redelivered orders (a few events later), which
   * the dedup steps drop before any event-time operator; so a bound of seconds is enough, as in a
   * real job reading Kafka partitions.
   */
  static final Duration MAX_DISORDER = Duration.ofSeconds(5);

  /** Output name: enriched orders (pipeline jobs). */
  static final String ENRICHED_ORDERS = "enriched-orders";

  /** Output name: parsed orders (pass-through jobs). */
  static final String ORDERS = "orders";

  /** Output name: decoded customer changes (pass-through jobs). */
  static final String CUSTOMERS = "customers";

  /** Output name: dead letters (etlkit jobs). */
  static final String DEAD_LETTERS = "dead-letters";

  private ReferenceJobs() {}

  /**
   * The two sources over the lines of {@code data}.
   *
   * @param orderLines the order lines
   * @param changeLines the customers' Debezium change lines
   * @param lines the lines behind them, held in this JVM until {@link #release()}
   */
  record Sources(
      DataStream<String> orderLines, DataStream<String> changeLines, List<InMemoryLines> lines) {

    /** Both sources on {@code env}. */
    static Sources of(StreamExecutionEnvironment env, ReferenceData data) {
      InMemoryLines orders = InMemoryLines.register(data.orderLines());
      InMemoryLines changes = InMemoryLines.register(data.customerChangeLines());
      return new Sources(
          source(env, orders, EventTimes.orderLines(MAX_DISORDER), "order-lines"),
          source(env, changes, EventTimes.changeLines(MAX_DISORDER), "customer-change-lines"),
          List.of(orders, changes));
    }

    /** Forgets the lines; jobs over these sources cannot run any more. */
    void release() {
      lines.forEach(InMemoryLines::release);
    }
  }

  /** Wires one job after the sources; returns its outputs by name, for the caller to sink. */
  static Map<String, DataStream<?>> wire(Impl impl, Job job, Sources sources) {
    DataStream<String> orderLines = sources.orderLines();
    DataStream<String> changeLines = sources.changeLines();
    Map<String, DataStream<?>> outputs = new LinkedHashMap<>();
    if (impl == Impl.ETLKIT) {
      if (job == Job.PIPELINE) {
        etlkitPipeline(orderLines, changeLines, outputs);
      } else {
        etlkitPassThrough(orderLines, changeLines, outputs);
      }
    } else {
      StreamTableEnvironment tableEnv =
          FlinkSqlReferenceJob.tableEnvironment(orderLines.getExecutionEnvironment());
      if (job == Job.PIPELINE) {
        outputs.put(
            ENRICHED_ORDERS,
            FlinkSqlReferenceJob.toRowData(
                tableEnv, FlinkSqlReferenceJob.enrichedOrders(tableEnv, orderLines, changeLines)));
      } else {
        outputs.put(ORDERS, FlinkSqlReferenceJob.ordersPassThrough(tableEnv, orderLines));
        outputs.put(CUSTOMERS, FlinkSqlReferenceJob.customersPassThrough(tableEnv, changeLines));
      }
    }
    return outputs;
  }

  private static void etlkitPipeline(
      DataStream<String> orderLines,
      DataStream<String> changeLines,
      Map<String, DataStream<?>> outputs) {
    // tag::reference-job-etlkit[]
    EtlStream<Order> orders = OrdersJob.validOrders(orderLines);
    EtlStream<Change<Customer>> customers = OrdersJob.customersPipeline(changeLines);
    EtlStream<EnrichedOrder> enriched =
        OrdersJob.enrichedOrders(orders, customers.toDataStream(), new FxRates());
    outputs.put(ENRICHED_ORDERS, enriched.toDataStream());
    outputs.put(DEAD_LETTERS, enriched.deadLetters().union(customers.deadLetters()));
    // end::reference-job-etlkit[]
  }

  private static void etlkitPassThrough(
      DataStream<String> orderLines,
      DataStream<String> changeLines,
      Map<String, DataStream<?>> outputs) {
    // The first step of each of OrdersJob's pipelines, specified as there.
    EtlStream<Order> orders =
        Etl.from(orderLines, OrdersJob.PIPELINE)
            .apply(
                Json.parse("parse", Order.class)
                    .withInput(PayloadInput.text())
                    .withRequiredFields(
                        "orderId", "customerId", "amount", "currency", "orderedAt"));
    EtlStream<Change<Customer>> customers =
        Etl.from(changeLines, OrdersJob.CUSTOMERS_PIPELINE)
            .apply(Debezium.decode("decode", Customer.class).withInput(PayloadInput.text()));
    outputs.put(ORDERS, orders.toDataStream());
    outputs.put(CUSTOMERS, customers.toDataStream());
    outputs.put(DEAD_LETTERS, orders.deadLetters().union(customers.deadLetters()));
  }

  /** The lines, each with its event time and the source's watermarks, as a Kafka source. */
  private static DataStream<String> source(
      StreamExecutionEnvironment env,
      InMemoryLines lines,
      WatermarkStrategy<String> eventTime,
      String name) {
    return env.fromSource(
            new DataGeneratorSource<>(lines, lines.size(), Types.STRING), eventTime, name)
        .uid(name);
  }
}
