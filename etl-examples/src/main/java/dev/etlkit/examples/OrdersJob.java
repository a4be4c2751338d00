package dev.etlkit.examples;

import dev.etlkit.core.Change;
import dev.etlkit.core.Etl;
import dev.etlkit.core.EtlPipeline;
import dev.etlkit.core.EtlStream;
import dev.etlkit.operators.PayloadInput;
import dev.etlkit.operators.cdc.Debezium;
import dev.etlkit.operators.dedup.Dedup;
import dev.etlkit.operators.enrich.DimensionJoin;
import dev.etlkit.operators.enrich.Enrich;
import dev.etlkit.operators.enrich.Lookup;
import dev.etlkit.operators.enrich.LookupCache;
import dev.etlkit.operators.filter.Filters;
import dev.etlkit.operators.json.Json;
import dev.etlkit.operators.normalize.ChangeSequence;
import dev.etlkit.operators.normalize.Normalize;
import dev.etlkit.scd.EffectiveTime;
import dev.etlkit.scd.Scd2;
import dev.etlkit.scd.Scd2Row;
import dev.etlkit.scd.TieBreak;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The example job the README starts. Two pipelines share one Flink job:
 *
 * <ul>
 *   <li>{@code orders}: JSON order events (an at-least-once producer, so some arrive twice) are
 *       parsed ({@link Json#parse}), checked against the clock (an order dated more than {@code
 *       --max-future} ahead of it is a dead letter), deduplicated ({@link Dedup#keepFirst}),
 *       filtered ({@link Filters#where}) and summed per customer by a custom stateful step ({@link
 *       RevenuePerCustomer}); the same orders are enriched with the customer as they were when the
 *       order was placed ({@link DimensionJoin#asOf}, over the customers changelog) and with their
 *       amount in euros ({@link Enrich#lookup} of {@link FxRates});
 *   <li>{@code customers}: Debezium change events of the customers table are decoded ({@link
 *       Debezium#decode}), checked for values the history's PostgreSQL table cannot hold (a NUL
 *       character in text is a dead letter: {@link
 *       dev.etlkit.scd.Scd2PostgresTable#rejectUnwritable}), checked against the clock (a change
 *       whose {@code ts_ms} is more than {@code --max-future} ahead of it is a dead letter) and
 *       normalized into a full changelog ({@link Normalize#upserts}), which drops the redelivered
 *       event and rebuilds the before-image the database did not send; the changelog is kept as the
 *       customers' history, a slowly changing dimension ({@link Scd2#trackChangelog}).
 * </ul>
 *
 * <p>The job prints the state inventory before it runs, then the running revenue per customer, the
 * enriched orders, the current customers table and their history, the dead letters by step and
 * reason, and the record accounting, and writes them to files.
 *
 * <p>It runs with no outside service: a local Flink cluster in this JVM, with the settings of a
 * production job (RocksDB state, parallelism 2, generic types disabled so nothing falls back to
 * Kryo, no restarts). A real job reads Kafka or CDC instead of {@link #sampleLines()} and sinks
 * {@code toDataStream()} and {@code deadLetters()} with Flink connectors.
 *
 * <p>Run it with {@code ./mvnw -B -q -DskipTests -Prun-example -pl etl-examples -am install}; the
 * optional argument is the output directory (default: system property {@value
 * #OUTPUT_DIR_PROPERTY}, else {@code target/output}). With {@code --kafka host:port --jdbc url} it
 * runs against Kafka and PostgreSQL instead ({@link RealMode}; options: {@link JobOptions}).
 */
public final class OrdersJob {

  /** The pipeline name: the first part of every operator uid. Keep it stable. */
  public static final String PIPELINE = "orders";

  /** Orders are summed in this currency; others become dead letters of the revenue step. */
  public static final String REPORT_CURRENCY = "EUR";

  /** The system property naming the output directory. */
  public static final String OUTPUT_DIR_PROPERTY = "etlkit.examples.output";

  /** The pipeline name of the customer change events. */
  public static final String CUSTOMERS_PIPELINE = "customers";

  static final String SAMPLE_RESOURCE = "/sample/orders.jsonl";

  static final String CUSTOMERS_RESOURCE = "/sample/customers-cdc.jsonl";

  private OrdersJob() {}

  public static void main(String[] args) throws Exception {
    JobOptions options = JobOptions.parse(args);
    if (options.realMode()) {
      RealMode.run(options);
      return;
    }
    Path outputDir =
        Path.of(
            options.outputDir() != null
                ? options.outputDir()
                : System.getProperty(OUTPUT_DIR_PROPERTY, "target/output"));
    OrdersReport report = new OrdersReport(System.out);
    report.title("etlkit example: orders (local Flink, RocksDB state, parallelism 2)");

    StreamExecutionEnvironment env = localEnvironment("rocksdb");
    Outputs outputs =
        wire(
            env.fromData(sampleLines(), Types.STRING).name("sample-orders").uid("sample-orders"),
            env.fromData(customerChangeLines(), Types.STRING)
                .name("sample-customer-changes")
                .uid("sample-customer-changes"),
            options.maxFuture());
    String inventory = outputs.stateInventory();
    report.stateInventory(inventory); // known before the job runs

    OrdersRun run = OrdersRun.execute(env, outputs, "etlkit-orders-example");
    report.revenue(run.revenue());
    report.enrichedOrders(run.enrichedOrders());
    report.customers(run.finalCustomers(), run.customerChanges().size());
    report.dimension(run.finalDimension(), run.dimensionChanges().size());
    report.deadLetters(run.deadLettersByReason());
    report.accounting(run.accounting());
    report.written(OrdersReport.writeFiles(run, inventory, outputDir));
  }

  /**
   * The streams the job computes, wired but not yet running.
   *
   * @param revenue running revenue per customer
   * @param enrichedOrders orders with the customer at order time and the amount in euros
   * @param customers the normalized changelog of the customers table
   * @param customerDimension the customers' history (SCD Type 2) as a changelog
   */
  public record Outputs(
      EtlStream<CustomerRevenue> revenue,
      EtlStream<EnrichedOrder> enrichedOrders,
      EtlStream<Change<Customer>> customers,
      EtlStream<Change<Scd2Row<Customer>>> customerDimension) {

    /** Both pipelines: the orders' and the customers'. */
    public EtlPipeline[] pipelines() {
      return new EtlPipeline[] {revenue.pipeline(), customers.pipeline()};
    }

    /** The state inventory of both pipelines, as tables. */
    public String stateInventory() {
      return revenue.stateInventory().toTable() + customers.stateInventory().toTable();
    }
  }

  /**
   * Wires both pipelines over the order lines and the customers' Debezium change events of the
   * bundled sample. Event time is assigned where a real job's Kafka sources assign it, on the
   * sources (each line in its file's order, with a bound of {@link #SAMPLE_DISORDER}), and the
   * change events are partitioned by customer like a CDC topic keyed by the primary key. Orders and
   * customer changes more than {@link JobOptions#DEFAULT_MAX_FUTURE} ahead of the clock when they
   * are read become dead letters.
   */
  public static Outputs wire(DataStream<String> orderLines, DataStream<String> customerChanges) {
    return wire(orderLines, customerChanges, JobOptions.DEFAULT_MAX_FUTURE);
  }

  /**
   * {@link #wire(DataStream, DataStream)}, with orders and customer changes more than {@code
   * maxFuture} ahead of the clock when they are read as dead letters ({@code --max-future}).
   */
  public static Outputs wire(
      DataStream<String> orderLines, DataStream<String> customerChanges, Duration maxFuture) {
    DataStream<String> orders =
        orderLines
            .assignTimestampsAndWatermarks(EventTimes.orderLines(SAMPLE_DISORDER, maxFuture))
            .setParallelism(orderLines.getParallelism()) // in the source's order
            .name("order-time")
            .uid(PIPELINE + "/order-time");
    DataStream<String> changes =
        customerChanges
            .assignTimestampsAndWatermarks(EventTimes.changeLines(SAMPLE_DISORDER, maxFuture))
            .setParallelism(customerChanges.getParallelism())
            .name("customer-change-time")
            .uid(CUSTOMERS_PIPELINE + "/change-time");
    return wire(partitionLikeKafka(changes), orders, PayloadInput.text(), new FxRates(), maxFuture);
  }

  /**
   * Wires both pipelines over inputs that carry event time and watermarks (a Kafka source with a
   * watermark strategy).
   *
   * @param customerChanges Debezium change events, each customer's in order on one subtask
   * @param orderLines JSON order events
   * @param fxRates the exchange-rate lookup
   */
  public static Outputs wire(
      DataStream<String> customerChanges,
      DataStream<String> orderLines,
      Lookup<String, BigDecimal> fxRates) {
    return wire(customerChanges, orderLines, PayloadInput.text(), fxRates);
  }

  /**
   * Wires both pipelines over inputs of any type that carry event time and watermarks, read through
   * {@code input} (for example Kafka records as {@link dev.etlkit.core.RawRecord}s, whose dead
   * letters then carry the topic, partition and offset). Orders and customer changes more than
   * {@link JobOptions#DEFAULT_MAX_FUTURE} ahead of the clock, or of their record's timestamp,
   * become dead letters, whatever watermark strategy gave the inputs their timestamps.
   */
  public static <I> Outputs wire(
      DataStream<I> customerChanges,
      DataStream<I> orderEvents,
      PayloadInput<I> input,
      Lookup<String, BigDecimal> fxRates) {
    return wire(customerChanges, orderEvents, input, fxRates, JobOptions.DEFAULT_MAX_FUTURE);
  }

  /**
   * {@link #wire(DataStream, DataStream, PayloadInput, Lookup)}, with orders and customer changes
   * more than {@code maxFuture} ahead of the clock, or of their record's timestamp, as dead letters
   * ({@code --max-future}).
   */
  public static <I> Outputs wire(
      DataStream<I> customerChanges,
      DataStream<I> orderEvents,
      PayloadInput<I> input,
      Lookup<String, BigDecimal> fxRates,
      Duration maxFuture) {
    EtlStream<Change<Customer>> customers = customersPipeline(customerChanges, input, maxFuture);
    EtlStream<Change<Scd2Row<Customer>>> dimension = customerDimension(customers);
    EtlStream<Order> orders = validOrders(orderEvents, input, maxFuture);
    EtlStream<CustomerRevenue> revenue = revenue(orders);
    EtlStream<EnrichedOrder> enriched = enrichedOrders(orders, customers.toDataStream(), fxRates);
    return new Outputs(revenue, enriched, customers, dimension);
  }

  // tag::orders-pipeline[]
  /** JSON order events in, valid orders out, each counted once; bad events become dead letters. */
  public static <I> EtlStream<Order> validOrders(
      DataStream<I> events, PayloadInput<I> input, Duration maxFuture) {
    return Etl.from(events, PIPELINE)
        .defaultStateTtl(Duration.ofDays(7)) // like table.exec.state.ttl: for each stateful step
        .apply(
            Json.parse("parse", Order.class)
                .withInput(input) // lines of text, Kafka records, bytes, ...
                .withRequiredFields("orderId", "customerId", "amount", "currency", "orderedAt"))
        // dead letters: orderedAt more than maxFuture ahead of the clock or the record's timestamp
        .apply(FutureTimes.orders("valid-time", maxFuture, Clock.systemUTC()))
        .apply(Dedup.keepFirst("dedup", Order::orderId).withKeyType(Types.STRING))
        .apply(Filters.where("valid-amount", Order::hasPositiveAmount));
  }

  /** Running revenue per customer, by a custom stateful step. */
  public static EtlStream<CustomerRevenue> revenue(EtlStream<Order> orders) {
    return orders.apply(RevenuePerCustomer.in(REPORT_CURRENCY));
  }

  // end::orders-pipeline[]

  /**
   * {@link #validOrders(DataStream, PayloadInput, Duration)} of JSON lines, with the default {@code
   * --max-future}.
   */
  public static EtlStream<Order> validOrders(DataStream<String> jsonLines) {
    return validOrders(jsonLines, PayloadInput.text(), JobOptions.DEFAULT_MAX_FUTURE);
  }

  // tag::enriched-orders[]
  /**
   * Each order with the customer as they were when it was placed (a point-in-time join with the
   * customers changelog held in state) and its amount in euros (an exchange-rate lookup).
   */
  public static EtlStream<EnrichedOrder> enrichedOrders(
      EtlStream<Order> orders,
      DataStream<Change<Customer>> customers,
      Lookup<String, BigDecimal> fxRates) {
    return orders
        .pipeline()
        .from(orders.toDataStream())
        .apply(
            DimensionJoin.asOf(
                    "customer",
                    customers, // their event time: when the change took effect (ts_ms)
                    Order::customerId,
                    Customer::id,
                    EnrichedOrder::withCustomer,
                    EnrichedOrder.TYPE_INFO)
                .withKeyType(Types.STRING)
                // no TTL, whatever the pipeline's: a customer unchanged for a week still exists
                .withStateTtl(Duration.ZERO))
        .apply(
            Enrich.lookup(
                    "eur-amount",
                    EnrichedOrder::currency,
                    fxRates, // FxRates on the sample, a JdbcLookup on the rates table in real mode
                    (order, rate, status) -> order.withRateToEur(rate, status),
                    EnrichedOrder.TYPE_INFO)
                .withCache(
                    LookupCache.maxEntries(1_000)
                        .withExpireAfterWrite(FX_RATES_MAX_AGE)
                        // the database down: the last rate, marked STALE, rather than no amount
                        .withStaleOnError(FX_RATES_MAX_STALENESS)));
  }

  // end::enriched-orders[]

  /**
   * How far out of event-time order the sample's lines may be in their files (about two hours at
   * most, a late order and a late customer change among them), with room to spare.
   */
  static final Duration SAMPLE_DISORDER = Duration.ofHours(3);

  /** How long an exchange rate is used before it is read again. */
  static final Duration FX_RATES_MAX_AGE = Duration.ofMinutes(10);

  /**
   * How long past {@link #FX_RATES_MAX_AGE} a rate is still used, with status {@code STALE}, while
   * reading it again fails.
   */
  static final Duration FX_RATES_MAX_STALENESS = Duration.ofHours(1);

  // tag::customers-pipeline[]
  /**
   * Debezium change events in, a full changelog of the customers table out; a change the history's
   * PostgreSQL table cannot hold ({@link CustomerHistoryTable#DIMENSION_TABLE}: a NUL character in
   * text), or whose {@code ts_ms} is more than {@code maxFuture} ahead of the clock or of its
   * record's timestamp, becomes a dead letter.
   */
  public static <I> EtlStream<Change<Customer>> customersPipeline(
      DataStream<I> debeziumEvents, PayloadInput<I> input, Duration maxFuture) {
    // No state TTL: a customer unchanged for longer would be forgotten, and its next change would
    // start its history again at version 1 beside the old current version (one row per customer
    // of the table, and one sequence per deleted customer, is the state).
    return Etl.from(debeziumEvents, CUSTOMERS_PIPELINE)
        .apply(Debezium.decode("decode", Customer.class).withInput(input))
        // dead letters: what the history's PostgreSQL table cannot hold (a NUL in text), before
        // anything keeps state of it; the sink would fail the job on it at every restart
        .apply(CustomerHistoryTable.DIMENSION_TABLE.rejectUnwritable("writable", Customer::id))
        .apply(FutureTimes.changes("valid-time", maxFuture, Clock.systemUTC())) // a wrong clock
        .apply(
            Normalize.upserts("normalize", Customer::id, Types.STRING)
                .withSequence(ChangeSequence.sourcePosition())); // the LSN: stale events lose
  }

  // end::customers-pipeline[]

  /**
   * {@link #customersPipeline(DataStream, PayloadInput, Duration)} with the default {@code
   * --max-future}.
   */
  public static <I> EtlStream<Change<Customer>> customersPipeline(
      DataStream<I> debeziumEvents, PayloadInput<I> input) {
    return customersPipeline(debeziumEvents, input, JobOptions.DEFAULT_MAX_FUTURE);
  }

  /**
   * {@link #customersPipeline(DataStream, PayloadInput, Duration)} of JSON lines, with the default
   * {@code --max-future}.
   */
  public static EtlStream<Change<Customer>> customersPipeline(DataStream<String> debeziumJson) {
    return customersPipeline(debeziumJson, PayloadInput.text(), JobOptions.DEFAULT_MAX_FUTURE);
  }

  // tag::customer-dimension[]
  /** The customers changelog in, every customer's history (SCD Type 2) out. */
  public static EtlStream<Change<Scd2Row<Customer>>> customerDimension(
      EtlStream<Change<Customer>> customers) {
    return customers.apply(
        Scd2.trackChangelog("dimension", Customer::id, EffectiveTime.<Customer>changeEventTime())
            .withTieBreak(TieBreak.sourcePosition()) // equal ts_ms: the later LSN wins
            .withType1Columns("name") // a corrected name overwrites, it opens no version
            .withValidToCurrent(Scd2.END_OF_TIME));
  }

  // end::customer-dimension[]

  // tag::local-environment[]
  /** A local environment with production settings; {@code stateBackend}: rocksdb or hashmap. */
  public static StreamExecutionEnvironment localEnvironment(String stateBackend) {
    Configuration conf = new Configuration();
    conf.set(StateBackendOptions.STATE_BACKEND, stateBackend);
    conf.set(PipelineOptions.GENERIC_TYPES, false); // fail instead of falling back to Kryo
    conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
    env.setParallelism(2);
    return env;
  }

  // end::local-environment[]

  /**
   * Sends all change events of one customer to the same parallel decoder, as a CDC topic keyed by
   * the primary key does, so each customer's events stay in order. (A real job reads the topic with
   * a Kafka source whose partitions already are keyed.)
   */
  public static DataStream<String> partitionLikeKafka(DataStream<String> changeEvents) {
    return changeEvents.partitionCustom(
        (key, partitions) -> Math.floorMod(key.hashCode(), partitions), OrdersJob::sampleKeyOf);
  }

  /** The sample's primary key: the first {@code "id":"..."} of the event, or "" when none. */
  static String sampleKeyOf(String changeEvent) {
    Matcher m = SAMPLE_ID.matcher(changeEvent);
    return m.find() ? m.group(1) : "";
  }

  private static final Pattern SAMPLE_ID = Pattern.compile("\"id\":\"([^\"]+)\"");

  /** The bundled sample orders, one JSON document per line (some of them broken). */
  public static List<String> sampleLines() {
    return resourceLines(SAMPLE_RESOURCE);
  }

  /** The bundled Debezium change events of the customers table, one per line. */
  public static List<String> customerChangeLines() {
    return resourceLines(CUSTOMERS_RESOURCE);
  }

  static List<String> resourceLines(String resource) {
    try (InputStream in = OrdersJob.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("sample data " + resource + " not on the class path");
      }
      BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      return reader.lines().filter(line -> !line.isBlank()).collect(Collectors.toList());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + resource, e);
    }
  }
}
